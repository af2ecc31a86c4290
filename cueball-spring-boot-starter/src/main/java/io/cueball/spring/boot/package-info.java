/**
 * Spring Boot 3 auto-configuration for cueball: a {@link io.cueball.ConnectionPool} of JDBC connections and a
 * {@link io.cueball.conn.jdbc.CueballDataSource} over it, configured from {@code cueball.datasource.*}
 * ({@link io.cueball.spring.boot.CueballDataSourceProperties}), used when the application defines no
 * {@link javax.sql.DataSource} of its own; a health indicator when the actuator is present, and the pool's meters
 * when Micrometer and cueball-micrometer are. Users normally touch only the properties and, for what properties
 * cannot express, {@link io.cueball.spring.boot.CueballPoolCustomizer}.
 */
package io.cueball.spring.boot;
