package io.cueball;

import java.time.Duration;

/**
 * The validated, immutable settings of a pool, made by {@link ConnectionPool.Builder#build()}. The
 * {@code DEFAULT_*} constants are what a builder uses for options it is not given.
 */
public final class PoolOptions {

    /** Connections across all backends. */
    public static final int DEFAULT_MAX_CONNECTIONS = 10;
    /** How long {@link ConnectionPool#claim()} waits. */
    public static final Duration DEFAULT_CLAIM_TIMEOUT = Duration.ofSeconds(30);
    /** The debounce after a resolver event before the pool re-plans. */
    public static final Duration DEFAULT_REBALANCE_DELAY = Duration.ofMillis(100);
    /** How often the idle queue is shuffled. */
    public static final Duration DEFAULT_DECOHERENCE_INTERVAL = Duration.ofMinutes(5);
    /** How often idle connections are checked. */
    public static final Duration DEFAULT_HEALTH_CHECK_INTERVAL = Duration.ofSeconds(30);
    /** How long connections above {@code spares} may stay unused before they close. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(10);
    /** No maximum lifetime. */
    public static final Duration DEFAULT_MAX_LIFETIME = Duration.ZERO;
    /** The pool's bound on one connect attempt. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Failures in a row after which a backend is dead. */
    public static final int DEFAULT_DEAD_AFTER_FAILURES = 3;
    /**
     * Claims in a row in which a thread may get back the connection it just released, instead of the head of
     * the shared idle queue. The turn at the queue moves a handful of cache lines between cores, about 0.7 to 1.5
     * µs where cores are far apart (estimated from the throughput with and without turns): over 65 claims that is
     * 10 to 25 ns each, against 30 to 60 ns for a claim and release themselves, so a sixth to a third of the pool's
     * claims per second above one thread (see RESULTS.md in cueball-benchmarks), while a thread still moves on to
     * the next connection every 65 claims.
     */
    public static final int DEFAULT_THREAD_AFFINITY = 64;

