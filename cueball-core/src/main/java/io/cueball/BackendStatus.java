package io.cueball;

/** What the pool thinks of one backend. */
public enum BackendStatus {
    /** Connecting normally; it gets its share of the pool. */
    LIVE,
    /** Too many failures in a row: it keeps one monitor slot that retries with backoff. */
    DEAD,
    /** The resolver removed it; its connections close as they are released. */
    REMOVED
}
