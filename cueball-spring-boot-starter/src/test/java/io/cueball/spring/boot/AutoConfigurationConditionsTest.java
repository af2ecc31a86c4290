package io.cueball.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.cueball.ConnectionPool;
import io.cueball.PoolState;
import io.cueball.conn.jdbc.CueballDataSource;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.HealthContributor;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * When the starter configures a pool and when it stays out of the way. No database is needed: the pool points at
 * a closed port and only its beans are inspected.
 */
class AutoConfigurationConditionsTest {
    /** Nothing listens on port 1: the pool starts and keeps trying, which is all these tests need. */
    private static final String UNREACHABLE = "cueball.datasource.resolver=static:127.0.0.1:1";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CueballDataSourceAutoConfiguration.class,
                    DataSourceAutoConfiguration.class, CueballHealthContributorAutoConfiguration.class))
            .withPropertyValues(UNREACHABLE, "cueball.datasource.database=app", "cueball.datasource.username=app");

    @Configuration(proxyBeanMethods = false)
    static class OwnDataSource {
        @Bean
        DataSource myDataSource() {
            return new DriverManagerDataSource("jdbc:postgresql://127.0.0.1:1/app");
        }
    }

    @Test
    void configuresAPoolAndACueballDataSourceOverIt() {
        runner.run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(DataSource.class).hasSingleBean(ConnectionPool.class);
            CueballDataSource dataSource = context.getBean(CueballDataSource.class);
            assertThat(dataSource.pool()).isSameAs(context.getBean(ConnectionPool.class));
        });
    }

    @Test
    void backsOffWhenTheApplicationDefinesItsOwnDataSource() {
        runner.withUserConfiguration(OwnDataSource.class).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(DataSource.class)
                    .doesNotHaveBean(CueballDataSource.class).doesNotHaveBean(ConnectionPool.class)
                    .doesNotHaveBean("cueballHealthContributor");
            assertThat(context.getBean(DataSource.class)).isInstanceOf(DriverManagerDataSource.class);
        });
    }

    @Test
    void backsOffWhenDisabled() {
        runner.withPropertyValues("cueball.datasource.enabled=false").run(context -> assertThat(context)
                .doesNotHaveBean(ConnectionPool.class)
                .doesNotHaveBean(CueballDataSource.class));
    }

    @Test
    void theContextClosesThePool() {
        ConnectionPool<?>[] pool = new ConnectionPool<?>[1];
        runner.run(context -> {
            pool[0] = context.getBean(ConnectionPool.class);
            assertThat(pool[0].state()).isNotIn(PoolState.CLOSING, PoolState.CLOSED);
        });
        assertThat(pool[0].state()).isEqualTo(PoolState.CLOSED);
    }

    @Test
    void dnsAndConsulSpecsMakeTheirResolvers() {
        runner.withPropertyValues(
                "cueball.datasource.resolver=dns:_pg._tcp.db.test@127.0.0.1:1?port=5432&timeout=200ms")
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(ConnectionPool.class));
        runner.withPropertyValues("cueball.datasource.resolver=consul:postgres?tag=primary@127.0.0.1:1")
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(ConnectionPool.class));
    }

    @Test
    void aConsulSpecWithoutTheConsulModuleNamesTheArtifactToAdd() {
        runner.withPropertyValues("cueball.datasource.resolver=consul:postgres")
                .withClassLoader(new FilteredClassLoader("io.cueball.resolver.consul"))
                .run(context -> assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("cueball.datasource.resolver")
                        .hasMessageContaining("io.cueball:cueball-resolver-consul"));
    }

    @Test
    void healthIsContributedWhenTheActuatorIsPresent() {
        runner.run(context -> assertThat(context).getBean("cueballHealthContributor")
                .isInstanceOf(CueballHealthIndicator.class));
    }

    @Test
    void noHealthContributorWithoutTheActuator() {
        runner.withClassLoader(new FilteredClassLoader(HealthIndicator.class)).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(ConnectionPool.class);
            assertThat(context.getBeansOfType(HealthContributor.class)).isEmpty();
        });
    }

    @Test
    void noHealthContributorWhenTurnedOff() {
        runner.withPropertyValues("management.health.cueball.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean("cueballHealthContributor"));
    }
}
