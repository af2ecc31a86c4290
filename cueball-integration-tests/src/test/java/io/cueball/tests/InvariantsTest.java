package io.cueball.tests;

import static io.cueball.tests.Fixture.awaitSettled;
import static io.cueball.tests.Fixture.openPerLiveBackend;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.BackoffPolicy;
import io.cueball.Claim;
import io.cueball.ClaimTimeoutException;
import io.cueball.ConnectionPool;
import io.cueball.NoBackendsException;
import io.cueball.PoolClosedException;
import io.cueball.PoolFailedException;
import io.cueball.PoolState;
import io.cueball.Resolver;
import io.cueball.ResolverListener;
import io.cueball.conn.tcp.TcpConnection;
import io.cueball.testing.ManualResolver;
import io.cueball.testing.RecordingListener.Kind;
import io.cueball.testing.TrackingFactory.Tracked;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** One test per invariant of DESIGN.md, each failing if its invariant breaks. */
class InvariantsTest {

    private static final BackoffPolicy FAST = new BackoffPolicy(Duration.ofMillis(5), Duration.ofMillis(50), 0.2);

    @Test
    void invariant1_neverMoreThanMaxConnectionsExist() {
        try (Fixture f = Fixture.withServers(4, 3)) {
            f.factory.slowClose(Duration.ofMillis(20)); // a replacement must wait for the close it replaces
            var pool = f.track(f.builder("inv1").maxConnections(6).backoff(FAST).build());
            awaitSettled(pool, 6);
            try (Workload work = new Workload(pool, 6).start()) {
                work.awaitClaims(200, Duration.ofSeconds(10));
                // Churn without removals: a backend killed and revived, one added, connections dropped.
                f.server(0).kill();
                work.awaitClaims(work.claims.get() + 300, Duration.ofSeconds(10));
                f.server(0).resume();
                f.resolver.add(f.backend(3));
                f.server(1).dropConnections();
                work.awaitClaims(work.claims.get() + 300, Duration.ofSeconds(10));
                await().atMost(10, TimeUnit.SECONDS).until(() -> openPerLiveBackend(pool).size() == 4
                        && openPerLiveBackend(pool).values().stream().allMatch(n -> n >= 1));
            }
            assertTrue(f.factory.peak() <= 6, "at most 6 connections at once, saw " + f.factory.peak());

            // The one exception: claimed connections of a removed backend, until they are released.
            awaitSettled(pool, 6);
            List<Claim<Tracked<TcpConnection>>> held = new ArrayList<>();
            while (held.size() < 6) {
                held.add(pool.claim());
            }
            List<Claim<Tracked<TcpConnection>>> ofRemoved =
                    held.stream().filter(c -> c.backend().equals(f.backend(3))).toList();
            assertFalse(ofRemoved.isEmpty(), "the backend to remove holds at least one connection");
            held.stream().filter(c -> !ofRemoved.contains(c)).forEach(Claim::close);
            f.factory.resetPeak();
            f.resolver.remove(f.backend(3));
            await().atMost(10, TimeUnit.SECONDS).until(() -> pool.stats().backendsLive() == 3
                    && pool.stats().idle() == 6 && pool.stats().connecting() == 0);
            assertEquals(6 + ofRemoved.size(), f.factory.existing(), "6 plus the removed backend's claimed ones");
            ofRemoved.forEach(Claim::close);
            await().atMost(10, TimeUnit.SECONDS).until(() -> f.factory.existing() == 6);
            assertTrue(f.factory.peak() <= 6 + ofRemoved.size(), "peak " + f.factory.peak());
            assertTrue(pool.stats().backend(f.backend(3).key()).isEmpty(), "a drained removed backend is forgotten");
        }
    }

