package io.cueball;

import java.time.Duration;

/**
 * The validated, immutable settings of a {@link ConnectionSet}, made by {@link ConnectionSet.Builder#build()}.
 * The {@code DEFAULT_*} constants are what a builder uses for options it is not given. The options the set
 * shares with a pool (backoff, dead marking, ejection, rebalance delay, lifetime, connect timeout...) are in
 * {@link #pool()}: they are the options of the pool the set holds its connections from.
 */
public final class ConnectionSetOptions {

    /** Connections per backend, when neither {@code connectionsPerBackend} nor {@code maxConnections} is set. */
    public static final int DEFAULT_CONNECTIONS_PER_BACKEND = 1;
    /** How long {@link ConnectionSet#acquire()} waits for a connection that may take another lease. */
    public static final Duration DEFAULT_ACQUIRE_TIMEOUT = Duration.ofSeconds(30);
    /**
     * How long a draining connection waits for its leases to end before it is closed under them: long enough for
     * requests in flight to finish, short enough that a lease somebody forgot to close does not keep a removed
     * backend's connection open for ever.
     */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);
    /** No limit on the leases one connection carries at once. */
    public static final int DEFAULT_MAX_LEASES_PER_CONNECTION = Integer.MAX_VALUE;
    /** Leases go to the connection with the fewest in flight (of two backends chosen at random). */
    public static final HostSelection DEFAULT_HOST_SELECTION = HostSelection.leastInUse();

    private final String name;
    private final int connectionsPerBackend;
    private final int maxConnections;
    private final HostSelection hostSelection;
    private final Duration acquireTimeout;
    private final Duration drainTimeout;
    private final int maxLeasesPerConnection;
    private final PoolOptions pool;

    ConnectionSetOptions(String name, int connectionsPerBackend, int maxConnections, HostSelection hostSelection,
            Duration acquireTimeout, Duration drainTimeout, int maxLeasesPerConnection, PoolOptions pool) {
        this.name = name;
        this.connectionsPerBackend = connectionsPerBackend;
        this.maxConnections = maxConnections;
        this.hostSelection = hostSelection;
        this.acquireTimeout = acquireTimeout;
        this.drainTimeout = drainTimeout;
        this.maxLeasesPerConnection = maxLeasesPerConnection;
        this.pool = pool;
    }

    /** @return the set's name (also its pool's): in thread names, logs and errors */
    public String name() {
        return name;
    }

    /**
     * @return connections kept to each backend in service, or 0 when the set spreads {@link #maxConnections()}
     *         over its backends instead
     */
    public int connectionsPerBackend() {
        return connectionsPerBackend;
    }

    /**
     * @return connections spread over the backends as a pool spreads them, or 0 when the set keeps
     *         {@link #connectionsPerBackend()} to each backend instead
     */
    public int maxConnections() {
        return maxConnections;
    }

    /** @return how a lease chooses its backend (and, with a total spread, how shares are planned) */
    public HostSelection hostSelection() {
        return hostSelection;
    }

    /** @return how long {@link ConnectionSet#acquire()} waits */
    public Duration acquireTimeout() {
        return acquireTimeout;
    }

    /** @return how long a draining connection waits for its leases before it is closed anyway */
    public Duration drainTimeout() {
        return drainTimeout;
    }

    /** @return the most leases one connection carries at once; {@link Integer#MAX_VALUE} for no limit */
    public int maxLeasesPerConnection() {
        return maxLeasesPerConnection;
    }

    /** @return how long {@link ConnectionSet#close()} waits for leases in flight (the pool's closeTimeout) */
    public Duration closeTimeout() {
        return pool.closeTimeout();
    }

    /** @return the options of the pool the set holds its connections from */
    public PoolOptions pool() {
        return pool;
    }

    @Override
    public String toString() {
        return "ConnectionSetOptions{name=" + name + (connectionsPerBackend > 0
                ? ", connectionsPerBackend=" + connectionsPerBackend : ", maxConnections=" + maxConnections)
                + ", hostSelection=" + hostSelection + ", acquireTimeout=" + acquireTimeout + ", drainTimeout="
                + drainTimeout + ", maxLeasesPerConnection=" + (maxLeasesPerConnection == Integer.MAX_VALUE
                ? "unlimited" : maxLeasesPerConnection) + ", pool=" + pool + "}";
    }
}