    /**
     * The longest run {@code threadAffinity} allows: one million claims. Database pools want long runs (10 000:
     * a move to another session costs the server far more than the queue's turn costs the client); the bound keeps
     * every connection, and so every backend, taking its turn under load.
     */
    public static final int MAX_THREAD_AFFINITY = 1_000_000;
    /** How long {@link ConnectionPool#close()} waits for claimed connections. */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);
    /** The window over which a backend's use score decays (pooly's {@code DecayDuration}). */
    public static final Duration DEFAULT_SCORE_DECAY = Duration.ofMinutes(1);
    /** The most backends ejected at once, in percent of the backends (the 50 %; gRPC A50 has 10). */
    public static final int DEFAULT_MAX_EJECTION_PERCENT = 50;
    /** The failure rate of a backend's recent uses at which it is ejected (gRPC A50's failure percentage, 85). */
    public static final double DEFAULT_EJECTION_FAILURE_RATE = 0.85;
    /** Outcomes a backend's window must hold before its failure rate can eject it. */
    public static final int DEFAULT_EJECTION_MIN_OUTCOMES = 10;
    /** The first ejection's length; the n-th lasts n times as long (gRPC A50's base_ejection_time). */
    public static final Duration DEFAULT_BASE_EJECTION_TIME = Duration.ofSeconds(30);
    /** The longest an ejection lasts (gRPC A50's max_ejection_time). */
    public static final Duration DEFAULT_MAX_EJECTION_TIME = Duration.ofMinutes(5);

    /** Leak detection is off: no claim is reported however long it is held. */
    public static final Duration DEFAULT_LEAK_DETECTION_THRESHOLD = Duration.ZERO;
    /** No bound on the claims that may wait. */
    public static final int DEFAULT_MAX_WAITERS = Integer.MAX_VALUE;
    /** The claim queue's delay control (CoDel) is off. */
    public static final Duration DEFAULT_TARGET_CLAIM_DELAY = Duration.ZERO;

    /**
     * A connection that sat idle longer than this is checked with {@link Connection#isHealthy()} before it
     * is handed out (in addition to the periodic checks). Idle counts from its last release (or its last health
     * check). A pool whose claims read no clock (fixed size, round-robin, no {@code maxLifetime}, no leak detection,
     * no {@link MetricsRecorder}) learns it from a timer pass every quarter of this while its connections are in
     * use, and counts from when the last claim began: there a connection may already be checked after three
     * quarters of this, and one held longer than this is checked at its next claim.
     */
    public static final Duration CHECK_ON_CLAIM_AFTER_IDLE = Duration.ofSeconds(1);

    private final String name;
    private final int maxConnections;
    private final int spares;
    private final Duration claimTimeout;
    private final Duration rebalanceDelay;
    private final Duration decoherenceInterval;
    private final Duration healthCheckInterval;
    private final Duration idleTimeout;
    private final Duration maxLifetime;
    private final Duration connectTimeout;
    private final BackoffPolicy backoff;
    private final int deadAfterFailures;
    private final boolean failFastWhenEmpty;
    private final Duration closeTimeout;
    private final int threadAffinity;
    private final Duration scoreDecay;
    private final int maxEjectionPercent;
    private final double ejectionFailureRate;
    private final int ejectionMinOutcomes;
    private final Duration baseEjectionTime;
    private final Duration maxEjectionTime;
    private final HostSelection hostSelection;
    private final int subsetId;
    private final int subsetCount;
    private final Duration leakDetectionThreshold;
    private final int maxWaiters;
    private final Duration targetClaimDelay;
    private final boolean registerMbeans;

    PoolOptions(String name, int maxConnections, int spares, Duration claimTimeout, Duration rebalanceDelay,
            Duration decoherenceInterval, Duration healthCheckInterval, Duration idleTimeout, Duration maxLifetime,
            Duration connectTimeout, BackoffPolicy backoff, int deadAfterFailures, boolean failFastWhenEmpty,
            Duration closeTimeout, int threadAffinity, Duration scoreDecay, int maxEjectionPercent,
            double ejectionFailureRate, int ejectionMinOutcomes, Duration baseEjectionTime, Duration maxEjectionTime,
            HostSelection hostSelection, int subsetId, int subsetCount, Duration leakDetectionThreshold,
            int maxWaiters, Duration targetClaimDelay, boolean registerMbeans) {
        this.name = name;
        this.maxConnections = maxConnections;
        this.spares = spares;
        this.claimTimeout = claimTimeout;
        this.rebalanceDelay = rebalanceDelay;
        this.decoherenceInterval = decoherenceInterval;
        this.healthCheckInterval = healthCheckInterval;
        this.idleTimeout = idleTimeout;
        this.maxLifetime = maxLifetime;
        this.connectTimeout = connectTimeout;
        this.backoff = backoff;
        this.deadAfterFailures = deadAfterFailures;
        this.failFastWhenEmpty = failFastWhenEmpty;
        this.closeTimeout = closeTimeout;
        this.threadAffinity = threadAffinity;
        this.scoreDecay = scoreDecay;
        this.maxEjectionPercent = maxEjectionPercent;
        this.ejectionFailureRate = ejectionFailureRate;
        this.ejectionMinOutcomes = ejectionMinOutcomes;
        this.baseEjectionTime = baseEjectionTime;
        this.maxEjectionTime = maxEjectionTime;
        this.hostSelection = hostSelection;
        this.subsetId = subsetId;
        this.subsetCount = subsetCount;
        this.leakDetectionThreshold = leakDetectionThreshold;
        this.maxWaiters = maxWaiters;
        this.targetClaimDelay = targetClaimDelay;
        this.registerMbeans = registerMbeans;
    }

    /** @return the pool's name, used in thread names, logs and error messages */
    public String name() {
        return name;
    }

    /** @return the most connections the pool holds across all backends (claimed, idle and connecting) */
    public int maxConnections() {
        return maxConnections;
    }

    /**
     * @return how many idle connections the pool keeps ready on top of the claimed ones; equal to
     *         {@link #maxConnections()} for a fixed-size pool
     */
    public int spares() {
        return spares;
    }

    /** @return how long {@link ConnectionPool#claim()} waits for a connection */
    public Duration claimTimeout() {
        return claimTimeout;
    }

    /** @return how long the pool waits after a resolver event before it re-plans */
    public Duration rebalanceDelay() {
        return rebalanceDelay;
    }

    /** @return how often the idle queue is shuffled */
    public Duration decoherenceInterval() {
        return decoherenceInterval;
    }

    /** @return how often idle connections are checked */
    public Duration healthCheckInterval() {
        return healthCheckInterval;
    }

    /** @return how long connections above {@link #spares()} may stay unused before they are closed */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** @return the age at which a connection is replaced, or zero for no limit */
    public Duration maxLifetime() {
        return maxLifetime;
    }

    /** @return the pool's bound on one connect attempt */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** @return the retry delays after failures */
    public BackoffPolicy backoff() {
        return backoff;
    }

    /** @return the connect failures in a row after which a backend is dead (use failures never count) */
    public int deadAfterFailures() {
        return deadAfterFailures;
    }

    /** @return whether a claim fails at once with {@link NoBackendsException} when there are no backends */
    public boolean failFastWhenEmpty() {
        return failFastWhenEmpty;
    }

    /** @return how long {@link ConnectionPool#close()} waits for claimed connections to come back */
    public Duration closeTimeout() {
        return closeTimeout;
    }

    /**
     * @return how many claims in a row a thread may reuse the connection it released last, rather than take
     *         the oldest idle one; 0 for strict first-in, first-out. Only fixed-size pools use it.
     */
    public int threadAffinity() {
        return threadAffinity;
    }

    /**
     * @return the window over which a backend's use score decays: outcomes older than this no longer count, and
     *         within it recent ones weigh more (see {@link BackendStats#score()})
     */
    public Duration scoreDecay() {
        return scoreDecay;
    }

    /** @return the most backends ejected as outliers at once, in percent of the pool's backends; 0 disables ejection */
    public int maxEjectionPercent() {
        return maxEjectionPercent;
    }

    /** @return the failure rate (1 - score) of a backend's recent uses at or above which it is ejected, in (0, 1] */
    public double ejectionFailureRate() {
        return ejectionFailureRate;
    }

    /** @return the outcomes a backend's score window must hold before it can be ejected */
    public int ejectionMinOutcomes() {
        return ejectionMinOutcomes;
    }

    /**
     * @return how long a first ejection lasts; the n-th in a row lasts n times as long, up to
     *         {@link #maxEjectionTime()}
     */
    public Duration baseEjectionTime() {
        return baseEjectionTime;
    }

    /** @return the longest an ejection lasts */
    public Duration maxEjectionTime() {
        return maxEjectionTime;
    }

    /** @return how backends are chosen for claims and given their shares; default {@link HostSelection#roundRobin()} */
    public HostSelection hostSelection() {
        return hostSelection;
    }

    /**
     * @return this instance's id among {@link #subsetCount()} for deterministic subsetting, in
     *         {@code [0, subsetCount)}; -1 when subsetting is off (the default: a per-pool shuffled preference)
     */
    public int subsetId() {
        return subsetId;
    }

    /** @return how many instances share the backends for deterministic subsetting; 0 when it is off */
    public int subsetCount() {
        return subsetCount;
    }

    /**
     * @return how long a claim may be held before it is logged as a possible leak (one WARN with the stack of the
     *         code that claimed); {@link Duration#ZERO} when leak detection is off (the default)
     */
    public Duration leakDetectionThreshold() {
        return leakDetectionThreshold;
    }

    /**
     * @return the most claims that may wait at once; one more fails at once with {@link PoolBusyException}.
     *         {@link Integer#MAX_VALUE} (the default) is unbounded
     */
    public int maxWaiters() {
        return maxWaiters;
    }

    /**
     * @return node-cueball's {@code targetClaimDelay}: the claim queue's target delay (CoDel), or {@link
     *         Duration#ZERO} when the delay control is off (the default)
     */
    public Duration targetClaimDelay() {
        return targetClaimDelay;
    }

    /** @return whether the pool registers its MXBean ({@link ConnectionPoolMXBean}) with the platform MBean server */
    public boolean registerMbeans() {
        return registerMbeans;
    }

    @Override
    public String toString() {
        return "PoolOptions{name=" + name + ", maxConnections=" + maxConnections + ", spares=" + spares
                + ", claimTimeout=" + claimTimeout + ", rebalanceDelay=" + rebalanceDelay
                + ", decoherenceInterval=" + decoherenceInterval + ", healthCheckInterval=" + healthCheckInterval
                + ", idleTimeout=" + idleTimeout + ", maxLifetime=" + maxLifetime
                + ", connectTimeout=" + connectTimeout + ", backoff=" + backoff
                + ", deadAfterFailures=" + deadAfterFailures + ", failFastWhenEmpty=" + failFastWhenEmpty
                + ", closeTimeout=" + closeTimeout + ", threadAffinity=" + threadAffinity + ", scoreDecay=" + scoreDecay
                + ", maxEjectionPercent=" + maxEjectionPercent + ", ejectionFailureRate=" + ejectionFailureRate
                + ", ejectionMinOutcomes=" + ejectionMinOutcomes + ", baseEjectionTime=" + baseEjectionTime
                + ", maxEjectionTime=" + maxEjectionTime + ", hostSelection=" + hostSelection
                + (subsetCount > 0 ? ", subsetting=" + subsetId + "/" + subsetCount : "")
                + ", leakDetectionThreshold=" + leakDetectionThreshold
                + ", maxWaiters=" + (maxWaiters == Integer.MAX_VALUE ? "unbounded" : Integer.toString(maxWaiters))
                + ", targetClaimDelay=" + targetClaimDelay + ", registerMbeans=" + registerMbeans + "}";
    }
}
