package io.cueball.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The part of a {@link WorkerPool}'s options that may change while it runs ({@link WorkerPool#setConfig}): how
 * many workers, how long an idle one above the minimum lives, and how long a client may stay silent. Immutable;
 * made by {@link #builder()} (or {@link #toBuilder()} from the current one), validated by
 * {@link Builder#build()}. The {@code DEFAULT_*} constants are what a builder uses for options it is not given.
 *
 * <p>pool-manager's {@code ManagerConfig} has the same four knobs ({@code MinWorkersCount},
 * {@code MaxWorkersCount}, the cleaner's fixed 2 s sweep here an {@code idleTimeout}, {@code ClientsDeadline}).
 */
public final class WorkerPoolConfig {
    /** Workers kept even when idle: none, as pool-manager's {@code MinWorkersCount} of 0. */
    public static final int DEFAULT_MIN_WORKERS = 0;
    /**
     * The most workers, so the most connections served at once: 200, Tomcat's {@code maxThreads}. Bounded by
     * default on purpose: pool-manager's default of "unbounded" lets a burst start a thread per connection.
     */
    public static final int DEFAULT_MAX_WORKERS = 200;
    /** How long a worker above the minimum may stay idle before it is retired: 60 s (Tomcat's and most pools'). */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    /**
     * How long one read may wait for a client: 5 minutes. pool-manager's 3 s suits request-per-connection
     * traffic but would cut off clients that pool their connections (a cueball pool keeps idle connections
     * for up to 10 minutes); five minutes still frees a worker held by a client that went silent.
     */
    public static final Duration DEFAULT_READ_DEADLINE = Duration.ofMinutes(5);

    /** The longest read deadline: what {@link java.net.Socket#setSoTimeout(int)} can take, in milliseconds. */
    private static final Duration MAX_READ_DEADLINE = Duration.ofMillis(Integer.MAX_VALUE);

    private final int minWorkers;
    private final int maxWorkers;
    private final Duration idleTimeout;
    private final Duration readDeadline;

    private WorkerPoolConfig(int minWorkers, int maxWorkers, Duration idleTimeout, Duration readDeadline) {
        this.minWorkers = minWorkers;
        this.maxWorkers = maxWorkers;
        this.idleTimeout = idleTimeout;
        this.readDeadline = readDeadline;
    }

    /** @return a builder with every option at its default */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the defaults: 0 to 200 workers, idle timeout 60 s, read deadline 5 min */
    public static WorkerPoolConfig defaults() {
        return builder().build();
    }

    /** @return a builder holding this configuration's values, to change some of them */
    public Builder toBuilder() {
        return new Builder().minWorkers(minWorkers).maxWorkers(maxWorkers).idleTimeout(idleTimeout)
                .readDeadline(readDeadline);
    }

    /** @return workers started at once and never retired for being idle, {@code >= 0} */
    public int minWorkers() {
        return minWorkers;
    }

    /** @return the most workers, so the most connections served at once; 0 for no bound */
    public int maxWorkers() {
        return maxWorkers;
    }

    /** @return how long a worker above {@link #minWorkers()} may stay idle before it is retired, {@code > 0} */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /**
     * @return how long one read may wait for the client before the connection is closed (the socket's
     *         {@code SO_TIMEOUT}); zero for no deadline
     */
    public Duration readDeadline() {
        return readDeadline;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WorkerPoolConfig c && c.minWorkers == minWorkers && c.maxWorkers == maxWorkers
                && c.idleTimeout.equals(idleTimeout) && c.readDeadline.equals(readDeadline);
    }

    @Override
    public int hashCode() {
        return Objects.hash(minWorkers, maxWorkers, idleTimeout, readDeadline);
    }

    @Override
    public String toString() {
        return "WorkerPoolConfig{minWorkers=" + minWorkers + ", maxWorkers="
                + (maxWorkers == 0 ? "unbounded" : maxWorkers) + ", idleTimeout=" + idleTimeout + ", readDeadline="
                + (readDeadline.isZero() ? "none" : readDeadline) + "}";
    }

    /** Collects the options; {@link #build()} validates them all at once. Not thread-safe. */
    public static final class Builder {
        private int minWorkers = DEFAULT_MIN_WORKERS;
        private int maxWorkers = DEFAULT_MAX_WORKERS;
        private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
        private Duration readDeadline = DEFAULT_READ_DEADLINE;

        private Builder() {
        }

        /**
         * @param minWorkers workers started at once (and again after a resize raises it) and never retired for
         *                   being idle; {@code >= 0} and at most {@code maxWorkers} when that is bounded.
         *                   Default {@value WorkerPoolConfig#DEFAULT_MIN_WORKERS}
         * @return this builder
         */
        public Builder minWorkers(int minWorkers) {
            this.minWorkers = minWorkers;
            return this;
        }

        /**
         * @param maxWorkers the most workers, so the most connections served at once; one more is refused
         *                   ({@link WorkerPoolBusyException}, or the busy reply of {@link WorkerPool#serve}).
         *                   {@code >= 0}; 0 for no bound. Default {@value WorkerPoolConfig#DEFAULT_MAX_WORKERS}
         * @return this builder
         */
        public Builder maxWorkers(int maxWorkers) {
            this.maxWorkers = maxWorkers;
            return this;
        }

        /**
         * @param idleTimeout how long a worker above {@code minWorkers} may wait for a connection before it is
         *                    retired, {@code > 0}; measured on the pool's clock. Default 60 s
         * @return this builder
         */
        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = idleTimeout;
            return this;
        }

        /**
         * @param readDeadline how long one read may wait for the client (pool-manager's {@code ClientsDeadline}):
         *                     a client silent that long gets its connection closed. Set as the socket's
         *                     {@code SO_TIMEOUT} when a worker takes the connection, so it is real time, per
         *                     read, and a handler may change it for its own connection. Zero for none, else
         *                     1 ms to {@code Integer.MAX_VALUE} ms. Default 5 min
         * @return this builder
         */
        public Builder readDeadline(Duration readDeadline) {
            this.readDeadline = readDeadline;
            return this;
        }

        /**
         * @return the configuration
         * @throws NullPointerException     if a duration is null
         * @throws IllegalArgumentException naming every bad option, its value and what was expected, e.g.
         *                                  {@code minWorkers: 5 (expected: <= maxWorkers 3)}
         */
        public WorkerPoolConfig build() {
            List<String> errors = errors();
            if (!errors.isEmpty()) {
                throw new IllegalArgumentException(String.join("; ", errors));
            }
            return new WorkerPoolConfig(minWorkers, maxWorkers, idleTimeout, readDeadline);
        }

        /** Every problem with the options, for {@link WorkerPool.Builder} to report with the pool's name. */
        List<String> errors() {
            Objects.requireNonNull(idleTimeout, "idleTimeout must not be null");
            Objects.requireNonNull(readDeadline, "readDeadline must not be null");
            List<String> errors = new ArrayList<>();
            if (minWorkers < 0) {
                errors.add("minWorkers: " + minWorkers + " (expected: >= 0)");
            }
            if (maxWorkers < 0) {
                errors.add("maxWorkers: " + maxWorkers + " (expected: >= 0; 0 for unbounded)");
            }
            if (minWorkers > 0 && maxWorkers > 0 && minWorkers > maxWorkers) {
                errors.add("minWorkers: " + minWorkers + " (expected: <= maxWorkers " + maxWorkers + ")");
            }
            if (idleTimeout.isNegative() || idleTimeout.isZero()) {
                errors.add("idleTimeout: " + idleTimeout + " (expected: > 0)");
            }
            // SO_TIMEOUT is whole milliseconds and 0 means "forever": a positive deadline under 1 ms would turn
            // into no deadline at all, so it is refused rather than rounded either way.
            if (readDeadline.isNegative()
                    || (!readDeadline.isZero() && readDeadline.compareTo(Duration.ofMillis(1)) < 0)
                    || readDeadline.compareTo(MAX_READ_DEADLINE) > 0) {
                errors.add("readDeadline: " + readDeadline + " (expected: 0 for none, or PT0.001S.."
                        + MAX_READ_DEADLINE + ")");
            }
            return errors;
        }
    }
}
