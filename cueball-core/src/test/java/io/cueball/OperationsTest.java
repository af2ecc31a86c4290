package io.cueball;

import static io.cueball.EngineHarness.A;
import static io.cueball.EngineHarness.B;
import static io.cueball.EngineHarness.C;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The operations a pool offers while it runs: resize (maxConnections, spares), suspend/resume, bounded waiters,
 * soft eviction and an immediate rebalance, with invariant 1 checked at the instants that matter.
 */
class OperationsTest {
    private final EngineHarness h = new EngineHarness();
    private final List<Thread> threads = new ArrayList<>();

    @AfterEach
    void tearDown() throws InterruptedException {
        h.close();
        for (Thread t : threads) {
            t.join(10_000);
            assertFalse(t.isAlive(), t.getName() + " still waits");
        }
    }

    @Test
    void raisingMaxConnectionsOpensTheNewShareAtOnce() {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A, B, C).maxConnections(6));
        assertEquals(6, pool.stats().idle());
        pool.setMaxConnections(9);
        assertEquals(9, pool.maxConnections());
        assertEquals(9, pool.spares(), "a fixed-size pool stays fixed-size");
        assertEquals(9, pool.stats().idle(), "opened without waiting for a rebalance delay: " + pool.stats());
        for (Backend b : List.of(A, B, C)) {
            assertEquals(3, h.stats(b).target());
            assertEquals(3, h.stats(b).open());
        }
        assertEquals(9, h.factory.open().size());
    }

    @Test
    void loweringItClosesIdleSurplusNowAndClaimedSurplusOnReleaseWithoutEverCountingMore() {
        var pool = h.startAndSettle(h.builder(A, B, C).maxConnections(9).threadAffinity(0));
        h.executor.inline();
        List<Claim<MemoryConnection>> held = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            held.add(pool.tryClaim().orElseThrow());
        }
        h.executor.queueing(); // closes run a moment later, as on a real executor
        pool.setMaxConnections(3);
        assertTrue(h.countable() <= 3, "invariant 1 at once: countable " + h.countable() + " > 3");
        h.executor.runAll();
        assertTrue(h.countable() <= 3, "after the idle closes: " + h.countable());
        // The 3 idle ones closed; the 6 claimed ones are still in use and no longer count; a backend left with none
        // has opened its one. Nothing else exists.
        assertEquals(6 + h.countable(), h.factory.open().size(), "" + pool.stats());
        for (Claim<MemoryConnection> c : held) {
            assertTrue(!c.connection().isClosed(), "a claimed connection is never taken from its claim");
        }
        h.executor.inline();
        for (Claim<MemoryConnection> c : held) {
            c.close();
            assertTrue(h.countable() <= 3, "invariant 1 after each release: " + h.countable());
        }
        h.executor.runAll();
        assertEquals(3, h.factory.open().size(), "only the new maximum is left: " + pool.stats());
        assertEquals(3, pool.stats().idle());
        for (Backend b : List.of(A, B, C)) {
            assertEquals(1, h.stats(b).open(), "still spread evenly: " + pool.stats());
        }
    }

    @Test
    void resizeValidatesAndAFixedSizePoolKeepsItsSpares() {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A).maxConnections(2));
        var e = assertThrows(IllegalArgumentException.class, () -> pool.setMaxConnections(0));
        assertTrue(e.getMessage().contains("maxConnections: 0"), e.getMessage());
        var s = assertThrows(IllegalStateException.class, () -> pool.setSpares(1));
        assertTrue(s.getMessage().contains("spares") && s.getMessage().contains("fixed-size"), s.getMessage());
    }

    @Test
    void anElasticPoolsSparesChangeAtRunTime() {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A, B).maxConnections(8).spares(2));
        assertEquals(2, pool.stats().idle());
        pool.setSpares(5);
        assertEquals(5, pool.stats().idle(), "raising spares opens them now");
        var e = assertThrows(IllegalArgumentException.class, () -> pool.setSpares(9));
        assertTrue(e.getMessage().contains("spares: 9"), e.getMessage());
        pool.setMaxConnections(4);
        assertEquals(4, pool.spares(), "spares lowered to the new maximum");
        assertEquals(4, pool.stats().idle());
    }

    @Test
    void whileSuspendedClaimsWaitAndResumeServesThemInOrder() {
        h.executor.inline();
        // A locked-claims pool (a choosing strategy): every waiting claim is handed its connection in queue order.
        var pool = h.startAndSettle(h.builder(A).maxConnections(1).hostSelection(HostSelection.leastInUse()));
        pool.suspend();
        assertTrue(pool.isSuspended());
        assertTrue(pool.tryClaim().isEmpty(), "nothing is served while suspended, though a connection is idle");
        List<Integer> served = new CopyOnWriteArrayList<>();
        for (int i = 1; i <= 3; i++) {
            int id = i;
            Thread t = new Thread(() -> {
                try (Claim<MemoryConnection> c = pool.claim(Duration.ofSeconds(30))) {
                    served.add(id);
                }
            }, "suspended-claim-" + i);
            threads.add(t);
            t.start();
            await().until(() -> pool.stats().waiting() == id); // queued in this order
        }
        assertTrue(served.isEmpty());
        pool.resume();
        assertFalse(pool.isSuspended());
        await().until(() -> served.size() == 3);
        assertEquals(List.of(1, 2, 3), served, "served in the order they came");
    }

    @Test
    void aClaimSuspendedPastItsTimeoutTimesOutAndSaysSo() {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A).maxConnections(1));
        pool.suspend();
        var e = assertThrows(ClaimTimeoutException.class, () -> pool.claim(Duration.ofMillis(20)));
        assertTrue(e.getMessage().contains("suspended"), e.getMessage());
        assertFalse(e.getMessage().contains("null"), "never 'null': " + e.getMessage());
        assertTrue(e.getMessage().contains("no connect has failed yet"), e.getMessage());
        pool.resume();
        pool.claim(Duration.ofSeconds(1)).close();
    }

    @Test
    void aClaimBeyondMaxWaitersFailsAtOnceNamingThePoolAndCounts() {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A).maxConnections(1).maxWaiters(2));
        Claim<MemoryConnection> holder = pool.claim();
        for (int i = 1; i <= 2; i++) {
            int n = i;
            Thread t = new Thread(() -> pool.claim(Duration.ofSeconds(30)).close(), "waiter-" + i);
            threads.add(t);
            t.start();
            await().until(() -> pool.stats().waiting() == n);
        }
        var busy = assertThrows(PoolBusyException.class, () -> pool.claim(Duration.ofSeconds(30)));
        assertEquals(2, busy.waiting());
        assertEquals(2, busy.maxWaiters());
        assertTrue(busy.getMessage().contains("engine-test") && busy.getMessage().contains("maxWaiters 2"),
                busy.getMessage());
        assertTrue(pool.tryClaim().isEmpty(), "tryClaim never waits, so it is never refused as busy");
        holder.close();
        await().until(() -> pool.stats().waiting() == 0);
    }

    @Test
    void maxWaitersZeroMeansNoClaimEverWaits() {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A).maxConnections(1).maxWaiters(0));
        try (Claim<MemoryConnection> c = pool.claim()) {
            assertThrows(PoolBusyException.class, () -> pool.claim(Duration.ofSeconds(30)));
        }
        pool.claim(Duration.ofSeconds(1)).close();
    }

    @Test
    void softEvictionReplacesIdleConnectionsNowAndClaimedOnesOnRelease() {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A, B).maxConnections(4));
        List<MemoryConnection> before = new ArrayList<>(h.factory.open());
        Claim<MemoryConnection> held = pool.claim();
        assertEquals(4, pool.softEvictConnections());
        assertTrue(!held.connection().isClosed(), "a claimed connection stays its claim's until released");
        List<MemoryConnection> open = h.factory.open();
        assertEquals(4, open.size(), "the idle ones replaced: " + pool.stats());
        assertEquals(1, open.stream().filter(before::contains).count(), "only the claimed one is old");
        held.close();
        assertTrue(h.factory.open().stream().noneMatch(before::contains), "the claimed one closed on release");
        assertEquals(4, pool.stats().idle());
    }

    @Test
    void rebalanceNowSkipsTheDelay() {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A, B).maxConnections(4));
        h.resolver.add(C);
        assertFalse(h.knows(C) && h.stats(C).target() > 0, "not before the delay");
        pool.rebalanceNow();
        assertTrue(h.knows(C));
        assertEquals(1, h.stats(C).target(), "re-planned at once: " + pool.stats());
    }

    @Test
    void operationsOnAClosedPoolFailClearly() {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A).maxConnections(1));
        pool.close();
        assertThrows(PoolClosedException.class, () -> pool.setMaxConnections(3));
        assertThrows(PoolClosedException.class, pool::suspend);
        assertThrows(PoolClosedException.class, pool::softEvictConnections);
        assertThrows(PoolClosedException.class, pool::rebalanceNow);
        pool.resume(); // not suspended: nothing to do, and no error
    }
}
