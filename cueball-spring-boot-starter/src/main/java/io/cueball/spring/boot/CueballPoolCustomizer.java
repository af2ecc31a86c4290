package io.cueball.spring.boot;

import io.cueball.ConnectionPool;
import io.cueball.conn.jdbc.JdbcConnection;

/**
 * Changes the auto-configured pool's builder after the {@code cueball.datasource.*} properties were applied and
 * before the pool is built: for what properties cannot say (a {@link io.cueball.PoolListener}, a seeded
 * {@link java.util.random.RandomGenerator}, a clock). Define it as a bean; every one is applied, in
 * {@link org.springframework.core.annotation.Order @Order}. Called once, on the thread that creates the
 * application context. A value it sets is checked with the others when the pool is built, and a bad one is
 * reported under the property of the same name.
 */
@FunctionalInterface
public interface CueballPoolCustomizer {

    /**
     * @param builder the pool's builder, with the properties applied
     */
    void customize(ConnectionPool.Builder<JdbcConnection> builder);
}
