package io.cueball.spring.boot;

import io.cueball.ConnectionPool;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.actuate.autoconfigure.health.CompositeHealthContributorConfiguration;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.health.HealthContributor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The health of every cueball pool in the context, as the {@code cueball} component of the actuator's health
 * ({@code /actuator/health/cueball}): a {@link CueballHealthIndicator} for one pool, one per pool bean name for
 * several. Configured when the actuator is on the class path and a pool bean exists (the auto-configured one or
 * the application's); {@code management.health.cueball.enabled=false} turns it off, and a bean named
 * {@code cueballHealthIndicator} or {@code cueballHealthContributor} replaces it.
 */
@AutoConfiguration(after = CueballDataSourceAutoConfiguration.class)
@ConditionalOnClass(name = {"org.springframework.boot.actuate.health.HealthIndicator",
        "org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator"})
@ConditionalOnBean(ConnectionPool.class)
@ConditionalOnEnabledHealthIndicator("cueball")
@SuppressWarnings("rawtypes") // Spring looks beans up by raw class; each pool is read only through its stats
public class CueballHealthContributorAutoConfiguration
        extends CompositeHealthContributorConfiguration<CueballHealthIndicator, ConnectionPool> {

    /** Created by Spring. */
    public CueballHealthContributorAutoConfiguration() {
        super(CueballHealthIndicator::new);
    }

    /**
     * @param beanFactory where the pools are
     * @return the pools' health: one indicator, or a composite named by bean
     */
    @Bean
    @ConditionalOnMissingBean(name = {"cueballHealthIndicator", "cueballHealthContributor"})
    public HealthContributor cueballHealthContributor(ConfigurableListableBeanFactory beanFactory) {
        return createContributor(beanFactory, ConnectionPool.class);
    }
}
