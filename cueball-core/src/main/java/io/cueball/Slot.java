package io.cueball;

/**
 * One open connection and the pool's bookkeeping for it. Every field but the finals is guarded by the pool
 * lock.
 */
final class Slot<C extends Connection> {
    static final int IDLE = 0;
    static final int CLAIMED = 1;
    static final int CHECKING = 2;
    static final int CLOSING = 3;

    final BackendState<C> backend;
    final C connection;
    /** When the pool should replace it ({@code Long.MAX_VALUE}-like when there is no maximum lifetime). */
    final long expiresAt;
    final boolean expires;

    int state;
    /** Last time it was released or passed a health check; a used connection is a checked one. */
    long lastUsedAt;
    /**
     * Claimed while its backend was removed: it no longer counts toward maxConnections (invariant 1's one
     * exception) and closes when released.
     */
    boolean exempt;

    Slot(BackendState<C> backend, C connection, long now, long lifetimeNanos) {
        this.backend = backend;
        this.connection = connection;
        this.lastUsedAt = now;
        this.expires = lifetimeNanos > 0;
        this.expiresAt = now + lifetimeNanos;
    }

    boolean expired(long now) {
        return expires && now - expiresAt >= 0;
    }
}
