package io.cueball;

import java.time.Duration;
import java.time.Instant;
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
 * A pool of connections to a service that runs on several backends.
 *
 * <p>A {@link Resolver} reports the backends; the pool spreads {@code maxConnections} over the live ones
 * (evenly, or by weight), re-plans a short debounced moment after each change, backs off from backends that
 * fail, and shuffles its idle queue now and then so that claims do not hit one backend in bursts.
 *
 * <pre>{@code
 * try (var pool = ConnectionPool.builder(StaticResolver.parse("10.0.0.1:7000,10.0.0.2:7000"),
 *                                        TcpConnectionFactory.create())
 *         .maxConnections(8)
 *         .build()) {
 *     try (var claim = pool.claim()) {
 *         claim.connection().output().write(request);
 *     }
 * }
 * }</pre>
 *
 * <p>Thread-safe. In a fixed-size pool ({@code spares == maxConnections}, the default), {@link #claim()} and
 * {@link Claim#close()} take no lock while an idle connection is at hand: they pass it through a lock-free
 * queue. They take the pool's one lock, briefly and never during I/O, when the pool grows or shrinks on demand
 * ({@code spares < maxConnections}), when a claim has to wait, and when a connection goes back that the pool
 * wants closed. The only I/O on the calling thread is the connection's own hooks: {@code close()} calls
 * {@link Connection#isBroken()} and {@link Connection#reset()}, and {@code claim()} checks a connection that
 * sat idle for more than {@link PoolOptions#CHECK_ON_CLAIM_AFTER_IDLE} with {@link Connection#isHealthy()}.
 * Connects, closes and health checks run on the pool's connector threads ({@code cueball-<name>-connect-N}) and
 * timers on {@code cueball-<name>-timer-1}. All are daemon threads and all have exited when {@link #close()}
 * returns.
 *
 * @param <C> the type of connection
 */
public final class ConnectionPool<C extends Connection> implements AutoCloseable {

    private final PoolEngine<C> engine;
    /** The MXBean's name while registered (registerMbeans); null otherwise. */
    private final java.util.concurrent.atomic.AtomicReference<javax.management.ObjectName> mbean =
            new java.util.concurrent.atomic.AtomicReference<>();

    private ConnectionPool(PoolEngine<C> engine) {
        this.engine = engine;
    }

    /**
     * Starts configuring a pool.
     *
     * @param resolver where the backends come from; the pool starts and closes it
     * @param factory  how connections are made
     * @param <C>      the type of connection
     * @return a builder with every option at its default
     */
    public static <C extends Connection> Builder<C> builder(Resolver resolver, ConnectionFactory<C> factory) {
        return new Builder<>(resolver, factory);
    }

    /**
     * Claims a connection, waiting up to the pool's {@code claimTimeout}.
     *
     * @return the claim; close it to release the connection
     * @throws ClaimTimeoutException      if none became free in time
     * @throws NoBackendsException        if the pool has no backends and fails fast
     * @throws PoolFailedException        if every backend is dead
     * @throws PoolClosedException        if the pool is closing or closed
     * @throws ClaimInterruptedException  if the thread was interrupted while waiting
     */
    public Claim<C> claim() {
        return engine.claim(engine.options.claimTimeout().toNanos(), true);
    }

    /**
     * Claims a connection, waiting up to {@code timeout}.
     *
     * @param timeout how long to wait, {@code >= 0}
     * @return the claim; close it to release the connection
     * @throws IllegalArgumentException if the timeout is negative
     * @throws CueballException         as {@link #claim()} does
     */
    public Claim<C> claim(Duration timeout) {
        return engine.claim(checkedTimeout(timeout), true);
    }

    /**
     * Claims an idle connection if there is one, without waiting.
     *
     * @return the claim, or empty if every connection is in use
     * @throws CueballException if the pool is closed, failed, or has no backends and fails fast
     */
    public Optional<Claim<C>> tryClaim() {
        return Optional.ofNullable(engine.claim(0, false));
    }

    /**
     * Claims a connection opened after this call began (go-connpool's {@code Pool.New}): after a use failed in a
     * way that may have broken other connections of the same batch (a server restart, a failover), a retry on a
     * new connection rather than on another idle one. Waits up to the pool's {@code claimTimeout}.
     *
     * <p>The pool stays within {@code maxConnections}: if it may not grow, it closes its oldest idle connection
     * (or, if every connection is claimed, the next one released) and the refill of that backend is the new
     * connection. Which backend serves it follows the rebalance plan, as for any refill. Slower than
     * {@link #claim()}: it always takes the pool's lock and waits for a connect.
     *
     * @return the claim of a connection opened after the call began
     * @throws CueballException as {@link #claim()} does
     */
    public Claim<C> claimFresh() {
        return claimFresh(engine.options.claimTimeout());
    }

    /**
     * As {@link #claimFresh()}, waiting up to {@code timeout}.
     *
     * @param timeout how long to wait for the new connection, {@code >= 0}
     * @return the claim of a connection opened after the call began
     * @throws IllegalArgumentException if the timeout is negative
     * @throws CueballException         as {@link #claim()} does
     */
    public Claim<C> claimFresh(Duration timeout) {
        long nanos = checkedTimeout(timeout);
        return engine.claimFresh(nanos, engine.clock.nanoTime(), false);
    }

    /**
     * Claims a connection opened after {@code instant}: an idle one if there is one (the oldest such), else a new
     * one as {@link #claimFresh()} opens it. For a retry after a failure seen at {@code instant}: any connection
     * opened since is not from the batch that failed. The instant is taken against the wall clock
     * ({@link Instant#now()}) when the call begins; an instant in the future means "opened after now".
     *
     * @param instant the instant the connection must have been opened after
     * @param timeout how long to wait, {@code >= 0}
     * @return the claim
     * @throws IllegalArgumentException if the timeout is negative
     * @throws CueballException         as {@link #claim()} does
     */
    public Claim<C> claimOpenedAfter(Instant instant, Duration timeout) {
        Objects.requireNonNull(instant, "instant must not be null");
        long nanos = checkedTimeout(timeout);
        long age;
        try {
            age = Duration.between(instant, Instant.now()).toNanos();
        } catch (ArithmeticException e) { // centuries away
            age = instant.isBefore(Instant.now()) ? Long.MAX_VALUE / 4 : -1;
        }
        long now = engine.clock.nanoTime();
        return engine.claimFresh(nanos, now - Math.max(0, age), age > 0);
    }

    private static long checkedTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout must not be null");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: >= 0)");
        }
        return saturatedNanos(timeout);
    }

    /**
     * A snapshot of the pool's counts, per backend too, taken under the pool's lock (see {@link PoolStats} for
     * what may be a moment behind while claims run).
     *
     * @return the snapshot
     */
    public PoolStats stats() {
        return engine.stats();
    }

    /** @return the pool's state */
    public PoolState state() {
        return engine.state();
    }

    /** @return the pool's name */
    public String name() {
        return engine.name();
    }

    /** @return the options the pool was built with */
    public PoolOptions options() {
        return engine.options;
    }

    // ---- Operations while running ----

    /**
     * Changes {@code maxConnections} while the pool runs, and re-plans at once (no rebalance delay). Raising it
     * opens the new share across the backends; lowering it closes idle surplus now, and claimed surplus when each
     * is released: those stop counting toward the maximum at once (as a removed backend's do), so invariant 1 holds
     * at every instant of the change. A fixed-size pool ({@code spares == maxConnections}) stays fixed-size: its
     * spares follow; an elastic pool keeps its spares, lowered to the new maximum if above it. Connections beyond
     * twice the build's maximum wait beside the lock-free idle queue rather than in it, which makes claims slower:
     * build with the largest size you expect if you grow far at run time.
     *
     * @param maxConnections the new maximum, at least 1
     * @throws IllegalArgumentException if it is below 1 (the message names the option and the value)
     * @throws PoolClosedException      if the pool is closing or closed
     */
    public void setMaxConnections(int maxConnections) {
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections: " + maxConnections + " (expected: >= 1)");
        }
        engine.resizeMax(maxConnections);
    }

    /**
     * Changes {@code spares} of an elastic pool (one built with {@code spares < maxConnections}) while it runs: the
     * idle connections it keeps ready beyond the claimed ones. Raising it opens more now; lowering it lets the
     * surplus close after {@code idleTimeout}, as usual.
     *
     * @param spares 0 to the current {@link #maxConnections()}
     * @throws IllegalArgumentException if it is out of range (the message names the option and the value)
     * @throws IllegalStateException    if the pool is fixed-size: it was built with {@code spares ==
     *                                  maxConnections} and stays so (use {@link #setMaxConnections(int)})
     * @throws PoolClosedException      if the pool is closing or closed
     */
    public void setSpares(int spares) {
        if (!engine.elastic) {
            throw new IllegalStateException("spares: pool '" + name() + "' is fixed-size (built with spares == "
                    + "maxConnections) and stays so; build it with spares < maxConnections to change spares at run "
                    + "time, or use setMaxConnections");
        }
        engine.resizeSpares(spares);
    }

    /** @return the current maximum: the build's, or what {@link #setMaxConnections(int)} last set */
    public int maxConnections() {
        engine.lock();
        try {
            return engine.maxLocked();
        } finally {
            engine.unlock();
        }
    }

    /** @return the current spares: the build's, or what {@link #setSpares(int)} or a resize last set */
    public int spares() {
        engine.lock();
        try {
            return engine.sparesLocked();
        } finally {
            engine.unlock();
        }
    }

    /**
     * Suspends the pool: from now on no claim is served; claims wait (up to their timeouts) and {@link
     * #tryClaim()} finds nothing. Claims already served are not affected, and releases, health checks and
     * rebalancing go on. Useful around a failover or a credentials change. Idempotent.
     *
     * @throws PoolClosedException if the pool is closing or closed
     */
    public void suspend() {
        engine.suspend();
    }

    /**
     * Ends a suspension: the claims that waited are served in the order they came, as far as idle connections go,
     * then as connections are released. Idempotent; does nothing if the pool is not suspended.
     */
    public void resume() {
        engine.resume();
    }

    /** @return whether the pool is suspended ({@link #suspend()}) */
    public boolean isSuspended() {
        return engine.isSuspended();
    }

    /**
     * Replaces every connection (HikariCP's {@code softEvictConnections}): idle ones close now and are reopened,
     * claimed ones close when released. Use it after a credentials rotation or a server-side change that old
     * sessions would not see. An ejected backend's parked monitor connection is left alone.
     *
     * @return how many connections were marked for replacement
     * @throws PoolClosedException if the pool is closing or closed
     */
    public int softEvictConnections() {
        return engine.softEvict();
    }

    /**
     * Re-plans the connections across the backends now, instead of a rebalance delay after the next resolver
     * event. Normally unnecessary: the pool re-plans on its own.
     *
     * @throws PoolClosedException if the pool is closing or closed
     */
    public void rebalanceNow() {
        engine.rebalanceNow();
    }

    /**
     * Adds a recorder for the pool's timings (cueball-micrometer's binder adds one). Its methods run on the pool's
     * and its callers' threads, outside the lock, from now on.
     *
     * @param recorder the recorder
     * @throws NullPointerException if it is null
     */
    public void addMetricsRecorder(MetricsRecorder recorder) {
        engine.addRecorder(Objects.requireNonNull(recorder, "recorder must not be null"));
    }

    /**
     * Removes a recorder added with {@link #addMetricsRecorder(MetricsRecorder)}.
     *
     * @param recorder the recorder
     * @return whether it was there
     */
    public boolean removeMetricsRecorder(MetricsRecorder recorder) {
        return engine.removeRecorder(recorder);
    }

    /**
     * Adds a listener beside the builder's ({@link Builder#listener(PoolListener)}): it hears the events that
     * happen from now on, in order, off the pool's lock.
     *
     * @param listener the listener
     * @throws NullPointerException if it is null
     */
    public void addListener(PoolListener listener) {
        Objects.requireNonNull(listener, "listener must not be null");
        engine.lock();
        try {
            engine.events.addLocked(listener);
        } finally {
            engine.unlock();
        }
    }

    /**
     * Removes a listener added with {@link #addListener(PoolListener)}.
     *
     * @param listener the listener
     * @return whether it was there
     */
    public boolean removeListener(PoolListener listener) {
        engine.lock();
        try {
            return engine.events.removeLocked(listener);
        } finally {
            engine.unlock();
        }
    }

    /**
     * Closes the pool: stops the resolver, fails waiting claims with {@link PoolClosedException}, closes idle
     * connections, waits up to {@code closeTimeout} for claimed ones to come back, and stops every thread the
     * pool started. Connections still claimed after the timeout are closed when released. Idempotent; a
     * concurrent call waits for the first to finish. Do not call it from a {@link PoolListener}.
     */
    @Override
    public void close() {
        engine.close();
        javax.management.ObjectName name = mbean.getAndSet(null); // one closer unregisters, and only its own
        if (name != null) {
            PoolMXBeans.unregister(name);
        }
    }

    @Override
    public String toString() {
        return engine.stats().toString();
    }

    /** The engine, for the engine's own tests in this package. */
    PoolEngine<C> engine() {
        return engine;
    }

    /** A duration in nanoseconds, or "forever" (without overflowing a deadline) if it does not fit. */
    static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 2; // "forever", without overflowing a deadline
        }
    }

    /**
     * Configures and builds a {@link ConnectionPool}. Setters record values; {@link #build()} checks them all:
     * a null resolver, factory or option fails at once with a {@link NullPointerException} naming it; a bad name
     * fails alone; every other bad value is reported together in one {@link IllegalArgumentException} that names
     * each option, its value and what was expected ({@code maxConnections: 0 (expected: >= 1); ...}).
     *
     * @param <C> the type of connection
     */
    public static final class Builder<C extends Connection> {
        private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
        private static final AtomicInteger POOLS = new AtomicInteger();

        private final Resolver resolver;
        private final ConnectionFactory<C> factory;
        private String name;
        private int maxConnections = PoolOptions.DEFAULT_MAX_CONNECTIONS;
        private Integer spares;
        private Duration claimTimeout = PoolOptions.DEFAULT_CLAIM_TIMEOUT;
        private Duration rebalanceDelay = PoolOptions.DEFAULT_REBALANCE_DELAY;
        private Duration decoherenceInterval = PoolOptions.DEFAULT_DECOHERENCE_INTERVAL;
        private Duration healthCheckInterval = PoolOptions.DEFAULT_HEALTH_CHECK_INTERVAL;
        private Duration idleTimeout = PoolOptions.DEFAULT_IDLE_TIMEOUT;
        private Duration maxLifetime = PoolOptions.DEFAULT_MAX_LIFETIME;
        private Duration connectTimeout = PoolOptions.DEFAULT_CONNECT_TIMEOUT;
        private BackoffPolicy backoff = BackoffPolicy.DEFAULT;
        private int deadAfterFailures = PoolOptions.DEFAULT_DEAD_AFTER_FAILURES;
        private boolean failFastWhenEmpty;
        private Duration closeTimeout = PoolOptions.DEFAULT_CLOSE_TIMEOUT;
        private int threadAffinity = PoolOptions.DEFAULT_THREAD_AFFINITY;
        private Duration scoreDecay = PoolOptions.DEFAULT_SCORE_DECAY;
        private int maxEjectionPercent = PoolOptions.DEFAULT_MAX_EJECTION_PERCENT;
        private double ejectionFailureRate = PoolOptions.DEFAULT_EJECTION_FAILURE_RATE;
        private int ejectionMinOutcomes = PoolOptions.DEFAULT_EJECTION_MIN_OUTCOMES;
        private Duration baseEjectionTime = PoolOptions.DEFAULT_BASE_EJECTION_TIME;
        private Duration maxEjectionTime = PoolOptions.DEFAULT_MAX_EJECTION_TIME;
        private HostSelection hostSelection = HostSelection.roundRobin();
        private int subsetId = -1;
        private int subsetCount;
        private Duration leakDetectionThreshold = PoolOptions.DEFAULT_LEAK_DETECTION_THRESHOLD;
        private int maxWaiters = PoolOptions.DEFAULT_MAX_WAITERS;
        private Duration targetClaimDelay = PoolOptions.DEFAULT_TARGET_CLAIM_DELAY;
        private boolean registerMbeans;
        private PoolListener listener;
        private PoolClock clock;
        private Executor executor;
        private RandomGenerator random;

        private Builder(Resolver resolver, ConnectionFactory<C> factory) {
            this.resolver = resolver;
            this.factory = factory;
        }

        /**
         * @param hostSelection how the pool chooses the backend for each claim and shapes each backend's share of
         *                      connections (see {@link HostSelection}); default {@link HostSelection#roundRobin()}
         * @return this builder
         */
        public Builder<C> hostSelection(HostSelection hostSelection) {
            this.hostSelection = hostSelection;
            return this;
        }

        /**
         * Deterministic subsetting, for a fleet of pools over more backends than each pool has connections: given
         * this instance's id and the fleet's size, the pools choose their backends so that every backend gets the
         * same number of connections across the fleet, within one. Without it (the default), each pool prefers
         * the backends in an order shuffled from its own random, which spreads a fleet well but not exactly.
         *
         * @param instanceId    this instance's id, {@code 0 <= instanceId < instanceCount}
         * @param instanceCount how many instances (pools with the same settings over the same backends), {@code >= 1}
         * @return this builder
         */
        public Builder<C> subsetting(int instanceId, int instanceCount) {
            this.subsetId = instanceId;
            this.subsetCount = instanceCount;
            return this;
        }

        /**
         * @param name the pool's name in thread names, logs and errors: 1 to 64 of {@code A-Z a-z 0-9 . _ -};
         *             default {@code pool-N}
         * @return this builder
         */
        public Builder<C> name(String name) {
            this.name = name;
            return this;
        }

        /**
         * @param maxConnections connections across all backends, {@code >= 1}; default 10
         * @return this builder
         */
        public Builder<C> maxConnections(int maxConnections) {
            this.maxConnections = maxConnections;
            return this;
        }

        /**
         * @param spares idle connections to keep ready on top of the claimed ones, 0 to maxConnections; default
         *               maxConnections (a fixed-size pool, opened eagerly). Fewer: the pool grows on demand and
         *               closes connections above {@code spares} that went unused for {@code idleTimeout}.
         * @return this builder
         */
        public Builder<C> spares(int spares) {
            this.spares = spares;
            return this;
        }

        /**
         * @param claimTimeout how long {@link ConnectionPool#claim()} waits, {@code >= 0}; default 30 s
         * @return this builder
         */
        public Builder<C> claimTimeout(Duration claimTimeout) {
            this.claimTimeout = claimTimeout;
            return this;
        }

        /**
         * @param rebalanceDelay the debounce after a resolver event before re-planning, {@code >= 0}; default
         *                       100 ms
         * @return this builder
         */
        public Builder<C> rebalanceDelay(Duration rebalanceDelay) {
            this.rebalanceDelay = rebalanceDelay;
            return this;
        }

        /**
         * @param decoherenceInterval how often the idle queue is shuffled, {@code > 0}; default 5 min
         * @return this builder
         */
        public Builder<C> decoherenceInterval(Duration decoherenceInterval) {
            this.decoherenceInterval = decoherenceInterval;
            return this;
        }

        /**
         * Connections idle this long are checked with {@link Connection#isHealthy()} on the pool's threads. In a
         * pool whose claims read no clock (see {@link PoolOptions#CHECK_ON_CLAIM_AFTER_IDLE}) idle is known to a
         * quarter of a second, and a check may come that much early.
         *
         * @param healthCheckInterval how often idle connections are checked, {@code > 0}; default 30 s
         * @return this builder
         */
        public Builder<C> healthCheckInterval(Duration healthCheckInterval) {
            this.healthCheckInterval = healthCheckInterval;
            return this;
        }

        /**
         * @param idleTimeout how long connections above {@code spares} may go unused before they close,
         *                    {@code > 0}; default 10 min
         * @return this builder
         */
        public Builder<C> idleTimeout(Duration idleTimeout) {
            this.idleTimeout = idleTimeout;
            return this;
        }

        /**
         * @param maxLifetime the age at which a connection is replaced, {@code >= 0}; 0 (the default) for none
         * @return this builder
         */
        public Builder<C> maxLifetime(Duration maxLifetime) {
            this.maxLifetime = maxLifetime;
            return this;
        }

        /**
         * @param connectTimeout the pool's bound on one connect attempt, {@code > 0}; default 10 s
         * @return this builder
         */
        public Builder<C> connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return this;
        }

        /**
         * @param backoff the retry delays after failures; default 100 ms doubling to 30 s, ±20 %
         * @return this builder
         */
        public Builder<C> backoff(BackoffPolicy backoff) {
            this.backoff = backoff;
            return this;
        }

        /**
         * @param deadAfterFailures connect failures in a row after which a backend is dead, {@code >= 1}; default
         *                          3. Only connects count: a use failure ({@link Claim#discard()}) never makes a
         *                          backend dead, only lowers its score (see {@link #maxEjectionPercent(int)}).
         * @return this builder
         */
        public Builder<C> deadAfterFailures(int deadAfterFailures) {
            this.deadAfterFailures = deadAfterFailures;
            return this;
        }

        /**
         * How many claims in a row a thread may get back the connection it released last, without going through
         * the shared idle queue. Claim and release then touch nothing another thread touches, which is what
         * makes a busy pool scale with cores; after the run, the connection goes to the tail of the queue and
         * the thread takes its head, so every connection, and every backend, still takes its turn. A thread
         * holds one claim at a time in the common case, so a run puts no more load on one backend at once.
         * A connection a thread keeps is idle: any claim that finds the queue empty takes it, and nothing is
         * kept while claims wait. Fixed-size pools only ({@code spares == maxConnections}).
         *
         * <p>With 0, every claim takes the oldest idle connection, with one exception: a thread descheduled in
         * the middle of a hand-over holds up one cell of the queue until it runs again. Meanwhile releases may
         * leave connections idle beside the queue, where claims find them in no particular order, and a claim
         * that finds neither waits for a release. With more busy threads than cores that is common: in the
         * claim benchmark at 4 threads on 2 cores about a fifth of claims were served beside the queue, and
         * about one in 100 000 waited.
         *
         * <p>Each move to another connection has a cost when a connection is a server's session (a PostgreSQL
         * session is a server process, whose caches go cold while it sleeps): database pools want long runs, such
         * as 10 000 (see {@code CueballDataSource}). The bound is in claims, not time, so the spread over backends
         * holds in units of load: over any window of N claims from one thread, each backend's count is within
         * (threadAffinity + 1) &times; maxConnections of its share.
         *
         * @param threadAffinity 0 (first-in, first-out: every claim takes the oldest idle connection) to
         *                       {@value PoolOptions#MAX_THREAD_AFFINITY}; default
         *                       {@value PoolOptions#DEFAULT_THREAD_AFFINITY}
         * @return this builder
         */
        public Builder<C> threadAffinity(int threadAffinity) {
            this.threadAffinity = threadAffinity;
            return this;
        }

        /**
         * @param scoreDecay the window over which a backend's use score decays, {@code >= 20 ms}; default 1 min
         *                   (pooly's). Outcomes older than this no longer count; within it, recent ones weigh more.
         * @return this builder
         */
        public Builder<C> scoreDecay(Duration scoreDecay) {
            this.scoreDecay = scoreDecay;
            return this;
        }

        /**
         * Outlier ejection (after gRPC's A50 and Envoy): a backend whose recent uses fail at or above
         * {@link #ejectionFailureRate(double)}, over at least {@link #ejectionMinOutcomes(int)} outcomes, while its
         * connects succeed (a server that accepts and never answers), is ejected: its share moves to the others and
         * its one monitor connection is kept out of service until the ejection ends and a health check of it
         * passes. Never more than this percentage of the backends is ejected at once (rounded down), and never
         * the last one in service, so a fault of the whole service does not empty the pool.
         *
         * @param maxEjectionPercent 0 (ejection off) to 100; default 50
         * @return this builder
         */
        public Builder<C> maxEjectionPercent(int maxEjectionPercent) {
            this.maxEjectionPercent = maxEjectionPercent;
            return this;
        }

        /**
         * @param ejectionFailureRate the failure rate (1 - {@link BackendStats#score() score}) at or above which a
         *                            backend is ejected, in (0, 1]; default 0.85 (A50's failure percentage)
         * @return this builder
         */
        public Builder<C> ejectionFailureRate(double ejectionFailureRate) {
            this.ejectionFailureRate = ejectionFailureRate;
            return this;
        }

        /**
         * @param ejectionMinOutcomes use outcomes a backend's score window must hold before it can be ejected,
         *                            {@code >= 1}; default 10
         * @return this builder
         */
        public Builder<C> ejectionMinOutcomes(int ejectionMinOutcomes) {
            this.ejectionMinOutcomes = ejectionMinOutcomes;
            return this;
        }

        /**
         * @param baseEjectionTime how long a first ejection lasts, {@code > 0}; the n-th in a row lasts n times as
         *                         long (one fewer for each base time spent in service since); default 30 s
         * @return this builder
         */
        public Builder<C> baseEjectionTime(Duration baseEjectionTime) {
            this.baseEjectionTime = baseEjectionTime;
            return this;
        }

        /**
         * @param maxEjectionTime the longest an ejection lasts, {@code > 0}; default 5 min (a value below the base
         *                        time means the base time)
         * @return this builder
         */
        public Builder<C> maxEjectionTime(Duration maxEjectionTime) {
            this.maxEjectionTime = maxEjectionTime;
            return this;
        }

        /**
         * @param failFastWhenEmpty whether a claim fails at once with {@link NoBackendsException} while the
         *                          resolver reports no backends; default false (claims wait)
         * @return this builder
         */
        public Builder<C> failFastWhenEmpty(boolean failFastWhenEmpty) {
            this.failFastWhenEmpty = failFastWhenEmpty;
            return this;
        }

        /**
         * @param closeTimeout how long {@link ConnectionPool#close()} waits for claimed connections,
         *                     {@code >= 0}; default 30 s
         * @return this builder
         */
        public Builder<C> closeTimeout(Duration closeTimeout) {
            this.closeTimeout = closeTimeout;
            return this;
        }

        /**
         * @param listener observes the pool; see {@link PoolListener} for its threading rules
         * @return this builder
         */
        public Builder<C> listener(PoolListener listener) {
            this.listener = listener;
            return this;
        }

        /**
         * @param clock the time source and timer for everything timed except claim and close timeouts; default
         *              a system clock with one timer thread. Tests pass a manual clock.
         * @return this builder
         */
        public Builder<C> clock(PoolClock clock) {
            this.clock = clock;
            return this;
        }

        /**
         * The threads seam, beside {@link #clock(PoolClock)}: where connects, closes and health checks run.
         * Package-private, for the engine's own tests, which pass a same-thread or manual executor so that a
         * test decides when each connect finishes. The pool does not stop an executor it was given.
         *
         * @param executor runs the pool's blocking work; default the pool's own {@code cueball-<name>-connect-N}
         *                 daemon threads, stopped on close
         * @return this builder
         */
        Builder<C> executor(Executor executor) {
            this.executor = executor;
            return this;
        }

        /**
         * @param random the source of backoff jitter, decoherence shuffles, lifetime spread, the backend preference
         *               seed and the choices of random strategies (HostSelection); used under the
         *               pool's lock, so it need not be thread-safe. Tests pass a seeded one.
         * @return this builder
         */
        public Builder<C> random(RandomGenerator random) {
            this.random = random;
            return this;
        }

        /**
         * Logs a claim held longer than this as a possible leak: one WARN naming the pool, the backend and how long,
         * with the stack of the code that claimed; when that claim is finally released, an INFO says the leak
         * ended. The claiming stack is captured only while this is on (it costs about a microsecond per claim).
         * Checked by the pool's housekeeping, so a leak is reported within a quarter of the threshold after it
         * passes (at least every 100 ms).
         *
         * @param leakDetectionThreshold how long a claim may be held; {@link Duration#ZERO} (the default) is off
         * @return this builder
         */
        public Builder<C> leakDetectionThreshold(Duration leakDetectionThreshold) {
            this.leakDetectionThreshold = leakDetectionThreshold;
            return this;
        }

        /**
         * Bounds the claims that may wait for a connection: a claim that finds none idle when {@code maxWaiters}
         * already wait fails at once with {@link PoolBusyException} (pool-manager's "pool is busy") instead of
         * queueing. 0 means no claim ever waits.
         *
         * @param maxWaiters 0 or more; {@link Integer#MAX_VALUE} (the default) is unbounded
         * @return this builder
         */
        public Builder<C> maxWaiters(int maxWaiters) {
            this.maxWaiters = maxWaiters;
            return this;
        }

        /**
         * Turns on delay control of the claim queue (node-cueball's {@code targetClaimDelay}, after Nichols and
         * Jacobson's CoDel, RFC 8289): when the claims handed a connection have all waited longer than this target
         * for two intervals of 100 ms, the pool is overloaded, and the oldest waiting claims are failed with
         * {@link ClaimTimeoutException} instead of being served, the n-th one interval/√n after the one before, until
         * a claim is served within the target or the queue drains. A claim's own timeout still applies; under the
         * control a waiting claim also gives up after 10× the target (3× while overloaded), as in node-cueball.
         *
         * @param targetClaimDelay the target wait; {@link Duration#ZERO} (the default) is off
         * @return this builder
         */
        public Builder<C> targetClaimDelay(Duration targetClaimDelay) {
            this.targetClaimDelay = targetClaimDelay;
            return this;
        }

        /**
         * Registers the pool's {@link ConnectionPoolMXBean} with the platform MBean server as {@code
         * io.cueball:type=ConnectionPool,name=<pool name>} when it is built, and unregisters it on close. Off by
         * default. Two pools with the same name cannot both register: the second fails to build.
         *
         * @param registerMbeans whether to register
         * @return this builder
         */
        public Builder<C> registerMbeans(boolean registerMbeans) {
            this.registerMbeans = registerMbeans;
            return this;
        }

        /**
         * Validates the options, starts the pool and its resolver.
         *
         * @return the running pool
         * @throws NullPointerException     if the resolver, the factory or an option is null
         * @throws IllegalArgumentException naming every bad option, its value and the expected range
         */
        public ConnectionPool<C> build() {
            PoolOptions options = options();
            PoolEngine<C> engine = new PoolEngine<>(options, resolver, factory, clock, executor,
                    random != null ? random : new Random(), listener);
            engine.start();
            ConnectionPool<C> pool = new ConnectionPool<>(engine);
            if (options.registerMbeans()) {
                try {
                    pool.mbean.set(PoolMXBeans.register(pool));
                } catch (RuntimeException e) {
                    pool.close();
                    throw e;
                }
            }
            return pool;
        }

        /**
         * Validates the options without building a pool.
         *
         * @return the options {@link #build()} would use
         * @throws NullPointerException     if the resolver, the factory or an option is null
         * @throws IllegalArgumentException naming every bad option, its value and the expected range
         */
        public PoolOptions options() {
            Objects.requireNonNull(resolver, "resolver must not be null");
            Objects.requireNonNull(factory, "connection factory must not be null");
            String poolName = name != null ? name : "pool-" + POOLS.incrementAndGet();
            if (!NAME.matcher(poolName).matches()) {
                throw new IllegalArgumentException("name: '" + poolName
                        + "' (expected: 1 to 64 characters of A-Z a-z 0-9 . _ -)");
            }
            List<String> errors = new ArrayList<>();
            if (maxConnections < 1) {
                errors.add("maxConnections: " + maxConnections + " (expected: >= 1)");
            }
            int sparesValue = spares != null ? spares : maxConnections;
            if (maxConnections >= 1 && (sparesValue < 0 || sparesValue > maxConnections)) {
                errors.add("spares: " + sparesValue + " (expected: 0.." + maxConnections
                        + ", at most maxConnections)");
            }
            atLeast(errors, "claimTimeout", claimTimeout, false);
            atLeast(errors, "rebalanceDelay", rebalanceDelay, false);
            atLeast(errors, "decoherenceInterval", decoherenceInterval, true);
            atLeast(errors, "healthCheckInterval", healthCheckInterval, true);
            atLeast(errors, "idleTimeout", idleTimeout, true);
            atLeast(errors, "maxLifetime", maxLifetime, false);
            atLeast(errors, "connectTimeout", connectTimeout, true);
            atLeast(errors, "closeTimeout", closeTimeout, false);
            Objects.requireNonNull(backoff, "backoff must not be null");
            if (threadAffinity < 0 || threadAffinity > PoolOptions.MAX_THREAD_AFFINITY) {
                errors.add("threadAffinity: " + threadAffinity + " (expected: 0.." + PoolOptions.MAX_THREAD_AFFINITY
                        + ")");
            }
            if (deadAfterFailures < 1) {
                errors.add("deadAfterFailures: " + deadAfterFailures + " (expected: >= 1)");
            }
            Objects.requireNonNull(scoreDecay, "scoreDecay must not be null");
            if (scoreDecay.compareTo(Duration.ofMillis(20)) < 0) {
                errors.add("scoreDecay: " + scoreDecay + " (expected: >= PT0.02S)");
            }
            if (maxEjectionPercent < 0 || maxEjectionPercent > 100) {
                errors.add("maxEjectionPercent: " + maxEjectionPercent + " (expected: 0..100)");
            }
            if (!(ejectionFailureRate > 0 && ejectionFailureRate <= 1)) {
                errors.add("ejectionFailureRate: " + ejectionFailureRate + " (expected: > 0 and <= 1)");
            }
            if (ejectionMinOutcomes < 1) {
                errors.add("ejectionMinOutcomes: " + ejectionMinOutcomes + " (expected: >= 1)");
            }
            atLeast(errors, "baseEjectionTime", baseEjectionTime, true);
            atLeast(errors, "maxEjectionTime", maxEjectionTime, true);
            Objects.requireNonNull(hostSelection, "hostSelection must not be null");
            if (subsetId != -1 || subsetCount != 0) {
                if (subsetCount < 1) {
                    errors.add("subsetting instanceCount: " + subsetCount + " (expected: >= 1)");
                } else if (subsetId < 0 || subsetId >= subsetCount) {
                    errors.add("subsetting instanceId: " + subsetId + " (expected: 0.." + (subsetCount - 1) + ")");
                }
            }
            atLeast(errors, "leakDetectionThreshold", leakDetectionThreshold, false);
            if (maxWaiters < 0) {
                errors.add("maxWaiters: " + maxWaiters + " (expected: >= 0; Integer.MAX_VALUE for unbounded)");
            }
            atLeast(errors, "targetClaimDelay", targetClaimDelay, false);
            if (!errors.isEmpty()) {
                throw new IllegalArgumentException("pool '" + poolName + "': " + String.join("; ", errors));
            }
            return new PoolOptions(poolName, maxConnections, sparesValue, claimTimeout, rebalanceDelay,
                    decoherenceInterval, healthCheckInterval, idleTimeout, maxLifetime, connectTimeout, backoff,
                    deadAfterFailures, failFastWhenEmpty, closeTimeout, threadAffinity, scoreDecay,
                    maxEjectionPercent, ejectionFailureRate, ejectionMinOutcomes, baseEjectionTime, maxEjectionTime,
                    hostSelection, subsetId, subsetCount, leakDetectionThreshold, maxWaiters, targetClaimDelay,
                    registerMbeans);
        }

        private static void atLeast(List<String> errors, String option, Duration value, boolean positive) {
            Objects.requireNonNull(value, () -> option + " must not be null");
            if (value.isNegative() || (positive && value.isZero())) {
                errors.add(option + ": " + value + " (expected: " + (positive ? "> 0" : ">= 0") + ")");
            }
        }
    }
}
