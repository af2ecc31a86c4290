package io.cueball.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Makes daemon threads named {@code cueball-<pool>-<role>-N} and remembers them, so that the pool can join
 * every thread it started before {@code close()} returns (an executor's termination alone does not mean its
 * threads have exited).
 */
public final class NamedThreadFactory implements ThreadFactory {
    private final String prefix;
    private final AtomicInteger counter = new AtomicInteger();
    private final ReentrantLock lock = new ReentrantLock();
    private final List<Thread> threads = new ArrayList<>();

    /**
     * @param pool the pool's name
     * @param role what the threads do, for example {@code connect}
     */
    public NamedThreadFactory(String pool, String role) {
        this.prefix = "cueball-" + pool + "-" + role + "-";
    }

    @Override
    public Thread newThread(Runnable task) {
        Thread thread = new Thread(task, prefix + counter.incrementAndGet());
        thread.setDaemon(true);
        lock.lock();
        try {
            threads.removeIf(t -> t.getState() == Thread.State.TERMINATED);
            threads.add(thread);
        } finally {
            lock.unlock();
        }
        return thread;
    }

    /**
     * @param thread a thread
     * @return whether this factory made it (a pool must not wait for its own thread to finish)
     */
    public boolean owns(Thread thread) {
        return thread.getName().startsWith(prefix);
    }

    /**
     * Waits for every thread made here to exit.
     *
     * @param timeout the longest wait in all
     * @param unit    its unit
     * @return true if all have exited
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean joinAll(long timeout, TimeUnit unit) throws InterruptedException {
        List<Thread> copy;
        lock.lock();
        try {
            copy = new ArrayList<>(threads);
        } finally {
            lock.unlock();
        }
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (Thread t : copy) {
            if (t == Thread.currentThread()) {
                continue;
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                return !anyAlive(copy);
            }
            TimeUnit.NANOSECONDS.timedJoin(t, remaining);
        }
        return !anyAlive(copy);
    }

    private static boolean anyAlive(List<Thread> threads) {
        for (Thread t : threads) {
            if (t.isAlive() && t != Thread.currentThread()) {
                return true;
            }
        }
        return false;
    }
}
