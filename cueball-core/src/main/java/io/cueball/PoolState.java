package io.cueball;

/** The lifecycle of a {@link ConnectionPool}. */
public enum PoolState {
    /** Built, but no connection has been opened yet. Claims wait. */
    STARTING,
    /** At least one connection has been opened and not every backend is dead. */
    RUNNING,
    /**
     * Every backend is dead. Waiting and new claims fail with {@link PoolFailedException} instead of hanging;
     * the pool keeps probing each backend and returns to {@code RUNNING} on the first success.
     */
    FAILED,
    /** {@link ConnectionPool#close()} is in progress: claims fail with {@link PoolClosedException}. */
    CLOSING,
    /** Closed; nothing is left running. */
    CLOSED
}
