package io.cueball;

/**
 * Receives the timings a pool measures, for a metrics library (cueball-micrometer's binder is one). Counts and
 * gauges need no recorder: read them from {@link ConnectionPool#stats()} when the metrics system asks. Add one
 * with {@link ConnectionPool#addMetricsRecorder(MetricsRecorder)}; with none, the claim path does nothing more than
 * read an empty array.
 *
 * <p><b>Threads.</b> Each method runs on the thread where the thing happened, synchronously and outside the pool's
 * lock: {@link #claimed} on the claiming thread just before {@code claim()} returns, {@link #released} on the thread
 * that closes the claim, {@link #claimFailed} on the claiming thread just before the exception is thrown, and
 * {@link #connected} and {@link #connectFailed} on the pool's connector thread. They must be quick and must not
 * block or throw (what one throws is logged and dropped, and the pool goes on); they may be called concurrently.
 *
 * <p>Times are in nanoseconds of the pool's clock ({@link PoolClock}: {@link System#nanoTime()} unless a test
 * injected one). Every method has an empty default, so a recorder implements only what it needs.
 */
public interface MetricsRecorder {
    /**
     * A claim was served (HikariCP's "acquire").
     *
     * @param backend   the backend whose connection it got
     * @param waitNanos how long the claim took, from the call until it had its connection (≥ 0)
     */
    default void claimed(Backend backend, long waitNanos) {
    }

    /**
     * A claim ended (HikariCP's "usage"): closed, discarded or failed.
     *
     * @param backend   the backend whose connection it held
     * @param heldNanos how long it was held, from being served until released (≥ 0)
     * @param failed    true for a use failure ({@link Claim#discard()}, {@link Claim#fail(Throwable)}, a broken
     *                  connection or a failed reset), false for a success
     */
    default void released(Backend backend, long heldNanos, boolean failed) {
    }

    /**
     * A claim failed instead of getting a connection: it timed out, was shed by the claim queue's delay control, was
     * refused because too many claims wait ({@link PoolBusyException}), or the pool failed, closed or had no
     * backends. Not called for {@code tryClaim()} finding nothing idle, nor for an interrupted claim.
     *
     * @param error      what the claim throws
     * @param waitedNanos how long it waited (0 if it failed at once)
     */
    default void claimFailed(CueballException error, long waitedNanos) {
    }

    /**
     * A connect succeeded (HikariCP's "creation").
     *
     * @param backend      the backend
     * @param connectNanos how long the factory took to return a ready connection
     */
    default void connected(Backend backend, long connectNanos) {
    }

    /**
     * A connect failed: the factory threw or returned null. (One that outlives {@code connectTimeout} is reported
     * when the factory finally returns or throws.)
     *
     * @param backend      the backend
     * @param connectNanos how long the attempt took
     * @param cause        what the factory threw
     */
    default void connectFailed(Backend backend, long connectNanos, Throwable cause) {
    }
}
