package io.cueball.cli;

import io.cueball.Backend;
import io.cueball.PoolListener;
import io.cueball.PoolState;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/** Listens to a pool for the live view: the last notable event, and when backends died and came back. */
final class EventLog implements PoolListener {
    private final long start = System.nanoTime();
    private final ReentrantLock lock = new ReentrantLock();
    private final Set<String> seen = new LinkedHashSet<>();
    private String last = "";
    final Map<String, Long> deadAt = new ConcurrentHashMap<>();
    final Map<String, Long> aliveAt = new ConcurrentHashMap<>();

    /** The instant (System.nanoTime) all elapsed times of this run are measured from. */
    long originNanos() {
        return start;
    }

    long elapsedNanos() {
        return System.nanoTime() - start;
    }

    /** Records a line for the view ("story" steps as well as pool events). */
    void note(String what) {
        lock.lock();
        try {
            last = String.format("%6.1fs %s", elapsedNanos() / 1e9, what);
        } finally {
            lock.unlock();
        }
    }

    String last() {
        lock.lock();
        try {
            return last;
        } finally {
            lock.unlock();
        }
    }

    /** Every backend key the pool ever reported, in order. */
    List<String> seen() {
        lock.lock();
        try {
            return List.copyOf(seen);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void backendAdded(Backend b) {
        lock.lock();
        try {
            seen.add(b.key());
        } finally {
            lock.unlock();
        }
        note("backend " + b.key() + " added");
    }

    @Override
    public void backendRemoved(Backend b) {
        note("backend " + b.key() + " removed");
    }

    @Override
    public void backendDead(Backend b, Throwable lastError) {
        deadAt.putIfAbsent(b.key(), elapsedNanos());
        note("backend " + b.key() + " is dead: " + lastError.getMessage());
    }

    @Override
    public void backendAlive(Backend b) {
        aliveAt.putIfAbsent(b.key(), elapsedNanos());
        note("backend " + b.key() + " is alive again");
    }

    @Override
    public void stateChanged(PoolState from, PoolState to) {
        note("pool " + from + " -> " + to);
    }

    @Override
    public void resolverFailed(Throwable cause) {
        note("resolver failed: " + cause.getMessage());
    }

    @Override
    public void rebalanced(Map<Backend, Integer> targets) {
        StringBuilder s = new StringBuilder("rebalanced:");
        targets.forEach((b, n) -> s.append(' ').append(n));
        note(s.toString());
    }

    @Override
    public void claimTimedOut(Duration waited) {
        note("a claim timed out after " + waited.toMillis() + " ms");
    }
}
