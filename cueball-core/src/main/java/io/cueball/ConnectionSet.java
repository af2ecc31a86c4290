package io.cueball;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * Long-lived connections to a service that runs on several backends, shared by concurrent users: node-cueball's
 * {@code ConnectionSet}, for protocols where one connection carries many requests at once (a multiplexed RPC
 * protocol, HTTP/2, a pipelined cache protocol). A {@link ConnectionPool} lends each connection to one claim at a
 * time; a set lends each to many leases at once.
 *
 * <pre>{@code
 * try (var set = ConnectionSet.builder(StaticResolver.parse("10.0.0.1:7000,10.0.0.2:7000"),
 *                                      MuxConnectionFactory.create())
 *         .connectionsPerBackend(2)
 *         .build()) {
 *     try (var lease = set.acquire()) {             // the connection with the fewest leases in flight
 *         byte[] answer = lease.connection().send(request).get(1, SECONDS);
 *     }
 * }
 * }</pre>
 *
 * <p><b>What it keeps.</b> {@code connectionsPerBackend} connections to every backend (1 by default), or, with
 * {@code maxConnections}, a total spread over the backends exactly as a pool spreads it (evenly, or by weight, or
 * by score). Everything else is a pool's: the resolver's changes are debounced and re-planned, connects back off,
 * a backend whose connects fail is dead and one whose uses fail is ejected (each lease is one use outcome), and
 * maximum lifetime and close work as they do in a pool. The set holds its connections through a pool of its own
 * (see {@link ConnectionSetStats#pool()}).
 *
 * <p><b>Draining.</b> A connection the pool wants back (its backend was removed, a rebalance moved it, its
 * backend died or was ejected, it reached its lifetime, it broke) <em>drains</em>: it takes no new lease, and is
 * closed when its last lease ends, or after {@code drainTimeout}. A lease in use is never cut by a drain before
 * that timeout. The pool opens the replacement and the set adds it. {@link ConnectionSetListener} hears each
 * connection added, draining and closed.
 *
 * <p><b>Which connection.</b> {@code hostSelection} chooses the backend of each lease among those with a
 * connection that may take one (by default {@link HostSelection#leastInUse()}: the fewer leases in flight per
 * connection, of two backends chosen at random), and the lease goes to that backend's connection with the fewest
 * leases in flight. Dead and ejected backends' connections are chosen only when no backend in service has one.
 * {@code maxLeasesPerConnection} bounds the leases one connection carries; an acquire waits (up to its timeout)
 * while every connection is at the bound.
 *
 * <p><b>Threads.</b> Thread-safe. {@link #acquire()} and {@link Lease#close()} take no lock on their way (an
 * acquire allocates the lease, and the strategy's small arrays when more than one backend could take it), except to
 * wait, and for a failure, which the pool's health model records under its lock.
 * The set starts no thread of its own: its upkeep runs on its pool's threads ({@code cueball-<name>-connect-N},
 * {@code cueball-<name>-timer-1}, daemons), which have all exited when {@link #close()} returns.
 *
 * @param <C> the type of connection
 */
public final class ConnectionSet<C extends Connection> implements AutoCloseable {

    private final SetEngine<C> engine;

    private ConnectionSet(SetEngine<C> engine) {
        this.engine = engine;
    }

    /**
     * Starts configuring a set.
     *
     * @param resolver where the backends come from; the set starts and closes it
     * @param factory  how connections are made
     * @param <C>      the type of connection
     * @return a builder with every option at its default
     */
    public static <C extends Connection> Builder<C> builder(Resolver resolver, ConnectionFactory<C> factory) {
        return new Builder<>(resolver, factory);
    }

    /**
     * Leases a connection, waiting up to the set's {@code acquireTimeout} for one that may take a lease.
     *
     * @return the lease; close it when its use is over
     * @throws ClaimTimeoutException     if no connection could take a lease in time (no connection yet, or every
     *                                   one at {@code maxLeasesPerConnection}); the message names the set, the wait,
     *                                   its counts and the last connect error
     * @throws NoBackendsException       if the resolver reports no backend and {@code failFastWhenEmpty} is set,
     *                                   also when it removes the last one while the acquire waits
     * @throws PoolFailedException       if every backend is dead
     * @throws PoolClosedException       if the set is closing or closed
     * @throws ClaimInterruptedException if the thread was interrupted while waiting
     */
    public Lease<C> acquire() {
        return engine.acquire(ConnectionPool.saturatedNanos(engine.options.acquireTimeout()), true);
    }

    /**
     * Leases a connection, waiting up to {@code timeout}.
     *
     * @param timeout how long to wait, {@code >= 0}
     * @return the lease
     * @throws IllegalArgumentException if the timeout is negative
     * @throws CueballException         as {@link #acquire()} does
     */
    public Lease<C> acquire(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout must not be null");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: >= 0)");
        }
        return engine.acquire(ConnectionPool.saturatedNanos(timeout), true);
    }

    /**
     * Leases a connection if one may take a lease now, without waiting.
     *
     * @return the lease, or empty if no connection may take one now
     * @throws CueballException if the set is closed or failed, or has no backends and fails fast
     */
    public Optional<Lease<C>> tryAcquire() {
        return Optional.ofNullable(engine.acquire(0, false));
    }

    /**
     * A snapshot: connections, draining ones, leases in flight, per backend and per connection, with each
     * backend's health as the pool judges it.
     *
     * @return the snapshot
     */
    public ConnectionSetStats stats() {
        return engine.stats();
    }

    /** @return the set's state: its pool's ({@code STARTING, RUNNING, FAILED}), then {@code CLOSING, CLOSED} */
    public PoolState state() {
        return engine.state();
    }

    /** @return the set's name */
    public String name() {
        return engine.name;
    }

    /** @return the options the set was built with */
    public ConnectionSetOptions options() {
        return engine.options;
    }

    /**
     * Adds a listener beside the builder's: it hears the events that happen from now on.
     *
     * @param listener the listener
     * @throws NullPointerException if it is null
     */
    public void addListener(ConnectionSetListener listener) {
        engine.addListener(Objects.requireNonNull(listener, "listener must not be null"));
    }

    /**
     * Removes a listener.
     *
     * @param listener the listener
     * @return whether it was there
     */
    public boolean removeListener(ConnectionSetListener listener) {
        return engine.removeListener(listener);
    }

    /**
     * Closes the set: fails waiting acquires with {@link PoolClosedException}, lets every connection drain (no new
     * lease), waits up to {@code closeTimeout} for the leases in flight to end, then closes every connection (those
     * still leased are closed under their leases), stops the resolver and joins every thread the set's pool
     * started. Idempotent; a concurrent call waits for the first to finish. Do not call it from a listener.
     */
    @Override
    public void close() {
        engine.close();
    }

    @Override
    public String toString() {
        return engine.stats().toString();
    }

    /** The engine, for tests in this package. */
    SetEngine<C> engine() {
        return engine;
    }

    /**
     * Configures and builds a {@link ConnectionSet}. Setters record values; {@link #build()} checks them all:
     * a null resolver, factory or option fails with a {@link NullPointerException} naming it; every bad value is
     * reported together in one {@link IllegalArgumentException} naming each option, its value and what was expected.
     * The options it shares with {@link ConnectionPool.Builder} mean what they mean there.
     *
     * @param <C> the type of connection
     */
    public static final class Builder<C extends Connection> {
        private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
        private static final AtomicInteger SETS = new AtomicInteger();

        private final ConnectionPool.Builder<C> pool;
        private String name;
        private Integer connectionsPerBackend;
        private Integer maxConnections;
        private HostSelection hostSelection = ConnectionSetOptions.DEFAULT_HOST_SELECTION;
        private Duration acquireTimeout = ConnectionSetOptions.DEFAULT_ACQUIRE_TIMEOUT;
        private Duration drainTimeout = ConnectionSetOptions.DEFAULT_DRAIN_TIMEOUT;
        private int maxLeasesPerConnection = ConnectionSetOptions.DEFAULT_MAX_LEASES_PER_CONNECTION;
        private ConnectionSetListener listener;
        private PoolListener poolListener;
        private RandomGenerator random;

        private Builder(Resolver resolver, ConnectionFactory<C> factory) {
            this.pool = ConnectionPool.builder(Objects.requireNonNull(resolver, "resolver must not be null"),
                    Objects.requireNonNull(factory, "connection factory must not be null"));
        }

        /**
         * @param name used in thread names, logs and errors ({@code A-Z a-z 0-9 . _ -}, up to 64); default
         *             {@code set-N}
         * @return this builder
         */
        public Builder<C> name(String name) {
            this.name = Objects.requireNonNull(name, "name must not be null");
            return this;
        }

        /**
         * Keeps {@code n} connections to each backend in service (MindAlpha's {@code MaxConnNumPerAddr}). The
         * default, with 1, unless {@link #maxConnections(int)} is set; setting both is an error.
         *
         * @param n connections per backend, {@code >= 1}
         * @return this builder
         */
        public Builder<C> connectionsPerBackend(int n) {
            this.connectionsPerBackend = n;
            return this;
        }

        /**
         * Spreads {@code n} connections over the backends, as a pool's {@code maxConnections} is spread (node-cueball's
         * {@code target}). Setting this and {@link #connectionsPerBackend(int)} both is an error.
         *
         * @param n connections in all, {@code >= 1}
         * @return this builder
         */
        public Builder<C> maxConnections(int n) {
            this.maxConnections = n;
            return this;
        }

        /**
         * @param hostSelection how each lease chooses its backend (and, with {@link #maxConnections(int)}, how the
         *                      connections are shared out); default {@link HostSelection#leastInUse()}
         * @return this builder
         */
        public Builder<C> hostSelection(HostSelection hostSelection) {
            this.hostSelection = hostSelection;
            return this;
        }

        /**
         * @param acquireTimeout how long {@link ConnectionSet#acquire()} waits, {@code >= 0}; default 30 s
         * @return this builder
         */
        public Builder<C> acquireTimeout(Duration acquireTimeout) {
            this.acquireTimeout = acquireTimeout;
            return this;
        }

        /**
         * @param drainTimeout how long a draining connection waits for its leases before it is closed under them,
         *                     {@code >= 0}; default 30 s
         * @return this builder
         */
        public Builder<C> drainTimeout(Duration drainTimeout) {
            this.drainTimeout = drainTimeout;
            return this;
        }

        /**
         * @param max the most leases one connection carries at once, {@code >= 1}; default unlimited
         *            ({@link Integer#MAX_VALUE}). Beyond it an acquire waits for a lease to end.
         * @return this builder
         */
        public Builder<C> maxLeasesPerConnection(int max) {
            this.maxLeasesPerConnection = max;
            return this;
        }

        /**
         * @param listener hears connections added, draining and closed (off every lock, in order); default none
         * @return this builder
         */
        public Builder<C> listener(ConnectionSetListener listener) {
            this.listener = listener;
            return this;
        }

        /**
         * @param listener hears the events of the set's pool (backends added, removed, dead, ejected; connects;
         *                 rebalances), from the moment the pool is built
         * @return this builder
         */
        public Builder<C> poolListener(PoolListener listener) {
            this.poolListener = listener;
            return this;
        }

        /**
         * @param d as {@link ConnectionPool.Builder#rebalanceDelay(Duration)}
         * @return this builder
         */
        public Builder<C> rebalanceDelay(Duration d) {
            pool.rebalanceDelay(d);
            return this;
        }

        /**
         * @param d as {@link ConnectionPool.Builder#decoherenceInterval(Duration)}
         * @return this builder
         */
        public Builder<C> decoherenceInterval(Duration d) {
            pool.decoherenceInterval(d);
            return this;
        }

        /**
         * @param d as {@link ConnectionPool.Builder#maxLifetime(Duration)}: a connection that reaches it drains and is
         *          replaced
         * @return this builder
         */
        public Builder<C> maxLifetime(Duration d) {
            pool.maxLifetime(d);
            return this;
        }

        /**
         * @param d as {@link ConnectionPool.Builder#connectTimeout(Duration)}
         * @return this builder
         */
        public Builder<C> connectTimeout(Duration d) {
            pool.connectTimeout(d);
            return this;
        }

        /**
         * @param backoff as {@link ConnectionPool.Builder#backoff(BackoffPolicy)}
         * @return this builder
         */
        public Builder<C> backoff(BackoffPolicy backoff) {
            pool.backoff(backoff);
            return this;
        }

        /**
         * @param n as {@link ConnectionPool.Builder#deadAfterFailures(int)}
         * @return this builder
         */
        public Builder<C> deadAfterFailures(int n) {
            pool.deadAfterFailures(n);
            return this;
        }

        /**
         * @param d as {@link ConnectionPool.Builder#scoreDecay(Duration)}
         * @return this builder
         */
        public Builder<C> scoreDecay(Duration d) {
            pool.scoreDecay(d);
            return this;
        }

        /**
         * @param percent as {@link ConnectionPool.Builder#maxEjectionPercent(int)}
         * @return this builder
         */
        public Builder<C> maxEjectionPercent(int percent) {
            pool.maxEjectionPercent(percent);
            return this;
        }

        /**
         * @param rate as {@link ConnectionPool.Builder#ejectionFailureRate(double)}
         * @return this builder
         */
        public Builder<C> ejectionFailureRate(double rate) {
            pool.ejectionFailureRate(rate);
            return this;
        }

        /**
         * @param n as {@link ConnectionPool.Builder#ejectionMinOutcomes(int)}
         * @return this builder
         */
        public Builder<C> ejectionMinOutcomes(int n) {
            pool.ejectionMinOutcomes(n);
            return this;
        }

        /**
         * @param d as {@link ConnectionPool.Builder#baseEjectionTime(Duration)}
         * @return this builder
         */
        public Builder<C> baseEjectionTime(Duration d) {
            pool.baseEjectionTime(d);
            return this;
        }

        /**
         * @param d as {@link ConnectionPool.Builder#maxEjectionTime(Duration)}
         * @return this builder
         */
        public Builder<C> maxEjectionTime(Duration d) {
            pool.maxEjectionTime(d);
            return this;
        }

        /**
         * @param failFast as {@link ConnectionPool.Builder#failFastWhenEmpty(boolean)}
         * @return this builder
         */
        public Builder<C> failFastWhenEmpty(boolean failFast) {
            pool.failFastWhenEmpty(failFast);
            return this;
        }

        /**
         * @param d how long {@link ConnectionSet#close()} waits for leases in flight, {@code >= 0}; default 30 s
         * @return this builder
         */
        public Builder<C> closeTimeout(Duration d) {
            pool.closeTimeout(d);
            return this;
        }

        /**
         * @param instanceId    as {@link ConnectionPool.Builder#subsetting(int, int)}
         * @param instanceCount as {@link ConnectionPool.Builder#subsetting(int, int)}
         * @return this builder
         */
        public Builder<C> subsetting(int instanceId, int instanceCount) {
            pool.subsetting(instanceId, instanceCount);
            return this;
        }

        /**
         * @param clock as {@link ConnectionPool.Builder#clock(PoolClock)}: the set's ticks and drain timeouts run on
         *              it too
         * @return this builder
         */
        public Builder<C> clock(PoolClock clock) {
            pool.clock(clock);
            return this;
        }

        /** The threads seam, as {@link ConnectionPool.Builder#executor(Executor)}: the set's upkeep runs there. */
        Builder<C> executor(Executor executor) {
            pool.executor(executor);
            return this;
        }

        /**
         * @param random the source of the pool's random choices and of the seed of the set's own (lease choices);
         *               default unseeded
         * @return this builder
         */
        public Builder<C> random(RandomGenerator random) {
            this.random = random;
            return this;
        }

        /**
         * Validates the options, starts the set's pool and its resolver.
         *
         * @return the running set
         * @throws NullPointerException     if an option is null
         * @throws IllegalArgumentException naming every bad option, its value and the expected range
         */
        public ConnectionSet<C> build() {
            ConnectionSetOptions options = options();
            RandomGenerator r = random != null ? random : new Random();
            SetEngine<C> engine = new SetEngine<>(options, new Random(r.nextLong()), listener);
            ConnectionPool<C> built = pool.random(r).listener(engine).build();
            if (poolListener != null) {
                built.addListener(poolListener);
            }
            engine.attach(built);
            return new ConnectionSet<>(engine);
        }

        /**
         * Validates the options without building a set.
         *
         * @return the options {@link #build()} would use
         * @throws NullPointerException     if an option is null
         * @throws IllegalArgumentException naming every bad option, its value and the expected range
         */
        public ConnectionSetOptions options() {
            String setName = name != null ? name : "set-" + SETS.incrementAndGet();
            if (!NAME.matcher(setName).matches()) {
                throw new IllegalArgumentException("name: '" + setName
                        + "' (expected: 1 to 64 characters of A-Z a-z 0-9 . _ -)");
            }
            Objects.requireNonNull(hostSelection, "hostSelection must not be null");
            Objects.requireNonNull(acquireTimeout, "acquireTimeout must not be null");
            Objects.requireNonNull(drainTimeout, "drainTimeout must not be null");
            List<String> errors = new ArrayList<>();
            int per = 0;
            int max;
            if (connectionsPerBackend != null && maxConnections != null) {
                errors.add("connectionsPerBackend: " + connectionsPerBackend + " and maxConnections: " + maxConnections
                        + " (expected: one of them, not both)");
                max = 1;
            } else if (maxConnections != null) {
                max = maxConnections;
                if (max < 1) {
                    errors.add("maxConnections: " + max + " (expected: >= 1)");
                }
            } else {
                per = connectionsPerBackend != null ? connectionsPerBackend
                        : ConnectionSetOptions.DEFAULT_CONNECTIONS_PER_BACKEND;
                if (per < 1) {
                    errors.add("connectionsPerBackend: " + per + " (expected: >= 1)");
                }
                max = Math.max(1, per); // the pool starts with one backend's share and follows the backends
            }
            if (acquireTimeout.isNegative()) {
                errors.add("acquireTimeout: " + acquireTimeout + " (expected: >= 0)");
            }
            if (drainTimeout.isNegative()) {
                errors.add("drainTimeout: " + drainTimeout + " (expected: >= 0)");
            }
            if (maxLeasesPerConnection < 1) {
                errors.add("maxLeasesPerConnection: " + maxLeasesPerConnection
                        + " (expected: >= 1; Integer.MAX_VALUE for no limit)");
            }
            // With a total spread the pool shares connections out by the set's strategy; per backend, evenly.
            pool.name(setName).maxConnections(Math.max(1, max)).threadAffinity(0)
                    .hostSelection(per > 0 ? HostSelection.roundRobin() : hostSelection);
            PoolOptions poolOptions = null;
            try {
                poolOptions = pool.options();
            } catch (IllegalArgumentException e) {
                String m = e.getMessage();
                String prefix = "pool '" + setName + "': ";
                errors.add(m.startsWith(prefix) ? m.substring(prefix.length()) : m);
            }
            if (!errors.isEmpty()) {
                throw new IllegalArgumentException("connection set '" + setName + "': " + String.join("; ", errors));
            }
            return new ConnectionSetOptions(setName, per, per > 0 ? 0 : max, hostSelection, acquireTimeout,
                    drainTimeout, maxLeasesPerConnection, poolOptions);
        }
    }
}
