package io.cueball.tests;

import static io.cueball.tests.Fixture.awaitSettled;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cueball.Backend;
import io.cueball.Claim;
import io.cueball.ConnectionPool;
import io.cueball.conn.tcp.TcpConnection;
import io.cueball.testing.ManualResolver;
import io.cueball.testing.TrackingFactory.Tracked;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Thread affinity: a thread gets back the connection it released, for a bounded run, without that costing the
 * pool its turn-taking across connections and backends, and without hiding the connection from anyone else.
 */
class AffinityTest {

    @ParameterizedTest(name = "threadAffinity {0}")
    @ValueSource(ints = {0, 3})
    void aThreadReusesItsConnectionForTheRunThenTakesTheOldestIdleOne(int affinity) {
        try (Fixture f = Fixture.withServers(4)) {
            var pool = f.track(f.builder("run-" + affinity).maxConnections(4).threadAffinity(affinity).build());
            awaitSettled(pool, 4);
            int run = affinity + 1;
            List<Tracked<TcpConnection>> used = new ArrayList<>();
            for (int i = 0; i < 4 * run * 2; i++) {
                try (Claim<Tracked<TcpConnection>> claim = pool.claim()) {
                    used.add(claim.connection());
                }
            }
            for (int i = 0; i < used.size(); i++) {
                assertSame(used.get(i - i % run), used.get(i), "claim " + i + ": runs of " + run + " claims");
            }
            // Run after run, first in, first out: all four connections in turn, then the same turn again.
            List<Tracked<TcpConnection>> heads = new ArrayList<>();
            for (int i = 0; i < used.size(); i += run) {
                heads.add(used.get(i));
            }
            assertEquals(4, heads.subList(0, 4).stream().distinct().count(), "four different connections: " + heads);
            assertEquals(heads.subList(0, 4), heads.subList(4, 8));
        }
    }

