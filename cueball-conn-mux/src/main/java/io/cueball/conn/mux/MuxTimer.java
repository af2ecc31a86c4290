package io.cueball.conn.mux;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The request timeouts and write watchdogs of one factory's connections: one platform daemon thread,
 * {@code cueball-mux-timer-N}, started when the first connection opens and stopped (and joined) when the last one
 * closes, so that closing every connection leaves no thread behind. Cancelled timeouts leave the queue at once.
 */
final class MuxTimer {
    private static final AtomicInteger TIMERS = new AtomicInteger();

    private final ReentrantLock lock = new ReentrantLock();
    /** Guarded by lock. */
    private ScheduledThreadPoolExecutor executor;
    private Thread thread;
    private int users;

    /** A connection opened: the timer runs while any connection uses it. */
    void acquire() {
        lock.lock();
        try {
            if (users++ == 0) {
                String name = "cueball-mux-timer-" + TIMERS.incrementAndGet();
                ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
                    Thread t = new Thread(r, name);
                    t.setDaemon(true);
                    thread = t; // under lock: the executor makes its one thread on the first schedule, below
                    return t;
                });
                e.setRemoveOnCancelPolicy(true);
                e.prestartCoreThread();
                executor = e;
            }
        } finally {
            lock.unlock();
        }
    }

    /** A connection closed; the last one stops the thread and waits (up to 5 s) for it to exit. */
    void release() {
        ScheduledThreadPoolExecutor e = null;
        Thread t = null;
        lock.lock();
        try {
            if (--users == 0) {
                e = executor;
                t = thread;
                executor = null;
                thread = null;
            }
        } finally {
            lock.unlock();
        }
        if (e != null) {
            e.shutdownNow();
            if (t != null && t != Thread.currentThread()) {
                try {
                    t.join(5_000);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /**
     * Runs the task after the delay; null if the timer is stopped (every connection closed).
     *
     * @param delayNanos the delay
     */
    ScheduledFuture<?> schedule(Runnable task, long delayNanos) {
        return schedule(task, delayNanos, false);
    }

    /**
     * Runs the task every {@code periodNanos} until cancelled; null if the timer is stopped.
     *
     * @param periodNanos the delay before the first run and between runs
     */
    ScheduledFuture<?> scheduleEvery(Runnable task, long periodNanos) {
        return schedule(task, periodNanos, true);
    }

    private ScheduledFuture<?> schedule(Runnable task, long nanos, boolean repeat) {
        ScheduledThreadPoolExecutor e;
        lock.lock();
        try {
            e = executor;
        } finally {
            lock.unlock();
        }
        if (e == null) {
            return null;
        }
        try {
            return repeat ? e.scheduleWithFixedDelay(task, nanos, nanos, TimeUnit.NANOSECONDS)
                    : e.schedule(task, nanos, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            return null;
        }
    }
}
