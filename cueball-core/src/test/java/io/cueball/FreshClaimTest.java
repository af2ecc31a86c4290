package io.cueball;

import static io.cueball.EngineHarness.A;
import static io.cueball.EngineHarness.B;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Fresh connections on demand (go-connpool's Pool.New): claimFresh() gets a connection opened after the call,
 * within maxConnections, by closing the oldest idle one and taking its refill; claimOpenedAfter(instant) takes an
 * idle one opened after the instant if there is one.
 */
class FreshClaimTest {
    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void aFreshClaimGetsANewConnectionInPlaceOfTheOldestIdleOne() {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A, B).maxConnections(4).threadAffinity(0));
        List<MemoryConnection> before = h.factory.open();
        assertEquals(4, before.size());

        try (var claim = pool.claimFresh(Duration.ofSeconds(5))) {
            assertFalse(before.contains(claim.connection()), "not one of the connections opened before");
            assertEquals(5, h.factory.connections.size(), "one new connection");
            assertEquals(1, before.stream().filter(MemoryConnection::isClosed).count(), "in place of one idle");
            assertEquals(4, pool.stats().total(), "within maxConnections");
        }
        assertEquals(2, h.stats(A).open());
        assertEquals(2, h.stats(B).open());
    }

    @Test
    void whenEveryConnectionIsClaimedTheNextReleaseMakesRoom() throws Exception {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A).maxConnections(2));
        var first = pool.claim();
        var second = pool.claim();
        MemoryConnection old = first.connection();
        CompletableFuture<Claim<MemoryConnection>> fresh =
                CompletableFuture.supplyAsync(() -> pool.claimFresh(Duration.ofSeconds(10)));
        await().atMost(10, TimeUnit.SECONDS).until(() -> pool.stats().waiting() == 1);
        first.close(); // comes to the lock (a claim waits): closed to make room, and its refill is the fresh one
        Claim<MemoryConnection> got = fresh.get(10, TimeUnit.SECONDS);
        assertTrue(old.isClosed(), "the released connection made room");
        assertFalse(List.of(old, second.connection()).contains(got.connection()));
        assertEquals(2, pool.stats().total());
        got.close();
        second.close();
    }

    @Test
    void claimOpenedAfterTakesAnIdleConnectionOpenedSinceWithoutOpeningOne() {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A).maxConnections(2).threadAffinity(0));
        int opened = h.factory.connections.size();
        try (var claim = pool.claimOpenedAfter(Instant.now().minusSeconds(3600), Duration.ofSeconds(5))) {
            assertEquals(opened, h.factory.connections.size(), "an idle one opened since will do");
        }
        assertThrows(IllegalArgumentException.class, () -> pool.claimFresh(Duration.ofMillis(-1)));
    }

    @Test
    void aFreshClaimTimesOutIfNoNewConnectionComes() {
        h.executor.queueing(); // the connect never runs
        var pool = h.start(h.builder(A).maxConnections(1));
        h.advanceTo(EngineHarness.REBALANCE_DELAY);
        h.executor.runAll();
        assertEquals(1, pool.stats().idle());
        var e = assertThrows(ClaimTimeoutException.class, () -> pool.claimFresh(Duration.ofMillis(50)));
        assertTrue(e.getMessage().contains("no connection within"), e.getMessage());
        assertEquals(0, pool.stats().waiting(), "the timed-out fresh claim left the queue");
        assertEquals(1, h.executor.pending(), "its room was made: the refill's connect is queued");
    }

    @Test
    void aFreshClaimFailsFastLikeAnyClaimWhenThePoolHasNoBackendsAndFailFastWhenEmptyIsSet() {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder().failFastWhenEmpty(true));
        assertThrows(NoBackendsException.class, () -> pool.claim(Duration.ofSeconds(5)));
        long start = System.nanoTime();
        var e = assertThrows(NoBackendsException.class, () -> pool.claimFresh(Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains("failFastWhenEmpty"), e.getMessage());
        assertThrows(NoBackendsException.class, () -> pool.claimOpenedAfter(Instant.now(), Duration.ofSeconds(5)));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "failed fast, not at the timeout");
        assertEquals(0, pool.stats().waiting());
    }

    @Test
    void inAnElasticPoolWhereEveryConnectionIsClaimedTheNextReleaseMakesRoomToo() throws Exception {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A).maxConnections(2).spares(1)); // every release takes the lock
        var first = pool.claim();
        var second = pool.claim();
        assertEquals(2, pool.stats().total(), "grown to maxConnections");
        h.clock.advance(Duration.ofMillis(1)); // both were opened before the fresh claim begins
        CompletableFuture<Claim<MemoryConnection>> fresh =
                CompletableFuture.supplyAsync(() -> pool.claimFresh(Duration.ofSeconds(10)));
        await().atMost(10, TimeUnit.SECONDS).until(() -> pool.stats().waiting() == 1);
        MemoryConnection old = first.connection();
        first.close();
        Claim<MemoryConnection> got = fresh.get(10, TimeUnit.SECONDS);
        assertEquals(1, h.factory.connections.stream().filter(MemoryConnection::isClosed).count(),
                "one old connection closed to make room");
        assertFalse(List.of(old, second.connection()).contains(got.connection()));
        assertTrue(pool.stats().total() <= 2, "within maxConnections: " + pool.stats());
        got.close();
        second.close();
    }

    @Test
    void inAnElasticPoolThatHasGrownAFreshClaimIsServedBeforeItsIdleSurplusShrinks() {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A).maxConnections(4).spares(1).threadAffinity(0));
        List<Claim<MemoryConnection>> burst = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            burst.add(pool.claim(Duration.ofSeconds(5)));
        }
        burst.forEach(Claim::close); // the burst is over: 4 idle, more than claimed + waiting + spares
        assertEquals(4, pool.stats().idle());
        h.clock.advance(Duration.ofMillis(1)); // all four were opened before the fresh claim begins
        List<MemoryConnection> before = h.factory.open();

        try (var claim = pool.claimFresh(Duration.ofSeconds(2))) {
            assertFalse(before.contains(claim.connection()), "a connection opened after the call");
        }
        assertTrue(pool.stats().total() <= 4, "within maxConnections: " + pool.stats());
    }

    @Test
    void aFreshClaimIsNotLeftWaitingOnTheRefillOfADeadBackend() throws Exception {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A, B).maxConnections(4).threadAffinity(0).deadAfterFailures(2)
                .healthCheckInterval(Duration.ofHours(1)));
        h.advanceTo(Duration.ofSeconds(1));
        h.factory.failAlways(A); // A refuses new connections; one of its two is discarded, the other survives
        List<Claim<MemoryConnection>> claims = h.claimAll();
        List<Claim<MemoryConnection>> ofA = claims.stream().filter(c -> c.backend().equals(A)).toList();
        ofA.get(0).discard();
        ofA.get(1).report(0); // the survivor goes back idle; a use scored 0 proves nothing, so A dies
        ofA.get(1).close();
        claims.stream().filter(c -> c.backend().equals(B)).forEach(Claim::close);
        h.advanceTo(Duration.ofMillis(1100)); // the replacement and its retry failed: dead, B takes its share
        assertEquals(BackendStatus.DEAD, h.stats(A).status());
        assertEquals(3, h.stats(B).open());
        List<Claim<MemoryConnection>> bs = h.claimAll().stream().filter(c -> {
            if (c.backend().equals(B)) {
                return true;
            }
            c.report(0); // A's survivor goes back idle, A still dead
            c.close();
            return false;
        }).toList();
        assertEquals(3, bs.size(), "every connection of B is claimed");
        assertEquals(BackendStatus.DEAD, h.stats(A).status());
        assertEquals(1, h.stats(A).idle(), "A's survivor is the one idle connection");
        h.clock.advance(Duration.ofMillis(1));

        CompletableFuture<Claim<MemoryConnection>> fresh =
                CompletableFuture.supplyAsync(() -> pool.claimFresh(Duration.ofSeconds(5)));
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.stats().waiting() == 1);
        bs.get(0).close(); // B's next release makes room; its refill is the fresh connection
        Claim<MemoryConnection> got = fresh.get(10, TimeUnit.SECONDS);
        assertEquals(B, got.backend());
        got.close();
        bs.forEach(Claim::close);
    }
}
