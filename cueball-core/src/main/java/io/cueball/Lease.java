package io.cueball;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One use of a shared connection of a {@link ConnectionSet}, from {@link ConnectionSet#acquire()} until
 * {@link #close()}. Unlike a {@link Claim}, a lease does not hold its connection alone: other leases use it at the
 * same time (one request each on a multiplexed connection), so a lease must not change the connection's state for
 * the others.
 *
 * <pre>{@code
 * try (var lease = set.acquire()) {
 *     Response r = lease.connection().send(request).get(2, SECONDS);
 * }                                   // a success of its backend
 * }</pre>
 *
 * <p><b>Outcomes.</b> Each lease is one use outcome of its backend, as a claim is (see the README's "Health"):
 * {@link #close()} is a success, {@link #fail(Throwable)} a failure that leaves the connection in service (a
 * request timed out or was refused), {@link #report(double)} grades the use before the close, and
 * {@link #discard(Throwable)} is a failure of the connection itself: it takes no new lease and is replaced once
 * its leases end. A connection that says {@link Connection#isBroken()} when a lease ends is treated as discarded.
 * Failures lower its backend's score and can get it ejected; they never make it dead.
 *
 * <p>{@link #abandon()} ends it with no outcome, for a use that never reached the backend (refused by the connection
 * itself, such as a multiplexed connection at its limit of requests in flight).
 *
 * <p><b>A connection that breaks</b> is one use failure of its backend, however many leases were using it: the
 * set records it when it gives the broken connection back, and a lease that then ends with {@code fail()} or
 * {@code discard()} on it adds nothing of its own (a multiplexed connection fails every request in flight, and
 * twenty requests on one broken connection must not eject a backend that broke once).
 *
 * <p>{@code close()}, {@code fail()}, {@code discard()} and {@code abandon()} end the lease once; later calls do
 * nothing. They are safe from any thread and take no lock unless the lease was a failure or its connection is
 * draining.
 *
 * @param <C> the type of connection
 */
public final class Lease<C extends Connection> implements AutoCloseable {
    private static final VarHandle ENDED;

    static {
        try {
            ENDED = MethodHandles.lookup().findVarHandle(Lease.class, "ended", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final SetEngine<C> set;
    final SharedConnection<C> shared;
    /** What {@link #report(double)} gave; 1.0 if nothing. Written by the lease's holder before it ends it. */
    private volatile double reported = 1.0;
    @SuppressWarnings("unused") // through ENDED
    private volatile boolean ended;

    Lease(SetEngine<C> set, SharedConnection<C> shared) {
        this.set = set;
        this.shared = shared;
    }

    /**
     * The leased connection, shared with other leases. A lease still in use when its draining connection reaches
     * {@code drainTimeout}, or when the set's {@code closeTimeout} passes, is cut: the connection is closed under
     * it (the listener's {@code leasesCut} counts it) and this still returns it, closed, so its own methods fail
     * as a closed connection's do; end the lease as usual.
     *
     * @return the connection
     * @throws IllegalStateException if this lease has ended
     */
    public C connection() {
        if (ended) {
            throw new IllegalStateException("lease of connection " + shared.id
                    + " has ended; acquire a lease again instead of keeping it");
        }
        return shared.connection;
    }

    /**
     * The connection's backend; available after the lease ended too, for logging.
     *
     * @return the backend
     */
    public Backend backend() {
        return shared.backend;
    }

    /**
     * The connection's id within the set (its backend's key and a serial number), as
     * {@link ConnectionSetListener} and {@link ConnectionSetStats} name it.
     *
     * @return the id
     */
    public String connectionId() {
        return shared.id;
    }

    /** Ends the lease as a success (or with the score {@link #report(double)} gave). Idempotent. */
    @Override
    public void close() {
        if (ENDED.compareAndSet(this, false, true)) {
            set.leaseEnded(this, true, false, reported, null, false);
        }
    }

    /**
     * Ends the lease as a failed use of its backend (a request that timed out, was refused or answered wrongly),
     * keeping the connection in service for the other leases. If the connection says it is broken
     * ({@link Connection#isBroken()}), it is also replaced, as with {@link #discard(Throwable)}.
     *
     * @param cause what failed, shown as the reason if the backend is ejected; may be null
     */
    public void fail(Throwable cause) {
        if (ENDED.compareAndSet(this, false, true)) {
            set.leaseEnded(this, true, true, 0.0, cause, false);
        }
    }

    /**
     * Ends the lease as a failure of the connection itself (out of step, or broken in a way it cannot tell): a use
     * failure of its backend, and the connection takes no new lease; it is closed and replaced once its other
     * leases end.
     *
     * @param cause what went wrong; may be null
     */
    public void discard(Throwable cause) {
        if (ENDED.compareAndSet(this, false, true)) {
            set.leaseEnded(this, true, true, 0.0, cause == null ? new CueballException("connection " + shared.id
                    + " discarded by a lease") : cause, true);
        }
    }

    /**
     * Ends the lease with no outcome: neither a success nor a failure of its backend. For a use that never
     * reached the backend, such as a request the connection refused before sending it because too many were in
     * flight. The connection stays in service; if it says {@link Connection#isBroken()}, it is replaced (and its
     * break counted once), as when any lease ends. Idempotent.
     */
    public void abandon() {
        if (ENDED.compareAndSet(this, false, true)) {
            set.leaseEnded(this, false, false, 1.0, null, false);
        }
    }

    /**
     * Grades this use for the backend's score before {@link #close()}, as {@link Claim#report(double)} does: 1 a
     * full success, 0 a failure, between them a partial success such as a slow answer.
     *
     * @param score the outcome, in [0, 1]
     * @throws IllegalArgumentException if the score is NaN or outside [0, 1]
     * @throws IllegalStateException    if the lease has ended
     */
    public void report(double score) {
        if (!(score >= 0.0 && score <= 1.0)) {
            throw new IllegalArgumentException("score: " + score + " (expected: 0 to 1)");
        }
        if (ended) {
            throw new IllegalStateException("lease of connection " + shared.id
                    + " has ended; report its score before closing it");
        }
        reported = score;
    }

    /** @return whether the lease has ended */
    public boolean isEnded() {
        return ended;
    }

    @Override
    public String toString() {
        return "Lease{" + shared.id + (ended ? ", ended" : ", active") + "}";
    }
}