    @Test
    void invariant2_liveBackendCountsDifferByAtMostOneAfterSettling() {
        try (Fixture f = Fixture.withServers(5, 4)) {
            var pool = f.track(f.builder("inv2").maxConnections(10).build());
            awaitSettled(pool, 10);
            assertEquals(List.of(2, 2, 3, 3), openPerLiveBackend(pool).values().stream().sorted().toList());
            await().atMost(10, TimeUnit.SECONDS).until(() -> f.servers.subList(0, 4).stream()
                    .mapToInt(s -> s.openConnections()).sorted().boxed().toList().equals(List.of(2, 2, 3, 3)));

            f.resolver.add(f.backend(4));
            await().atMost(10, TimeUnit.SECONDS).until(() -> openPerLiveBackend(pool).values().stream()
                    .allMatch(n -> n == 2) && openPerLiveBackend(pool).size() == 5);
            await().atMost(10, TimeUnit.SECONDS).until(() -> f.servers.stream()
                    .allMatch(s -> s.openConnections() == 2));
        }
    }

    @Test
    void invariant2_weightedBackendsFollowTheirWeightsWithinOne() {
        try (Fixture f = Fixture.withServers(3, 0)) {
            for (int i = 0; i < 3; i++) {
                f.resolver.add(f.backend(i).withWeight(i + 1));
            }
            var pool = f.track(f.builder("inv2w").maxConnections(12).build());
            awaitSettled(pool, 12);
            Map<String, Integer> open = openPerLiveBackend(pool);
            assertEquals(2, open.get(f.backend(0).key()));
            assertEquals(4, open.get(f.backend(1).key()));
            assertEquals(6, open.get(f.backend(2).key()));
        }
    }

    @Test
    void invariant3_aConnectionHasOneHolderAndAClosedClaimCannotReachIt() {
        try (Fixture f = Fixture.withServers(2)) {
            var pool = f.track(f.builder("inv3").maxConnections(3).build());
            awaitSettled(pool, 3);
            try (Workload work = new Workload(pool, 8).start()) {
                work.awaitClaims(5_000, Duration.ofSeconds(60));
                work.stop();
                assertEquals(0, work.doubleHolders.get(), "no connection was held by two claims at once");
                assertTrue(work.unexpected.isEmpty(), () -> "unexpected: " + work.unexpected);
            }

            var single = f.track(f.builder("inv3b").maxConnections(1).build());
            awaitSettled(single, 1);
            Claim<Tracked<TcpConnection>> first = single.claim();
            Tracked<TcpConnection> connection = first.connection();
            first.close();
            first.close(); // idempotent
            Claim<Tracked<TcpConnection>> second = single.claim();
            assertSame(connection, second.connection(), "the one connection went to the next claim");
            var e = assertThrows(IllegalStateException.class, first::connection);
            assertTrue(e.getMessage().contains(first.backend().key()), e.getMessage());
            first.discard(); // a stale claim can neither release nor discard what another claim holds
            assertSame(connection, second.connection());
            assertEquals(0, connection.closes());
            second.close();
        }
    }

    @Test
    void invariant4_everyConnectionIsClosedExactlyOnce() {
        try (Fixture f = Fixture.withServers(4, 3)) {
            var pool = f.builder("inv4").maxConnections(6).backoff(FAST).build();
            try (Workload work = new Workload(pool, 6).start()) {
                work.awaitClaims(200, Duration.ofSeconds(10));
                f.resolver.add(f.backend(3));
                f.server(1).kill();
                work.awaitClaims(work.claims.get() + 200, Duration.ofSeconds(10));
                f.resolver.remove(f.backend(0));
                f.server(1).resume();
                work.awaitClaims(work.claims.get() + 200, Duration.ofSeconds(10));
            }
            Claim<Tracked<TcpConnection>> lingering = pool.claim();
            var shortClose = f.builder("inv4b").maxConnections(2).closeTimeout(Duration.ofMillis(50)).build();
            awaitSettled(shortClose, 2);
            Claim<Tracked<TcpConnection>> heldPastClose = shortClose.claim();
            Tracked<TcpConnection> heldConnection = heldPastClose.connection();
            lingering.close();
            pool.close();
            shortClose.close();

            assertTrue(f.factory.made().size() > 6, "churn made replacements: " + f.factory.made().size());
            assertEquals(List.of(), f.factory.closedMoreThanOnce());
            assertEquals(List.of(heldConnection), f.factory.open(),
                    "everything closed but the one still claimed past closeTimeout");
            heldPastClose.close(); // released after close(): closed now, on this thread
            assertEquals(List.of(), f.factory.open());
            assertEquals(List.of(), f.factory.closedMoreThanOnce());
        }
    }

