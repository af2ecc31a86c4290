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
 * <p><b>Outcomes.</b> How each claim went is how the pool judges a backend's service (its <em>score</em>, see
 * {@link BackendStats#score()} and the README's "Health" section): {@link #close()} is a success;
 * {@link #discard()} and {@link #fail(Throwable)} are failures, which close the connection and open a
 * replacement; {@link #report(double)} grades the use before the close (pooly's {@code Release(&err, score)}).
 * A connection that knows it is broken ({@link Connection#isBroken()}) or whose reset fails is discarded on
 * release anyway. Use failures lower a backend's score and can get it ejected as an outlier; they never make
 * it dead (only connect failures do).
 *
 * <pre>{@code
 * try (var claim = pool.claim()) {
 *     try {
 *         call(claim.connection());
 *     } catch (SocketTimeoutException e) {
 *         claim.fail(e);                 // the connection is out of step: closed, a failure of its backend
 *         throw e;
 *     }
 * }
 * }</pre>
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
     * pool lock always wins. A WAITING claim that has been first in the queue long enough is handed one too,
     * without becoming URGENT (HEAD URGENT in Waiters).
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
    /**
     * Why the claim failed: written under the pool lock before {@code state} becomes FAILED (a RuntimeException,
     * thrown to the waiting thread), or by {@link #fail(Throwable)} before the state leaves ACTIVE (the use's
     * cause, for its backend's reason). The two never meet: a claim that failed waiting was never ACTIVE. One
     * field, so that a claim stays 32 bytes; a reported score lives in the slot (Slot.reported).
     */
    Throwable failure;
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
    void failWaiting(RuntimeException e) {
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
     * Gives the connection up as broken: the pool closes it, counts a use failure against its backend (its score,
     * never its connect health) and opens a replacement. A later {@link #close()} does nothing; so does this
     * method after a close. The same as {@link #fail(Throwable)} without a cause.
     */
    public void discard() {
        if (STATE.compareAndSet(this, ACTIVE, CLOSED)) {
            engine.release(this, PoolEngine.Disposition.DISCARD);
        }
    }

    /**
     * Ends the claim as a failed use: the pool closes the connection (it may be out of step), counts a use
     * failure against its backend with this cause (shown as the reason if the backend is ejected) and opens a
     * replacement. Use it when a call on the connection failed in a way that may be the backend's fault: a
     * timeout, a reset, a protocol error. A later {@link #close()} does nothing; so does this method after a
     * close or discard.
     *
     * @param cause what failed; may be null
     */
    public void fail(Throwable cause) {
        if (state == ACTIVE) {
            failure = cause; // before the CAS below publishes it to the releasing path
            if (STATE.compareAndSet(this, ACTIVE, CLOSED)) {
                engine.release(this, PoolEngine.Disposition.DISCARD);
            }
        }
    }

    /**
     * Grades this use, for the backend's score, before {@link #close()} (pooly's {@code Release(&err, score)}):
     * 1 is a full success (what a plain close records), 0 a failure that leaves the connection usable (an
     * application error the backend answered slowly or wrongly), anything between a partial success such as a
     * slow answer. The connection is still returned on close; the last report before it counts. Call it from the
     * thread that holds the claim.
     *
     * @param score the outcome, in [0, 1]
     * @throws IllegalArgumentException if the score is NaN or outside [0, 1] (the message gives the value)
     * @throws IllegalStateException    if the claim was already closed, discarded or failed
     */
    public void report(double score) {
        if (!(score >= 0.0 && score <= 1.0)) {
            throw new IllegalArgumentException("score: " + score + " (expected: 0 to 1)");
        }
        if (state != ACTIVE) {
            throw new IllegalStateException("claim on backend " + (slot == null ? "none" : slot.backend.key)
                    + " is already released; report its score before closing it");
        }
        slot.reported = score; // the slot is this claim's while it is ACTIVE
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
