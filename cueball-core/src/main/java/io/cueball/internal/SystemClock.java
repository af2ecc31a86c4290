package io.cueball.internal;

import io.cueball.PoolClock;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real clock: {@link System#nanoTime()} and one daemon timer thread, {@code cueball-<pool>-timer-1},
 * owned by one pool and stopped when that pool closes.
 */
public final class SystemClock implements PoolClock, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SystemClock.class);
    private static final Timer NOT_SCHEDULED = () -> { };

    private final NamedThreadFactory threads;
    private final ScheduledThreadPoolExecutor timer;

    /** @param poolName the owning pool's name, for the thread's name */
    public SystemClock(String poolName) {
        this.threads = new NamedThreadFactory(poolName, "timer");
        this.timer = new ScheduledThreadPoolExecutor(1, threads);
        timer.setRemoveOnCancelPolicy(true); // cancelled retries and debounces must not pile up in the queue
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        timer.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public Timer schedule(Runnable task, long delayNanos) {
        try {
            ScheduledFuture<?> future = timer.schedule(() -> {
                try {
                    task.run();
                } catch (RuntimeException | Error e) {
                    // The pool logs its own task failures; this only keeps the timer thread alive for the rest.
                    log.debug("cueball timer task failed", e);
                }
            }, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
            return () -> future.cancel(false);
        } catch (RejectedExecutionException e) {
            return NOT_SCHEDULED; // shut down: the pool is closing and no longer needs timers
        }
    }

    /** Stops the timer thread and waits for it to exit (unless called on it). */
    @Override
    public void close() {
        timer.shutdownNow();
        if (threads.owns(Thread.currentThread())) {
            return; // closed from a timer task: the thread exits when that task returns
        }
        try {
            timer.awaitTermination(10, TimeUnit.SECONDS);
            threads.joinAll(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
