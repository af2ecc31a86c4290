package io.cueball.spring.boot;

import io.cueball.BackendStats;
import io.cueball.BackendStatus;
import io.cueball.ConnectionPool;
import io.cueball.PoolState;
import io.cueball.PoolStats;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;

/**
 * A pool's health, from one {@link ConnectionPool#stats()} snapshot: no query is run and no connection claimed,
 * so it costs a moment of the pool's lock and cannot itself time out or disturb the pool.
 *
 * <p>Status: {@link Status#DOWN} while the pool is {@link PoolState#FAILED} (every backend is dead: claims fail
 * at once), {@link PoolState#CLOSING} or {@link PoolState#CLOSED}; {@link Status#UP} otherwise, including
 * {@link PoolState#STARTING} (claims wait for the first connection). Details:
 * <ul>
 *   <li>{@code pool}, {@code state};</li>
 *   <li>{@code connections}: {@code total}, {@code idle}, {@code claimed}, {@code connecting}, {@code closing};
 *       {@code waiting}: claims waiting for one;</li>
 *   <li>{@code backends}: per backend key ({@code host:port}), its {@code status} (LIVE, DEAD, EJECTED,
 *       REMOVED), {@code target} (its planned share), {@code open} connections and, while dead or ejected, the
 *       {@code reason} (its connect errors, which never hold the password, or the outcomes that ejected it);</li>
 *   <li>{@code degraded}: the keys of the backends that are dead or ejected, present only when there are some.
 *       With some of them and others live, the pool still serves every claim, and the status stays UP: this
 *       is the detail to alert on.</li>
 * </ul>
 * Called on whatever thread asks for health (an HTTP request, a JMX call); thread-safe.
 */
public final class CueballHealthIndicator extends AbstractHealthIndicator {
    private final ConnectionPool<?> pool;

    /** @param pool the pool to report on */
    public CueballHealthIndicator(ConnectionPool<?> pool) {
        super("cueball pool health check failed");
        this.pool = Objects.requireNonNull(pool, "pool must not be null");
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        PoolStats stats = pool.stats();
        builder.status(switch (stats.state()) {
            case FAILED, CLOSING, CLOSED -> Status.DOWN;
            case STARTING, RUNNING -> Status.UP;
        });
        builder.withDetail("pool", stats.name()).withDetail("state", stats.state().name());
        Map<String, Object> connections = new LinkedHashMap<>();
        connections.put("total", stats.total());
        connections.put("idle", stats.idle());
        connections.put("claimed", stats.claimed());
        connections.put("connecting", stats.connecting());
        connections.put("closing", stats.closing());
        builder.withDetail("connections", connections).withDetail("waiting", stats.waiting());
        Map<String, Object> backends = new LinkedHashMap<>();
        List<String> degraded = new ArrayList<>();
        for (BackendStats b : stats.backends()) {
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("status", b.status().name());
            detail.put("target", b.target());
            detail.put("open", b.open());
            if (b.reason() != null) {
                detail.put("reason", b.reason());
            }
            backends.put(b.backend().key(), detail);
            if (b.status() == BackendStatus.DEAD || b.status() == BackendStatus.EJECTED) {
                degraded.add(b.backend().key());
            }
        }
        builder.withDetail("backends", backends);
        if (!degraded.isEmpty()) {
            builder.withDetail("degraded", degraded);
        }
    }
}
