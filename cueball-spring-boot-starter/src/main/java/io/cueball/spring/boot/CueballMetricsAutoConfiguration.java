package io.cueball.spring.boot;

import io.cueball.ConnectionPool;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The meters of every cueball pool in the context ({@code cueball.connections}, {@code cueball.connections.active},
 * per-backend meters: see cueball-micrometer), registered with Boot's meter registries. Configured when
 * Micrometer and {@code io.cueball:cueball-micrometer} are on the class path and there are a registry and a pool;
 * a bean named {@code cueballPoolMetrics} replaces it.
 */
@AutoConfiguration(after = CueballDataSourceAutoConfiguration.class, afterName = {
    "org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
    "org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration",
    "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration"})
@ConditionalOnClass(name = {"io.micrometer.core.instrument.MeterRegistry", CueballPoolsMeterBinder.POOL_METRICS})
@ConditionalOnBean(value = ConnectionPool.class,
        type = "io.micrometer.core.instrument.MeterRegistry")
public class CueballMetricsAutoConfiguration {

    /** Created by Spring. */
    public CueballMetricsAutoConfiguration() {
    }

    /**
     * @param pools every pool bean
     * @return a binder over all of them, closed with the context
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean(name = "cueballPoolMetrics")
    public MeterBinder cueballPoolMetrics(ObjectProvider<ConnectionPool<?>> pools) {
        List<ConnectionPool<?>> all = pools.orderedStream().toList();
        return new CueballPoolsMeterBinder(all);
    }
}
