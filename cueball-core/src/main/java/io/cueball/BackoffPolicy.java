package io.cueball;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How long to wait before retrying a backend after consecutive failures: {@code initial}, doubling with each
 * failure up to {@code max}, each delay then spread by {@code ±jitter} so that pools started together do
 * not retry in step.
 *
 * @param initial the delay after the first failure, {@code > 0}
 * @param max     the cap of the doubling, {@code >= initial}
 * @param jitter  the relative spread, 0 (none) to 1
 */
public record BackoffPolicy(Duration initial, Duration max, double jitter) {

    /** 100 ms, doubling to 30 s, ±20 %. */
    public static final BackoffPolicy DEFAULT =
            new BackoffPolicy(Duration.ofMillis(100), Duration.ofSeconds(30), 0.2);

    /**
     * Validates the policy.
     *
     * @param initial the delay after the first failure, {@code > 0}
     * @param max     the cap of the doubling, {@code >= initial}
     * @param jitter  the relative spread, 0 to 1
     * @throws IllegalArgumentException naming the bad component and its value
     * @throws NullPointerException     if {@code initial} or {@code max} is null
     */
    public BackoffPolicy {
        Objects.requireNonNull(initial, "backoff initial must not be null");
        Objects.requireNonNull(max, "backoff max must not be null");
        if (initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("backoff initial: " + initial + " (expected: > 0)");
        }
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff max: " + max + " (expected: >= initial " + initial + ")");
        }
        if (!(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException("backoff jitter: " + jitter + " (expected: 0..1)");
        }
    }

    /**
     * The delay before the next attempt after {@code failures} failures in a row.
     *
     * @param failures consecutive failures so far, {@code >= 1}
     * @param random   the source of jitter
     * @return the delay in nanoseconds
     */
    public long delayNanos(int failures, RandomGenerator random) {
        long base = initial.toNanos();
        long cap = max.toNanos();
        // Doubling by shifting, stopped before it can overflow.
        for (int i = 1; i < failures && base < cap; i++) {
            base = base > cap / 2 ? cap : base * 2;
        }
        base = Math.min(base, cap);
        if (jitter == 0) {
            return base;
        }
        double spread = 1 + jitter * (2 * random.nextDouble() - 1);
        return Math.max(1, (long) (base * spread));
    }
}
