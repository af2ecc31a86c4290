package io.cueball;

/**
 * One backend's share of a pool, and what the pool thinks of it, at one instant.
 *
 * <p>Two signals judge a backend, and they are reported apart: <em>connect</em> outcomes
 * ({@code consecutiveFailures}, {@code connectsSucceeded}, {@code connectsFailed}, {@code lastError}) are what
 * can make it {@link BackendStatus#DEAD}; <em>use</em> outcomes ({@code score}, {@code uses},
 * {@code useFailures}) are what can make it {@link BackendStatus#EJECTED}. See the README's "Health" section.
 *
 * @param backend             the backend
 * @param status              live, dead, ejected or removed
 * @param target              the connections the last rebalance assigned to it (at most 1, its monitor slot,
 *                            while dead or ejected; 0 once removed)
 * @param idle                idle connections, including ones being health-checked and an ejected backend's
 *                            monitor connection (which is kept out of service)
 * @param claimed             connections held by claims
 * @param connecting          connect attempts in flight
 * @param consecutiveFailures connect failures since its last successful connect (use failures never count here)
 * @param connectsSucceeded   connections opened, ever
 * @param connectsFailed      connect attempts failed, ever
 * @param claims              claims served by its connections, ever
 * @param lastError           its last connect error, or null
 * @param score               its use score in [0, 1] at this instant: the recency-weighted mean of the
 *                            outcomes of its claims over the last {@link PoolOptions#scoreDecay()} (1 for a
 *                            success, 0 for a failure, or what {@link Claim#report(double)} gave); 1.0 when the
 *                            window holds no outcome; while it is ejected, its score when it was ejected
 * @param uses                use outcomes recorded, ever (claims released, discarded, failed or reported)
 * @param useFailures         of those, the failures: {@link Claim#discard()}, {@link Claim#fail(Throwable)}, a
 *                            broken connection or a failed reset on release
 * @param ejections           times it was ejected as an outlier, ever
 * @param reason              why it is dead (its connect errors) or ejected (the outcomes that ejected it);
 *                            null while it is live or removed
 */
public record BackendStats(Backend backend, BackendStatus status, int target, int idle, int claimed,
        int connecting, int consecutiveFailures, long connectsSucceeded, long connectsFailed, long claims,
        Throwable lastError, double score, long uses, long useFailures, long ejections, String reason) {

    /**
     * The stats without use health (score 1.0, no uses, ejections or reason): the shape before use outcomes
     * were tracked, kept for code that builds stats itself.
     *
     * @param backend             the backend
     * @param status              its status
     * @param target              its target
     * @param idle                idle connections
     * @param claimed             claimed connections
     * @param connecting          connects in flight
     * @param consecutiveFailures connect failures in a row
     * @param connectsSucceeded   connections opened, ever
     * @param connectsFailed      connect attempts failed, ever
     * @param claims              claims served, ever
     * @param lastError           its last connect error, or null
     */
    public BackendStats(Backend backend, BackendStatus status, int target, int idle, int claimed, int connecting,
            int consecutiveFailures, long connectsSucceeded, long connectsFailed, long claims, Throwable lastError) {
        this(backend, status, target, idle, claimed, connecting, consecutiveFailures, connectsSucceeded,
                connectsFailed, claims, lastError, 1.0, 0, 0, 0, null);
    }

    /** @return idle plus claimed connections (open ones) */
    public int open() {
        return idle + claimed;
    }
}
