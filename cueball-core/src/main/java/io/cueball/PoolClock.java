package io.cueball;

/**
 * The pool's time source and timer. Every timed action of the pool (debounced rebalance, decoherence,
 * backoff retries, health checks, idle timeout, maximum lifetime, connect timeout) reads this clock and is
 * scheduled on it, so tests can substitute a manual clock and step through exact instants.
 *
 * <p>Claim timeouts and the close timeout are the exceptions: a thread really waits for them, so they are
 * measured in real time.
 *
 * <p>By default a pool uses a system clock with one daemon thread, {@code cueball-<pool>-timer}, that it
 * stops on close. A clock passed to the builder belongs to the caller and is not stopped by the pool.
 */
public interface PoolClock {

    /**
     * A monotonic time in nanoseconds, comparable only with other values of this clock.
     *
     * @return the current time
     */
    long nanoTime();

    /**
     * Runs the task once after the delay. Tasks are quick and never block; they must be run one at a time
     * (a single timer thread, or the thread that advances a manual clock).
     *
     * @param task       what to run
     * @param delayNanos the delay in nanoseconds, {@code >= 0}
     * @return a handle that cancels the task if it has not run yet
     */
    Timer schedule(Runnable task, long delayNanos);

    /** A scheduled task. */
    @FunctionalInterface
    interface Timer {
        /** Cancels the task if it has not started; does nothing otherwise. */
        void cancel();
    }
}
