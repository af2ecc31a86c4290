package io.cueball;

/** What the pool thinks of one backend. See the README's "Health" section for the two signals behind it. */
public enum BackendStatus {
    /** In service: it gets its share of the pool. */
    LIVE,
    /**
     * {@link PoolOptions#deadAfterFailures()} connect failures in a row: its share moves to the others and it
     * keeps one monitor slot, which probes with a new connect after each backoff delay. A successful connect,
     * health check or use of a connection it still holds makes it live again (revived without a connect, it keeps
     * only its monitor slot until a connect succeeds). Use failures never make a backend dead.
     */
    DEAD,
    /**
     * Ejected as an outlier: its use outcomes failed at or above {@link PoolOptions#ejectionFailureRate()}
     * while its connects succeeded. Its share moves to the others and its one monitor connection is kept out of
     * service until the ejection time ends and a health check of it succeeds. At most
     * {@link PoolOptions#maxEjectionPercent()} of the backends are ejected at once.
     */
    EJECTED,
    /** The resolver removed it; its connections close as they are released. */
    REMOVED
}
