package io.cueball;

import static io.cueball.EngineHarness.A;
import static io.cueball.EngineHarness.B;
import static io.cueball.EngineHarness.C;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Runtime resize and suspension where they meet the rest of the engine: an elastic pool grown past its idle ring's
 * build-time capacity, a fresh claim queued while suspended, exempt surplus of a backend that dies and comes back,
 * and counts kept by the lock (countable, an elastic pool's claimed count) that must not drift.
 */
class ResizeEdgeCasesTest {
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
    void anElasticPoolGrownPastItsRingsCapacityStillHandsOutEveryConnection() {
        h.executor.inline();
        // Built with 4: the idle ring holds 16. Grown to 40, every idle connection must still be claimable.
        var pool = h.startAndSettle(h.builder(A).maxConnections(4).spares(1).threadAffinity(0));
        pool.setMaxConnections(40);
        pool.setSpares(40);
        assertEquals(40, h.factory.open().size(), "grew to the new spares: " + pool.stats());
        List<Claim<MemoryConnection>> claims = h.claimAll();
        assertEquals(40, claims.size(), "every open connection can be claimed: " + pool.stats());
        claims.forEach(Claim::close);
        assertEquals(40, h.claimAll().size(), "and again once released");
    }

    @Test
    void aFreshClaimQueuedWhileSuspendedIsServedAtResume() {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A).maxConnections(2).threadAffinity(0));
        List<MemoryConnection> before = h.factory.open();
        h.clock.advance(Duration.ofMillis(1)); // the fresh claim comes after they were opened
        pool.suspend();
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                Claim<MemoryConnection> c = pool.claimFresh(Duration.ofSeconds(30));
                outcome.set(c.connection());
                c.close();
            } catch (RuntimeException e) {
                outcome.set(e);
            }
        }, "fresh-claim-while-suspended");
        threads.add(t);
        t.start();
        await().until(() -> pool.stats().waiting() == 1);
        // Room was made while suspended: an idle connection closed and its refill (the fresh one) is idle now.
        assertEquals(3, h.factory.connections.size(), "" + pool.stats());
        assertEquals(null, outcome.get(), "nothing is served while suspended");
        pool.resume();
        await().atMost(Duration.ofSeconds(5)).until(() -> outcome.get() != null);
        assertTrue(outcome.get() instanceof MemoryConnection, "served at resume, not timed out: " + outcome.get());
        assertFalse(before.contains(outcome.get()), "with the connection opened for it");
    }

    /** A, B and C with three connections each; B ejected by its use failures while two of its connections are held. */
    private List<Claim<MemoryConnection>> ejectBWhileHoldingTwoOfIt() {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A, B, C).maxConnections(9).threadAffinity(0)
                .scoreDecay(Duration.ofSeconds(20)).healthCheckInterval(Duration.ofHours(1)).ejectionMinOutcomes(5)
                .ejectionFailureRate(0.5).baseEjectionTime(EJECTION).maxEjectionTime(Duration.ofMinutes(1)));
        List<Claim<MemoryConnection>> others = new ArrayList<>();
        List<Claim<MemoryConnection>> heldB = new ArrayList<>();
        while (heldB.size() < 2) {
            Claim<MemoryConnection> c = pool.tryClaim().orElseThrow();
            (c.backend().equals(B) ? heldB : others).add(c);
        }
        others.forEach(Claim::close);
        for (int i = 0; i < 5; i++) {
            h.useOnce(B, c -> c.fail(new java.net.SocketTimeoutException("read timed out")));
        }
        assertEquals(BackendStatus.EJECTED, h.stats(B).status());
        return heldB;
    }

    private static final Duration EJECTION = Duration.ofSeconds(10);

    @Test
    void aConnectionSoftEvictedWhileItsBackendIsEjectedStillClosesOnReleaseAfterTheBackendIsRestored() {
        List<Claim<MemoryConnection>> heldB = ejectBWhileHoldingTwoOfIt();
        h.pool.softEvictConnections();
        h.clock.advance(EJECTION); // the ejection ends: B is restored, its share back
        assertEquals(BackendStatus.LIVE, h.stats(B).status());
        for (Claim<MemoryConnection> c : heldB) {
            MemoryConnection evicted = c.connection();
            c.close();
            assertTrue(evicted.isClosed(), "evicted before the restore: replaced when released; " + h.pool.stats());
        }
    }

    @Test
    void surplusMadeExemptWhileItsBackendIsEjectedNeverServesAgainUncountedAfterTheRestore() {
        List<Claim<MemoryConnection>> heldB = ejectBWhileHoldingTwoOfIt();
        h.pool.setMaxConnections(3); // B's two claimed connections are surplus: exempt
        h.pool.setMaxConnections(9); // A and C take the new share; B, ejected, keeps its monitor slot
        h.clock.advance(EJECTION); // the ejection ends: B is restored, its share back
        assertEquals(BackendStatus.LIVE, h.stats(B).status());
        heldB.forEach(Claim::close);
        int open = h.factory.open().size();
        assertTrue(open <= 9, "invariant 1: " + open + " open; " + h.pool.stats());
        assertEquals(h.factory.open().size(), h.countable(), "every open connection counts: " + h.pool.stats());
    }

    @Test
    void anElasticPoolReAddingABackendWhoseExemptConnectionIsStillClosingKeepsOnlyItsSpares() {
        Duration idleTimeout = Duration.ofMinutes(1);
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A, B).maxConnections(4).spares(1).threadAffinity(0)
                .idleTimeout(idleTimeout).healthCheckInterval(Duration.ofHours(1)));
        Claim<MemoryConnection> b = null;
        List<Claim<MemoryConnection>> others = new ArrayList<>();
        while (b == null) {
            Claim<MemoryConnection> c = pool.tryClaim().orElseThrow();
            if (c.backend().equals(B)) {
                b = c;
            } else {
                others.add(c);
            }
        }
        others.forEach(Claim::close);
        h.resolver.remove(B);
        h.advanceTo(h.sinceStart().plus(EngineHarness.REBALANCE_DELAY)); // b's connection is exempt now
        h.executor.queueing(); // its close runs a moment later, as on a real executor
        b.close(); // closing
        h.resolver.add(B);
        h.advanceTo(h.sinceStart().plus(EngineHarness.REBALANCE_DELAY)); // re-added while it closes
        h.executor.inline();
        // Nothing is claimed: once the surplus has shrunk away, the pool keeps its one spare and opens nothing more.
        h.advanceTo(h.sinceStart().plus(idleTimeout.multipliedBy(3)));
        int opened = h.factory.connections.size();
        h.advanceTo(h.sinceStart().plus(idleTimeout.multipliedBy(3)));
        assertEquals(1, pool.stats().total(), "spares only: " + pool.stats());
        assertEquals(opened, h.factory.connections.size(), "no shrink-and-refill churn");
    }

    @Test
    void anElasticPoolLoweredByResizeShrinksOnlyWhatIsAboveItsSpares() {
        Duration idleTimeout = Duration.ofMinutes(1);
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A).maxConnections(10).spares(2).threadAffinity(0)
                .idleTimeout(idleTimeout).healthCheckInterval(Duration.ofHours(1)));
        h.claimAll().forEach(Claim::close); // grown to 10, all idle
        h.advanceTo(idleTimeout); // a window ends (the first one shrinks nothing): the next starts with 10 idle
        assertEquals(10, pool.stats().idle());
        pool.setMaxConnections(4); // 6 idle close now; 4 stay, 2 of them above spares
        assertEquals(4, pool.stats().idle(), "" + pool.stats());
        int opened = h.factory.connections.size();
        h.advanceTo(idleTimeout.multipliedBy(2)); // this window never needed more than spares
        assertEquals(2, pool.stats().idle(), "spares stay: " + pool.stats());
        assertEquals(opened, h.factory.connections.size(),
                "the shrink closed only the 2 above spares, so nothing had to be opened again");
    }
}
