package io.cueball.spring.boot;

import io.cueball.ConnectionPool;
import io.cueball.Resolver;
import io.cueball.conn.jdbc.CueballDataSource;
import io.cueball.conn.jdbc.JdbcConnection;
import io.cueball.conn.jdbc.JdbcConnectionFactory;
import io.cueball.conn.jdbc.JdbcSettings;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * A cueball pool of JDBC connections and a {@link CueballDataSource} over it, from the
 * {@code cueball.datasource.*} properties ({@link CueballDataSourceProperties}).
 *
 * <p>Used only when the application defines no {@link DataSource} bean of its own, and ordered before Boot's
 * {@link DataSourceAutoConfiguration}, which then backs off: no {@code spring.datasource.type} is needed, and Boot's
 * JdbcTemplate, transaction manager, Flyway, Liquibase and Spring Data JDBC use this DataSource as they would
 * HikariCP's. {@code cueball.datasource.enabled=false} turns it off.
 *
 * <p>The pool is built (and starts connecting, in the background) when the context creates it, and closed when
 * the context closes, after the beans that use it. A bad property fails startup with Boot's
 * {@link org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException}, which
 * names the property, its value, where it was set and what was expected; nothing is left running.
 */
@AutoConfiguration(before = DataSourceAutoConfiguration.class)
@ConditionalOnClass({DataSource.class, CueballDataSource.class})
@ConditionalOnMissingBean(DataSource.class)
@ConditionalOnProperty(prefix = CueballDataSourceProperties.PREFIX, name = "enabled", havingValue = "true",
        matchIfMissing = true)
@EnableConfigurationProperties(CueballDataSourceProperties.class)
public class CueballDataSourceAutoConfiguration {

    /** Boot's own properties, used when the cueball ones are unset. */
    static final String SPRING_USERNAME = "spring.datasource.username";
    static final String SPRING_PASSWORD = "spring.datasource.password";
    static final String SPRING_APPLICATION_NAME = "spring.application.name";
    static final String CONSUL_HTTP_TOKEN = "CONSUL_HTTP_TOKEN";

    /** Created by Spring. */
    public CueballDataSourceAutoConfiguration() {
    }

    /**
     * The pool: the resolver from {@code cueball.datasource.resolver}, JDBC connections from the driver settings,
     * every pool option from the properties, then each {@link CueballPoolCustomizer}.
     *
     * <p>The password is read at each connect: {@code cueball.datasource.password} (or the environment variable
     * {@code CUEBALL_DATASOURCE_PASSWORD}, by Boot's relaxed binding), else {@code spring.datasource.password}. The
     * user is {@code cueball.datasource.username}, else {@code spring.datasource.username}.
     *
     * @param properties  the bound properties
     * @param environment for the fallbacks named above
     * @param customizers applied in order after the properties
     * @param beanFactory for the application's class loader (is cueball-resolver-consul there?)
     * @return the pool, running
     * @throws org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException naming
     *         the first bad property (and the others the core refused with it)
     */
    @Bean(destroyMethod = "close")
    public ConnectionPool<JdbcConnection> cueballPool(CueballDataSourceProperties properties, Environment environment,
            ObjectProvider<CueballPoolCustomizer> customizers, ConfigurableListableBeanFactory beanFactory) {
        Supplier<String> password = () -> properties.getPassword() != null ? properties.getPassword()
                : environment.getProperty(SPRING_PASSWORD);
        JdbcSettings settings = properties.jdbcSettings(environment.getProperty(SPRING_USERNAME), password,
                environment.getProperty(SPRING_APPLICATION_NAME));
        Supplier<String> consulToken = () -> properties.getConsulToken() != null ? properties.getConsulToken()
                : environment.getProperty(CONSUL_HTTP_TOKEN);
        Resolver resolver =
                ResolverSpecs.parse(properties.getResolver(), consulToken, beanFactory.getBeanClassLoader());
        try {
            ConnectionPool.Builder<JdbcConnection> builder =
                    ConnectionPool.builder(resolver, new JdbcConnectionFactory(settings));
            properties.applyTo(builder);
            customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
            PropertyErrors.poolValue(properties, builder::options); // checks all, before anything starts
            return builder.build();
        } catch (RuntimeException e) {
            resolver.close(); // a DNS resolver owns a timer thread from the moment it is made
            throw e;
        }
    }

    /**
     * The application's DataSource: claims from the pool on {@code getConnection()}, releases on
     * {@code Connection.close()}.
     *
     * @param cueballPool the pool
     * @return the DataSource
     */
    @Bean
    public CueballDataSource dataSource(@Qualifier("cueballPool") ConnectionPool<JdbcConnection> cueballPool) {
        return new CueballDataSource(cueballPool);
    }
}