    @Test
    void invariant5_aClaimEndsInExactlyOneOutcomeAndNeverHangs() throws Exception {
        try (Fixture f = Fixture.withServers(3, 1)) {
            // Timeout, with a message that helps.
            var pool = f.track(f.builder("inv5").maxConnections(1).build());
            awaitSettled(pool, 1);
            Claim<Tracked<TcpConnection>> only = pool.claim();
            long start = System.nanoTime();
            var timeout = assertThrows(ClaimTimeoutException.class, () -> pool.claim(Duration.ofMillis(300)));
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(waitedMs >= 300 && waitedMs < 2_300, "waited " + waitedMs + " ms");
            assertTrue(timeout.getMessage().startsWith("pool 'inv5': no connection within 3"), timeout.getMessage());
            assertTrue(timeout.getMessage().contains("claimed=1, connecting=0, waiting=0, backends live=1 dead=0"),
                    timeout.getMessage());
            f.awaitEvents(Kind.CLAIM_TIMED_OUT, null, 1);
            var negative = assertThrows(IllegalArgumentException.class, () -> pool.claim(Duration.ofSeconds(-1)));
            assertEquals("timeout: PT-1S (expected: >= 0)", negative.getMessage());
            assertTrue(pool.tryClaim().isEmpty());

            // Many waiters on an exhausted pool: each ends by its own deadline, none hangs.
            List<CompletableFuture<Long>> waiters = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                waiters.add(CompletableFuture.supplyAsync(() -> {
                    long t0 = System.nanoTime();
                    assertThrows(ClaimTimeoutException.class, () -> pool.claim(Duration.ofMillis(200)));
                    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                }, f.async));
            }
            for (CompletableFuture<Long> w : waiters) {
                long ms = w.get(10, TimeUnit.SECONDS);
                assertTrue(ms >= 200 && ms < 2_200, "waited " + ms + " ms");
            }
            assertEquals(0, pool.stats().waiting(), "timed-out claims left the queue");
            only.close();

            // PoolClosedException: for a claim waiting when the pool closes, and for later claims.
            Claim<Tracked<TcpConnection>> holder = pool.claim();
            CompletableFuture<Throwable> waiting = f.claimInBackground(pool, Duration.ofSeconds(30));
            await().atMost(5, TimeUnit.SECONDS).until(() -> pool.stats().waiting() == 1);
            CompletableFuture<Void> closing = CompletableFuture.runAsync(pool::close, f.async);
            assertInstanceOf(PoolClosedException.class, waiting.get(10, TimeUnit.SECONDS));
            holder.close();
            closing.get(10, TimeUnit.SECONDS);
            assertThrows(PoolClosedException.class, pool::claim);
            assertThrows(PoolClosedException.class, pool::tryClaim);

            // NoBackendsException: fail fast when the resolver reports nothing.
            var empty = f.track(ConnectionPool.builder(new ManualResolver(), f.factory)
                    .name("inv5-empty").failFastWhenEmpty(true).build());
            start = System.nanoTime();
            var none = assertThrows(NoBackendsException.class, empty::claim);
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2), "fails fast, no waiting");
            assertTrue(none.getMessage().contains("inv5-empty"), none.getMessage());

            // PoolFailedException: every backend dead, carrying the last connect error.
            f.server(1).refuse();
            f.server(2).refuse();
            var dead = f.track(ConnectionPool.builder(new ManualResolver(f.backend(1),
                    f.backend(2)), f.factory).name("inv5-dead").backoff(FAST).rebalanceDelay(Duration.ofMillis(5))
                    .build());
            await().atMost(10, TimeUnit.SECONDS).until(() -> dead.state() == PoolState.FAILED);
            var failed = assertThrows(PoolFailedException.class, dead::claim);
            assertNotNull(failed.getCause());
            assertInstanceOf(IOException.class, failed.getCause());
            assertInstanceOf(ConnectException.class, failed.getCause().getCause());
            assertTrue(failed.getMessage().contains("all 2 backends are dead"), failed.getMessage());
        }
    }

    @Test
    void invariant6_aResolverFailureNeverRemovesABackend() {
        try (Fixture f = Fixture.withServers(3)) {
            var pool = f.track(f.builder("inv6").maxConnections(6).build());
            awaitSettled(pool, 6);
            Map<String, Integer> before = openPerLiveBackend(pool);
            int closedBefore = f.events.count(Kind.CONNECTION_CLOSED);
            f.resolver.fail(new IOException("resolver source unreachable"));
            f.resolver.fail(new IOException("still unreachable"));
            await().atMost(5, TimeUnit.SECONDS).until(() -> f.events.count(Kind.RESOLVER_FAILED) == 2);
            await().during(300, TimeUnit.MILLISECONDS).atMost(2, TimeUnit.SECONDS)
                    .until(() -> openPerLiveBackend(pool).equals(before));
            assertEquals(3, pool.stats().backendsLive());
            assertEquals(closedBefore, f.events.count(Kind.CONNECTION_CLOSED));
            assertEquals(0, f.events.count(Kind.BACKEND_REMOVED));
            try (var claim = pool.claim()) {
                Fixture.roundTrip(claim.connection().delegate(), 7);
            }
        }
    }

    @Test
    void invariant7_allPoolThreadsAreGoneAfterClose() {
        try (Fixture f = Fixture.withServers(2)) {
            var pool = f.builder("inv7").maxConnections(4).build();
            awaitSettled(pool, 4);
            try (var claim = pool.claim()) {
                Fixture.roundTrip(claim.connection().delegate(), 1);
            }
            assertTrue(Fixture.threadsOfPoolAlive("inv7"), "the pool runs its own threads");
            assertTrue(Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("cueball-inv7-")).allMatch(Thread::isDaemon));
            pool.close();
            assertFalse(Fixture.threadsOfPoolAlive("inv7"), "no cueball-inv7-* thread survives close()");
            assertEquals(PoolState.CLOSED, pool.state());
            pool.close(); // idempotent

            // A resolver that fails to start: the half-built pool stops what it started.
            var broken = new Resolver() {
                @Override
                public void start(ResolverListener l) {
                    throw new IllegalStateException("cannot start");
                }

                @Override
                public void close() {
                }
            };
            assertThrows(IllegalStateException.class,
                    () -> ConnectionPool.builder(broken, f.factory).name("inv7b").build());
            assertFalse(Fixture.threadsOfPoolAlive("inv7b"));
        }
    }

    @Test
    void invariant8_useFailuresNeverKillABackendAndEjectionStaysWithinItsCap() {
        try (Fixture f = Fixture.withServers(4)) {
            var pool = f.track(f.builder("inv8").maxConnections(8).threadAffinity(0).backoff(FAST)
                    .deadAfterFailures(2).maxEjectionPercent(50).ejectionMinOutcomes(5)
                    .baseEjectionTime(Duration.ofMillis(300)).build());
            awaitSettled(pool, 8);
            // Every use of every backend fails, while every connect succeeds: a fault of the whole service.
            int maxEjected = 0;
            for (int i = 0; i < 400; i++) {
                var claim = pool.claim(); // still served: ejection never empties the pool
                Fixture.roundTrip(claim.connection().delegate(), i & 0x7f);
                claim.fail(new IOException("use " + i + " failed (simulated)"));
                maxEjected = Math.max(maxEjected, pool.stats().backendsEjected());
                assertEquals(0, pool.stats().backendsDead(), "use failures never make a backend dead");
            }
            assertEquals(2, maxEjected, "half of the four backends, never more");
            assertEquals(0, f.events.count(Kind.BACKEND_DEAD));
            assertEquals(PoolState.RUNNING, pool.state());
            assertTrue(pool.stats().backends().stream().mapToLong(b -> b.useFailures()).sum() >= 400);

            // Uses succeed again: the ejected backends come back when their ejection ends and a probe passes.
            try (Workload work = new Workload(pool, 2).start()) {
                await().atMost(10, TimeUnit.SECONDS).until(() -> pool.stats().backendsEjected() == 0
                        && pool.stats().backendsLive() == 4);
            }
            assertTrue(f.events.count(Kind.BACKEND_RESTORED) >= 2);
            awaitSettled(pool, 8);
            assertEquals(List.of(2, 2, 2, 2), openPerLiveBackend(pool).values().stream().sorted().toList());
        }
    }
}
