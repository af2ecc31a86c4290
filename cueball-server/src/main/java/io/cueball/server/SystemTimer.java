package io.cueball.server;

import io.cueball.PoolClock;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pool's real clock when none is injected: {@link System#nanoTime()} and one daemon timer thread, started on
 * the first timer, stopped and joined by {@link #close()}. (cueball-core's {@code SystemClock} does the same for
 * connection pools but lives in its internal package, which is not exported to this module.)
 */
final class SystemTimer implements PoolClock, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SystemTimer.class);
    private static final Timer NOT_SCHEDULED = () -> { };

    private final ScheduledThreadPoolExecutor timer;
    private final AtomicReference<Thread> thread = new AtomicReference<>();

    /** @param threadName the timer thread's name, {@code cueball-server-<pool>-timer} */
    SystemTimer(String threadName) {
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            thread.set(t);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true); // cancelled timers must not pile up in the queue
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
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
                    log.warn("worker pool timer task failed", e); // keeps the thread for the next timer
                }
            }, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
            return () -> future.cancel(false);
        } catch (RejectedExecutionException e) {
            return NOT_SCHEDULED; // closed: the pool is stopping and needs no more timers
        }
    }

    /**
     * Stops the timer thread and waits up to the timeout for it to exit (not when called on it).
     *
     * @param timeoutNanos the longest wait
     * @return whether the thread has exited (or never started)
     * @throws InterruptedException if interrupted while waiting
     */
    boolean close(long timeoutNanos) throws InterruptedException {
        timer.shutdownNow();
        Thread t = thread.get();
        if (t == null || t == Thread.currentThread()) {
            return t == null;
        }
        TimeUnit.NANOSECONDS.timedJoin(t, timeoutNanos);
        return !t.isAlive();
    }

    @Override
    public void close() {
        try {
            close(TimeUnit.SECONDS.toNanos(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