    @Test
    void aVirtualThreadKeepsNothingAndTakesTheOldestIdleConnectionEachTime() throws Exception {
        assumeTrue(Runtime.version().feature() >= 21, "virtual threads need Java 21 or later; this is "
                + Runtime.version());
        try (Fixture f = Fixture.withServers(4)) {
            var pool = f.track(f.builder("virtual").maxConnections(4).threadAffinity(3).build());
            awaitSettled(pool, 4);
            // Through reflection: the tests compile for Java 17, which has no virtual threads.
            ExecutorService virtual = (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor")
                    .invoke(null);
            List<Tracked<TcpConnection>> used;
            try {
                used = virtual.submit(() -> {
                    List<Tracked<TcpConnection>> mine = new ArrayList<>();
                    for (int i = 0; i < 8; i++) {
                        try (Claim<Tracked<TcpConnection>> claim = pool.claim()) {
                            mine.add(claim.connection());
                        }
                    }
                    return mine;
                }).get(10, TimeUnit.SECONDS);
            } finally {
                virtual.shutdown();
            }
            // A platform thread would get runs of four; a virtual thread goes round all four, oldest first.
            assertEquals(4, used.subList(0, 4).stream().distinct().count(), "four different connections: " + used);
            assertEquals(used.subList(0, 4), used.subList(4, 8));
        }
    }

    @Test
    void twoThreadsStillSpreadTheirClaimsOverEveryBackend() throws Exception {
        try (Fixture f = Fixture.withServers(4)) {
            var pool = f.track(f.builder("spread").maxConnections(8).build());
            awaitSettled(pool, 8);
            int perThread = 2_000;
            List<CompletableFuture<Void>> threads = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                threads.add(CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < perThread; i++) {
                        pool.claim().close();
                    }
                }, f.async));
            }
            for (CompletableFuture<Void> t : threads) {
                t.get(30, TimeUnit.SECONDS);
            }
            // Were a thread to keep its connection for good, two threads would use two backends at most.
            for (int i = 0; i < 4; i++) {
                long claims = pool.stats().backend(f.backend(i).key()).orElseThrow().claims();
                assertTrue(claims >= 2 * perThread / 4 / 2, "backend " + i + " served " + claims + " of "
                        + 2 * perThread + " claims");
            }
        }
    }

    @Test
    void aKeptConnectionServesAnotherThreadWhenNothingElseIsIdle() throws Exception {
        try (Fixture f = Fixture.withServers(1)) {
            var pool = f.track(f.builder("steal").maxConnections(1).build());
            awaitSettled(pool, 1);
            Tracked<TcpConnection> kept;
            try (Claim<Tracked<TcpConnection>> claim = pool.claim()) {
                kept = claim.connection(); // released: this thread keeps it for its next claim
            }
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<Tracked<TcpConnection>> other = CompletableFuture.supplyAsync(() -> {
                Optional<Claim<Tracked<TcpConnection>>> claim = pool.tryClaim();
                if (claim.isEmpty()) {
                    return null;
                }
                try (Claim<Tracked<TcpConnection>> c = claim.get()) {
                    release.await(10, TimeUnit.SECONDS);
                    return c.connection();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }, f.async);
            await().atMost(5, TimeUnit.SECONDS).until(() -> other.isDone() || pool.stats().claimed() == 1);
            assertEquals(Optional.empty(), pool.tryClaim(), "held by the other thread: not by this one too");
            release.countDown();
            assertSame(kept, other.get(5, TimeUnit.SECONDS), "the other thread got the kept connection");
        }
    }

    @Test
    void aReleaseKeepsNothingWhileAClaimWaits() throws Exception {
        try (Fixture f = Fixture.withServers(1)) {
            var pool = f.track(f.builder("no-keep").maxConnections(1).claimTimeout(Duration.ofSeconds(20)).build());
            awaitSettled(pool, 1);
            Claim<Tracked<TcpConnection>> held = pool.claim();
            CompletableFuture<Throwable> waiter = f.claimInBackground(pool, Duration.ofSeconds(20));
            await().atMost(5, TimeUnit.SECONDS).until(() -> pool.stats().waiting() == 1);
            held.close();
            // Far within the waiter's 20 s: it got the connection, the releasing thread did not keep it.
            assertNull(waiter.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void aRemovedBackendsKeptConnectionClosesWithoutAnotherClaim() {
        try (Fixture f = Fixture.withServers(2)) {
            var pool = f.track(f.builder("keep-removed").maxConnections(2).build());
            awaitSettled(pool, 2);
            Backend gone = f.backend(1);
            Claim<Tracked<TcpConnection>> first = pool.claim();
            Claim<Tracked<TcpConnection>> second = pool.claim();
            Claim<Tracked<TcpConnection>> ofGone = first.backend().equals(gone) ? first : second;
            Claim<Tracked<TcpConnection>> other = ofGone == first ? second : first;
            Tracked<TcpConnection> keptConnection = ofGone.connection();
            ofGone.close(); // kept by this thread
            other.close(); // the thread keeps one only: this one goes to the queue
            assertEquals(0, keptConnection.closes());

            f.resolver.remove(gone);
            await().atMost(5, TimeUnit.SECONDS).until(() -> keptConnection.closes() == 1
                    && pool.stats().backend(gone.key()).isEmpty());
            try (Claim<Tracked<TcpConnection>> claim = pool.claim()) {
                assertNotEquals(gone, claim.backend());
            }
        }
    }

    @Test
    void closeClosesTheConnectionsThreadsKeep() {
        try (Fixture f = Fixture.withServers(2)) {
            ConnectionPool<Tracked<TcpConnection>> pool = f.builder("keep-close").maxConnections(2).build();
            awaitSettled(pool, 2);
            pool.claim().close(); // kept by this thread
            pool.close();
            assertEquals(List.of(), f.factory.open(), "every connection is closed, the kept one too");
            assertEquals(List.of(), f.factory.closedMoreThanOnce());
        }
    }

    @Test
    void aThreadThatKeptAConnectionDoesNotKeepAClosedPoolAlive() {
        try (Fixture f = Fixture.withServers(2)) {
            WeakReference<ManualResolver> resolver = useAndClose(f);
            // This thread's record of what it keeps lives on in its ThreadLocal map; the pool must not. The
            // pool's resolver is watched because the pool's engine, not the ConnectionPool in front of it, is
            // what such a record would hold.
            await().atMost(10, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(50)).until(() -> {
                System.gc();
                return resolver.get() == null;
            });
        }
    }

    /** A pool with a resolver of its own, used and closed by this thread, which keeps a connection. */
    private static WeakReference<ManualResolver> useAndClose(Fixture f) {
        ManualResolver resolver = new ManualResolver(f.backend(0), f.backend(1));
        ConnectionPool<Tracked<TcpConnection>> pool = ConnectionPool.builder(resolver, f.factory)
                .name("kept-then-closed").maxConnections(2).build();
        awaitSettled(pool, 2);
        pool.claim().close(); // kept by this thread
        pool.close();
        return new WeakReference<>(resolver);
    }
}
