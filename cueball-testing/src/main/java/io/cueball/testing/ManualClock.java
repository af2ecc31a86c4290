package io.cueball.testing;

import io.cueball.PoolClock;
import java.time.Duration;
import java.util.PriorityQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link PoolClock} that only moves when a test says so. Scheduled tasks run on the thread that calls
 * {@link #advance(Duration)}, in time order, each with the clock set to its own instant, so a test steps a
 * pool through exact moments: "at 99 ms nothing, at 100 ms one rebalance".
 *
 * <p>Thread-safe: pool threads may read and schedule while a test advances. Tasks run outside the clock's
 * lock.
 *
 * <p>The next task is not always the one a test has in mind: besides its rebalances, backoff retries and
 * housekeeping, a fixed-size pool whose claims read no clock runs a pass every quarter of
 * {@link io.cueball.PoolOptions#CHECK_ON_CLAIM_AFTER_IDLE} while its connections are in use and for about a second
 * after (it stands in for the clock in check-on-claim). To reach a given event, step from task to task until it
 * has happened rather than assuming {@link #untilNextTask()} leads to it.
 */
public final class ManualClock implements PoolClock {
    private final ReentrantLock lock = new ReentrantLock();
    private final PriorityQueue<Task> tasks = new PriorityQueue<>();
    private long now;
    private long sequence;

    /** A clock starting at an arbitrary non-zero instant (code must not assume time starts at zero). */
    public ManualClock() {
        this(1_000_000_000_000L);
    }

    /** @param startNanos the initial reading */
    public ManualClock(long startNanos) {
        this.now = startNanos;
    }

    @Override
    public long nanoTime() {
        lock.lock();
        try {
            return now;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Timer schedule(Runnable task, long delayNanos) {
        lock.lock();
        try {
            Task t = new Task(now + Math.max(0, delayNanos), sequence++, task);
            tasks.add(t);
            return () -> {
                lock.lock();
                try {
                    tasks.remove(t);
                } finally {
                    lock.unlock();
                }
            };
        } finally {
            lock.unlock();
        }
    }

    /**
     * Moves the clock forward, running every task that falls due on the way (including tasks those tasks
     * schedule within the window).
     *
     * @param duration how far, {@code >= 0}
     */
    public void advance(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("duration: " + duration + " (expected: >= 0)");
        }
        long target;
        lock.lock();
        try {
            target = now + duration.toNanos();
        } finally {
            lock.unlock();
        }
        for (;;) {
            Task due;
            lock.lock();
            try {
                due = tasks.peek();
                if (due == null || due.at > target) {
                    now = target;
                    return;
                }
                tasks.poll();
                now = Math.max(now, due.at);
            } finally {
                lock.unlock();
            }
            due.task.run();
        }
    }

    /** Runs the tasks due now (for example those scheduled with no delay) without moving the clock. */
    public void runDue() {
        advance(Duration.ZERO);
    }

    /** @return how many tasks are waiting */
    public int pendingTasks() {
        lock.lock();
        try {
            return tasks.size();
        } finally {
            lock.unlock();
        }
    }

    /** @return the time until the earliest waiting task, or null if none */
    public Duration untilNextTask() {
        lock.lock();
        try {
            Task t = tasks.peek();
            return t == null ? null : Duration.ofNanos(t.at - now);
        } finally {
            lock.unlock();
        }
    }

    private record Task(long at, long seq, Runnable task) implements Comparable<Task> {
        @Override
        public int compareTo(Task o) {
            int c = Long.compare(at, o.at);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }
}
