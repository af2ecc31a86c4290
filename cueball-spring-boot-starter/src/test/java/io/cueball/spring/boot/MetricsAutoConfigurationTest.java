package io.cueball.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.cueball.ConnectionPool;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The pool's meters are registered with Boot's registry when cueball-micrometer is on the class path, and nothing
 * is attached to the pool when it is not.
 */
class MetricsAutoConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CueballDataSourceAutoConfiguration.class,
                    CueballMetricsAutoConfiguration.class, MetricsAutoConfiguration.class,
                    SimpleMetricsExportAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class))
            .withPropertyValues("cueball.datasource.resolver=static:127.0.0.1:1", "cueball.datasource.database=app",
                    "cueball.datasource.username=app", "cueball.datasource.name=metered");

    @Test
    void noBinderWithoutCueballMicrometer() {
        runner.withClassLoader(new FilteredClassLoader(CueballPoolsMeterBinder.POOL_METRICS)).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(ConnectionPool.class).hasSingleBean(MeterRegistry.class)
                    .doesNotHaveBean("cueballPoolMetrics");
            assertThat(context.getBean(MeterRegistry.class).find("cueball.connections").meters()).isEmpty();
        });
    }

    @Test
    void thePoolsMetersAreInBootsRegistryAndLeaveWithTheContext() {
        MeterRegistry[] registry = new MeterRegistry[1];
        runner.run(context -> {
            assertThat(context).hasNotFailed().hasBean("cueballPoolMetrics");
            registry[0] = context.getBean(MeterRegistry.class);
            assertThat(registry[0].find("cueball.connections").tag("pool", "metered").gauge()).isNotNull();
            assertThat(registry[0].find("cueball.connections.max").tag("pool", "metered").gauge().value())
                    .isEqualTo(10.0);
        });
        assertThat(registry[0].find("cueball.connections").tag("pool", "metered").meters()).isEmpty();
    }
}
