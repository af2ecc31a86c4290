package io.cueball;

import java.time.Duration;
import java.util.PriorityQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link PoolClock} that moves only when a test says so. {@link #advance(Duration)} runs the tasks that fall
 * due on the way on the calling thread, in time order (then in the order they were scheduled), each with the
 * clock set to its own instant, and outside the clock's lock, so a task may schedule or cancel others.
 *
 * <p>A copy in miniature of {@code cueball-testing}'s clock: core's tests cannot depend on that module (it
 * depends on core).
 */
final class ManualPoolClock implements PoolClock {
    /** Far from zero, so that code which assumes time starts at zero shows up. */
    static final long START = 1_000_000_000_000L;

    private final ReentrantLock lock = new ReentrantLock();
    private final PriorityQueue<Task> tasks = new PriorityQueue<>();
    private long now = START;
    private long sequence;

    /** How many times {@link #nanoTime()} was read. */
    final java.util.concurrent.atomic.AtomicLong reads = new java.util.concurrent.atomic.AtomicLong();

    @Override
    public long nanoTime() {
        reads.incrementAndGet();
        lock.lock();
        try {
            return now;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Timer schedule(Runnable task, long delayNanos) {
        if (delayNanos < 0) {
            throw new IllegalArgumentException("delayNanos: " + delayNanos + " (expected: >= 0)");
        }
        lock.lock();
        try {
            Task t = new Task(now + delayNanos, sequence++, task);
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

    /** Moves the clock forward by {@code d}, running every task due on the way, each at its own instant. */
    void advance(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("duration: " + d + " (expected: >= 0)");
        }
        long target;
        lock.lock();
        try {
            target = now + d.toNanos();
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

    void advanceNanos(long nanos) {
        advance(Duration.ofNanos(nanos));
    }

    /** Runs what is due now (a task scheduled with no delay, say) without moving the clock. */
    void runDue() {
        advance(Duration.ZERO);
    }

    /** @return the time until the earliest scheduled task, or null if there is none */
    Duration untilNextTask() {
        lock.lock();
        try {
            Task t = tasks.peek();
            return t == null ? null : Duration.ofNanos(t.at - now);
        } finally {
            lock.unlock();
        }
    }

    int pendingTasks() {
        lock.lock();
        try {
            return tasks.size();
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
