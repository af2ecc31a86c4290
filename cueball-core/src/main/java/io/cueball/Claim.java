package io.cueball;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One use of one pooled connection, from {@link ConnectionPool#claim()} until {@link #close()}.
 *
 * <pre>{@code
 * try (var claim = pool.claim()) {
 *     use(claim.connection());
 * }                                  // released: back to the pool
 * }</pre>
 *
 * <p>If the connection turned out to be broken, call {@link #discard()} inside the try block: the pool closes
 * it, counts a failure against its backend and opens a replacement. (A connection that knows it is broken,
 * {@link Connection#isBroken()}, is discarded on release anyway; {@code discard()} is for what only the
 * application can tell, such as a protocol out of step.)
 *
 * <p>A claim belongs to the code that made it. {@code close()} and {@code discard()} are idempotent and safe
 * to call from any thread; once either has been called, {@link #connection()} throws, so a stale reference
 * can never reach a connection that another claim now holds.
 *
 * @param <C> the type of connection
 */
public final class Claim<C extends Connection> implements AutoCloseable {

    // The life of a claim. A claim that has to wait for a connection is the waiter itself (one allocation
    // per claim, waiting or not): WAITING until a release hands it a slot (ACTIVE), its timeout or an
    // interrupt cancels it (CANCELLED) or the pool fails or closes (FAILED). ACTIVE ends in CLOSED. A claim that
    // waits long becomes URGENT, which is WAITING too.
    static final int WAITING = 0;
    static final int ACTIVE = 1;
    static final int CLOSED = 2;
    static final int CANCELLED = 3;
    static final int FAILED = 4;
    /**
     * Still waiting, and long enough to be handed a connection in queue order rather than race for one. Only
     * the waiting thread moves WAITING to URGENT, by compare-and-set, so a handoff or failure written under the
     * pool lock always wins.
     */
    static final int URGENT = 5;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Claim.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final PoolEngine<C> engine;
    /** The claiming thread, unparked when a release hands this claim a slot. */
    final Thread thread;
    /** Written under the pool lock before {@code state} becomes ACTIVE; the volatile write publishes it. */
    Slot<C> slot;
    /** Written under the pool lock before {@code state} becomes FAILED. */
    RuntimeException failure;
    volatile int state;

    /**
     * A new claim of the current thread, WAITING (the field's default: no volatile write). Made before the pool's
     * lock is taken, to keep the allocation out of the critical section.
     */
    Claim(PoolEngine<C> engine) {
        this.engine = engine;
        this.thread = Thread.currentThread();
    }

    /**
     * Serves a claim at once, under the pool's lock, before the claim has left its thread: a release store is
     * enough (no fence), and still publishes the slot to a thread the claim is later handed to.
     */
    void serve(Slot<C> s) {
        this.slot = s;
        STATE.setRelease(this, ACTIVE);
    }

    /** Hands a waiting claim a slot, under the pool lock; the volatile write publishes the slot. */
    void handOver(Slot<C> s) {
        this.slot = s;
        this.state = ACTIVE;
    }

    /** Fails a waiting claim, under the pool lock; the volatile write publishes the failure. */
    void fail(RuntimeException e) {
        this.failure = e;
        this.state = FAILED;
    }

    /** A waiting claim gives up (timeout or interrupt), under the pool lock. */
    void cancel() {
        this.state = CANCELLED;
    }

    /**
     * The claimed connection.
     *
     * @return the connection
     * @throws IllegalStateException if this claim was closed or discarded
     */
    public C connection() {
        if (state != ACTIVE) {
            throw new IllegalStateException("claim on backend " + slot.backend.key
                    + " is already released; claim a connection again instead of keeping it");
        }
        return slot.connection;
    }

    /**
     * The backend the connection belongs to. Available after the claim is closed too, for logging.
     *
     * @return the backend
     */
    public Backend backend() {
        return slot.backend.backend;
    }

    /** Releases the connection back to the pool. Idempotent. */
    @Override
    public void close() {
        if (STATE.compareAndSet(this, ACTIVE, CLOSED)) {
            engine.release(this, PoolEngine.Disposition.RETURN);
        }
    }

    /**
     * Gives the connection up as broken: the pool closes it, counts a failure against its backend and opens
     * a replacement. A later {@link #close()} does nothing; so does this method after a close.
     */
    public void discard() {
        if (STATE.compareAndSet(this, ACTIVE, CLOSED)) {
            engine.release(this, PoolEngine.Disposition.DISCARD);
        }
    }

    /** WAITING or URGENT: queued for a connection, not yet served, failed or cancelled. */
    boolean isWaiting() {
        int s = state;
        return s == WAITING || s == URGENT;
    }

    boolean isUrgent() {
        return state == URGENT;
    }

    /** Called by the waiting thread only. */
    void markUrgent() {
        if (state == WAITING) {
            STATE.compareAndSet(this, WAITING, URGENT);
        }
    }

    /** Closes a claim the pool itself gave up on (a stale connection found at claim time). */
    boolean closeStale() {
        return STATE.compareAndSet(this, ACTIVE, CLOSED);
    }

    @Override
    public String toString() {
        String where = slot == null ? "none yet" : slot.backend.key;
        String what = switch (state) {
            case WAITING, URGENT -> "waiting";
            case ACTIVE -> "active";
            case CLOSED -> "released";
            case CANCELLED -> "cancelled";
            default -> "failed";
        };
        return "Claim{backend=" + where + ", " + what + "}";
    }
}
