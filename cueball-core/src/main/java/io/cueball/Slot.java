package io.cueball;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One open connection and the pool's bookkeeping for it. The slot belongs to whoever holds it: the idle ring,
 * a claim, or the pool lock (connecting it, checking it, closing it). Its holder writes {@code state},
 * {@code lastUsedAt} and {@code claims}; the handover (the ring's offer and poll, or the lock) publishes them.
 * {@code exempt}, {@code drained} are the lock's alone; {@code retire} is written under the lock and read by
 * anyone (see RETIRE in {@code PoolEngine}).
 */
final class Slot<C extends Connection> extends LeadingPadding {
    static final int IDLE = 0;
    static final int CLAIMED = 1;
    static final int CHECKING = 2;
    static final int CLOSING = 3;
    /**
     * Idle but not in the ring: kept by the thread that released it for its next claim (thread affinity), or
     * refused by the ring for a moment. Whoever moves it out of this state by compare-and-set owns it: that
     * thread, another claim that found the ring empty, or the lock.
     */
    static final int STICKY = 4;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Slot.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final BackendState<C> backend;
    final C connection;
    /** When the pool should replace it ({@code Long.MAX_VALUE}-like when there is no maximum lifetime). */
    final long expiresAt;
    final boolean expires;

    /** Written by the slot's holder; only a STICKY slot is taken by compare-and-set (see {@link #STICKY}). */
    volatile int state;
    /** The lock wants this slot back: its holder must not put it in the ring or use it, but go to the lock. */
    volatile boolean retire;
    /** Taken out of the ring for a locked pass over the idle connections. */
    boolean drained;
    /** Claims served by this connection. */
    long claims;
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

    /** Sets the state without a fence: for a holder whose next handover publishes it. */
    void setState(int next) {
        STATE.setRelease(this, next);
    }

    /** Takes a STICKY slot; true if this thread now holds it (in {@code update} state). */
    boolean unstick(int update) {
        return STATE.compareAndSet(this, STICKY, update);
    }

    boolean expired(long now) {
        return expires && now - expiresAt >= 0;
    }
}
