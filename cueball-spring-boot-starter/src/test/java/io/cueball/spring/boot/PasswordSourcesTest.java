package io.cueball.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.sql.Statement;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * The user and password come from the usual Boot sources, and a real server (which requires the password)
 * checks that they arrived: {@code cueball.datasource.*}, the environment variable
 * {@code CUEBALL_DATASOURCE_PASSWORD} (through Boot's own mapping of environment variables), and
 * {@code spring.datasource.username/password} when the cueball ones are unset.
 */
class PasswordSourcesTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CueballDataSourceAutoConfiguration.class))
            .withPropertyValues("cueball.datasource.resolver=" + PostgresServers.get().spec(1),
                    "cueball.datasource.database=" + PostgresServers.DB, "cueball.datasource.max-connections=1",
                    "cueball.datasource.claim-timeout=10s", "cueball.datasource.dead-after-failures=1");

    private static String currentUser(DataSource dataSource) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT current_user")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void passwordFromTheEnvironmentVariable() {
        runner.withPropertyValues("cueball.datasource.username=" + PostgresServers.USER)
                .withInitializer(context -> context.getEnvironment().getPropertySources().addFirst(
                        new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                                Map.of("CUEBALL_DATASOURCE_PASSWORD", PostgresServers.PASSWORD))))
                .run(context -> assertThat(currentUser(context.getBean(DataSource.class)))
                        .isEqualTo(PostgresServers.USER));
    }

    @Test
    void userAndPasswordFromSpringDatasourceWhenTheCueballOnesAreUnset() {
        runner.withPropertyValues("spring.datasource.username=" + PostgresServers.USER,
                "spring.datasource.password=" + PostgresServers.PASSWORD)
                .run(context -> assertThat(currentUser(context.getBean(DataSource.class)))
                        .isEqualTo(PostgresServers.USER));
    }

    @Test
    void theCueballPasswordWinsOverSpringDatasourcesAndAWrongOneIsNeverPrinted() {
        runner.withPropertyValues("cueball.datasource.username=" + PostgresServers.USER,
                "cueball.datasource.password=wrong-Pw-1e9a", "spring.datasource.password=" + PostgresServers.PASSWORD)
                .run(context -> assertThatThrownBy(() -> currentUser(context.getBean(DataSource.class)))
                        .isInstanceOf(SQLInvalidAuthorizationSpecException.class)
                        .hasMessageContaining(PostgresServers.USER)
                        .hasMessageNotContaining("wrong-Pw-1e9a"));
    }
}
