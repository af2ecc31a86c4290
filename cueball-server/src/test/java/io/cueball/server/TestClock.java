package io.cueball.server;

import io.cueball.PoolClock;
import java.time.Duration;
import java.util.PriorityQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A clock that moves only when a test says so; due tasks run on the thread that calls {@link #advance}. The same
 * idea as cueball-testing's ManualClock, which these tests cannot use: cueball-testing depends on this module
 * (TestTcpServer runs on the WorkerPool), so depending back on it would be a cycle.
 */
final class TestClock implements PoolClock {
    private final ReentrantLock lock = new ReentrantLock();
    private final PriorityQueue<Task> tasks = new PriorityQueue<>();
    private long now = 5_000_000_000_000L; // not zero: code must not assume time starts there
    private long sequence;

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
     * Moves the clock forward, running each task that falls due on the way, at its own instant.
     *
     * @throws AssertionError if tasks keep falling due (a timer that schedules itself again at once would spin)
     */
    void advance(Duration d) {
        int ran = 0;
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
            if (++ran > 10_000) {
                throw new AssertionError("10 000 tasks fell due in one advance: a timer keeps rescheduling itself");
            }
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
