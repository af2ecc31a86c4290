package io.cueball.cli;

import io.cueball.Claim;
import io.cueball.Connection;
import io.cueball.ConnectionPool;
import io.cueball.CueballException;
import io.cueball.conn.tcp.TcpConnection;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Worker threads that claim, use and release connections, recording what the live view shows: claims served,
 * failures (with when they happened) and how long claims waited.
 */
final class Load<C extends Connection> implements AutoCloseable {

    /** What a worker does with each connection it claims; an exception fails the claim (the pool replaces it). */
    @FunctionalInterface
    interface Work<C> {
        void use(C connection, Random random) throws Exception;
    }

    /**
     * Writes a byte and reads it back (the demo's echo servers). A backend at capacity answers a connection with
     * the line {@code BUSY} and closes it: the byte sent is never {@code 'B'}, so that answer is never taken for
     * an echo.
     */
    static final Work<TcpConnection> ECHO = (c, random) -> {
        int b = random.nextInt(127);
        if (b >= 'B') {
            b++;
        }
        c.output().write(b);
        c.output().flush();
        int echoed = c.input().read();
        if (echoed != b) {
            throw new IOException(echoed < 0 ? "connection closed by the backend"
                    : echoed == 'B' ? "answered BUSY: the backend is at capacity" : "echo mismatch");
        }
    };

    private final ConnectionPool<C> pool;
    private final Work<C> work;
    private final long holdNanos;
    private final long startNanos;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stop;

    final LongAdder served = new LongAdder();
    final LongAdder failed = new LongAdder();
    final Map<String, LongAdder> servedPerBackend = new ConcurrentHashMap<>();
    /**
     * Claims that got a connection, per backend, whatever the use's outcome: where the pool's choice sent the
     * work (a failed use counts here, not in {@link #servedPerBackend}).
     */
    final Map<String, LongAdder> claimedPerBackend = new ConcurrentHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private long[] waits = new long[1024];
    private int waitCount;
    private final List<Failure> failures = new ArrayList<>();
    private String lastFailure;

    /**
     * One failure: a claim that failed (no backend) or a use that failed on a backend.
     *
     * @param at      when, in nanoseconds since the event log's origin
     * @param backend the backend's key for a failed use; null for a failed claim
     */
    record Failure(long at, String backend) {
    }

    /**
     * @param work what to do with each claimed connection (null: only hold it)
     * @param hold how long a claim is held, on average
     */
    Load(ConnectionPool<C> pool, int workers, Work<C> work, Duration hold, long seed, EventLog events) {
        this.pool = pool;
        this.work = work;
        this.holdNanos = hold.toNanos();
        this.startNanos = events.originNanos(); // failure times and the story's times share one origin
        for (int i = 0; i < workers; i++) {
            Random random = new Random(seed + i);
            Thread t = new Thread(() -> work(random), "demo-worker-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
    }

    Load<C> start() {
        threads.forEach(Thread::start);
        return this;
    }

    private void work(Random random) {
        while (!stop) {
            long t0 = System.nanoTime();
            Claim<C> claim;
            try {
                claim = pool.claim();
            } catch (CueballException e) {
                fail(null, Main.explain(e));
                if (stop) {
                    return;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // do not spin while the pool is failing
                continue;
            }
            recordWait(System.nanoTime() - t0);
            claimedPerBackend.computeIfAbsent(claim.backend().key(), k -> new LongAdder()).increment();
            try (claim) {
                try {
                    if (work != null) {
                        work.use(claim.connection(), random);
                    }
                } catch (Exception e) {
                    // inside the try: the pool replaces it instead of handing it out again, and counts the failed
                    // use against the backend with its cause (the reason shown if the backend is ejected)
                    claim.fail(e);
                    String key = claim.backend().key();
                    fail(key, key + ": " + EventLog.describe(e));
                    continue;
                }
                if (holdNanos > 0) {
                    hold((long) (holdNanos * (0.5 + random.nextDouble())));
                }
                served.increment();
                servedPerBackend.computeIfAbsent(claim.backend().key(), k -> new LongAdder()).increment();
            }
        }
    }

    /**
     * Parks for the whole hold: parkNanos may return at once on a permit left by an earlier unpark (the pool's
     * hand-off to a waiting claim may unpark a thread that has already been served), and a hold cut short would
     * make a strategy whose claims wait look faster than it is.
     */
    private static void hold(long nanos) {
        long until = System.nanoTime() + nanos;
        for (long left = nanos; left > 0; left = until - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }

    private void fail(String backend, String what) {
        failed.increment();
        lock.lock();
        try {
            failures.add(new Failure(System.nanoTime() - startNanos, backend));
            lastFailure = what;
        } finally {
            lock.unlock();
        }
    }

    private void recordWait(long nanos) {
        lock.lock();
        try {
            if (waitCount == waits.length) {
                waits = Arrays.copyOf(waits, waits.length * 2);
            }
            waits[waitCount++] = nanos;
        } finally {
            lock.unlock();
        }
    }

    /** The p50 and p99 claim wait, in nanoseconds, since the last call; zeros if there were no claims. */
    long[] takeWaitPercentiles() {
        long[] copy;
        lock.lock();
        try {
            copy = Arrays.copyOf(waits, waitCount);
            waitCount = 0;
        } finally {
            lock.unlock();
        }
        if (copy.length == 0) {
            return new long[] {0, 0};
        }
        Arrays.sort(copy);
        return new long[] {copy[(int) ((copy.length - 1) * 0.50)], copy[(int) ((copy.length - 1) * 0.99)]};
    }

    /** Claims that got a connection so far, per backend key (a snapshot of {@link #claimedPerBackend}). */
    Map<String, Long> claimsPerBackend() {
        Map<String, Long> snapshot = new HashMap<>();
        claimedPerBackend.forEach((key, n) -> snapshot.put(key, n.sum()));
        return snapshot;
    }

    /** Every failure so far, in the order they happened. */
    List<Failure> failures() {
        lock.lock();
        try {
            return List.copyOf(failures);
        } finally {
            lock.unlock();
        }
    }

    String lastFailure() {
        lock.lock();
        try {
            return lastFailure;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        stop = true;
        for (Thread t : threads) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
