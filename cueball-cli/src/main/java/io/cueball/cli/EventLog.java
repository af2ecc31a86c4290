package io.cueball.cli;

import io.cueball.Backend;
import io.cueball.PoolListener;
import io.cueball.PoolState;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Listens to a pool for the live view: the recent notable events, in full (the view clips a backend's reason to
 * fit its row; the event that set it keeps the whole text), and when backends died, came back, were ejected and
 * restored.
 */
final class EventLog implements PoolListener {
    /** Events kept for the view: enough that an ejection is still on screen after the rebalance it causes. */
    static final int KEPT = 5;
    private final long start = System.nanoTime();
    private final ReentrantLock lock = new ReentrantLock();
    private final Set<String> seen = new LinkedHashSet<>();
    private final Deque<String> recent = new ArrayDeque<>();
    final Map<String, Long> deadAt = new ConcurrentHashMap<>();
    final Map<String, Long> aliveAt = new ConcurrentHashMap<>();
    final Map<String, Long> ejectedAt = new ConcurrentHashMap<>();
    final Map<String, Long> restoredAt = new ConcurrentHashMap<>();
    /** Whether the pool has been RUNNING at some point: a watch that never got there failed. */
    private volatile boolean reachedRunning;
    /** The resolver's last failure, explained; null if it never failed. */
    private volatile String lastResolverFailure;

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
            if (recent.size() == KEPT) {
                recent.removeFirst();
            }
            recent.addLast(String.format(Locale.ROOT, "%6.1fs %s", elapsedNanos() / 1e9, what));
        } finally {
            lock.unlock();
        }
    }

    /** The last event, or "" before the first. */
    String last() {
        lock.lock();
        try {
            return recent.isEmpty() ? "" : recent.getLast();
        } finally {
            lock.unlock();
        }
    }

    /** The last {@link #KEPT} events at most, oldest first. */
    List<String> recent() {
        lock.lock();
        try {
            return List.copyOf(recent);
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
        note("backend " + b.key() + " is dead: " + describe(lastError));
    }

    @Override
    public void backendAlive(Backend b) {
        aliveAt.putIfAbsent(b.key(), elapsedNanos());
        note("backend " + b.key() + " is alive again");
    }

    @Override
    public void backendEjected(Backend b, String reason, Duration ejectionTime) {
        ejectedAt.putIfAbsent(b.key(), elapsedNanos());
        note("backend " + b.key() + " ejected for " + seconds(ejectionTime) + ": "
                + (reason == null || reason.isBlank() ? "no reason given" : reason));
    }

    @Override
    public void backendRestored(Backend b) {
        restoredAt.putIfAbsent(b.key(), elapsedNanos());
        note("backend " + b.key() + " restored");
    }

    @Override
    public void stateChanged(PoolState from, PoolState to) {
        if (to == PoolState.RUNNING) {
            reachedRunning = true;
        }
        note("pool " + from + " -> " + to);
    }

    @Override
    public void resolverFailed(Throwable cause) {
        lastResolverFailure = Main.explain(cause);
        note("resolver failed: " + describe(cause));
    }

    /** True once the pool has reported reaching RUNNING. */
    boolean reachedRunning() {
        return reachedRunning;
    }

    /** The resolver's last failure in one line, or null if it has not failed. */
    String lastResolverFailure() {
        return lastResolverFailure;
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

    /**
     * An error in a few words: its message, else its cause's, else its class (a bare
     * {@code SocketTimeoutException} has no message; "null" tells a reader nothing).
     */
    static String describe(Throwable error) {
        Throwable t = error;
        for (int depth = 0; t != null && depth < 8; depth++, t = t.getCause()) { // 8: a cause cycle ends too
            String message = t.getMessage();
            if (message != null && !message.isBlank()) {
                return message;
            }
        }
        return error == null ? "no error given" : error.getClass().getSimpleName();
    }

    /** "30 s", "2.5 s", "250 ms". */
    static String seconds(Duration d) {
        long ms = d.toMillis();
        if (ms < 1_000) {
            return ms + " ms";
        }
        return ms % 1_000 == 0 ? ms / 1_000 + " s" : String.format(Locale.ROOT, "%.1f s", ms / 1e3);
    }
}
