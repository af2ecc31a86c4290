package io.cueball.tests;

import static org.awaitility.Awaitility.await;

import io.cueball.Backend;
import io.cueball.Claim;
import io.cueball.ConnectionPool;
import io.cueball.CueballException;
import io.cueball.conn.tcp.TcpConnection;
import io.cueball.testing.TrackingFactory.Tracked;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Worker threads that claim, echo a byte through the connection, and release, until stopped. A connection
 * that fails its round trip is discarded, as an application would. Records what a test asserts on.
 */
final class Workload implements AutoCloseable {
    private final ConnectionPool<Tracked<TcpConnection>> pool;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stop;

    final AtomicLong claims = new AtomicLong();
    final AtomicLong discards = new AtomicLong();
    final AtomicInteger doubleHolders = new AtomicInteger();
    final AtomicLong maxClaimNanos = new AtomicLong();
    final ConcurrentLinkedQueue<CueballException> claimErrors = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
    /** Discards per backend key: round trips that failed on a connection to that backend. */
    final Map<String, AtomicInteger> discardsPerBackend = new ConcurrentHashMap<>();
    final Map<String, AtomicLong> claimsPerBackend = new ConcurrentHashMap<>();

    Workload(ConnectionPool<Tracked<TcpConnection>> pool, int threadCount) {
        this.pool = pool;
        for (int i = 0; i < threadCount; i++) {
            int id = i;
            Thread t = new Thread(() -> run(id), "test-worker-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
    }

    Workload start() {
        threads.forEach(Thread::start);
        return this;
    }

    private void run(int id) {
        int n = 0;
        while (!stop) {
            long started = System.nanoTime();
            Claim<Tracked<TcpConnection>> claim;
            try {
                claim = pool.claim();
            } catch (CueballException e) {
                maxClaimNanos.accumulateAndGet(System.nanoTime() - started, Math::max);
                claimErrors.add(e);
                continue;
            }
            maxClaimNanos.accumulateAndGet(System.nanoTime() - started, Math::max);
            try (claim) {
                Tracked<TcpConnection> c = claim.connection();
                if (!c.hold()) {
                    doubleHolders.incrementAndGet();
                }
                Backend b = claim.backend();
                try {
                    Fixture.roundTrip(c.delegate(), (id * 31 + n++) & 0x7f);
                    claims.incrementAndGet();
                    claimsPerBackend.computeIfAbsent(b.key(), k -> new AtomicLong()).incrementAndGet();
                    c.unhold();
                } catch (UncheckedIOException e) {
                    c.unhold();
                    discards.incrementAndGet();
                    discardsPerBackend.computeIfAbsent(b.key(), k -> new AtomicInteger()).incrementAndGet();
                    claim.discard();
                }
            } catch (RuntimeException | Error e) {
                unexpected.add(e);
            }
        }
    }

    void awaitClaims(long atLeast, Duration within) {
        await().atMost(within.toMillis(), TimeUnit.MILLISECONDS).until(() -> claims.get() >= atLeast);
    }

    /** Stops the workers and waits for them. */
    void stop() {
        stop = true;
        for (Thread t : threads) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        stop();
    }
}
