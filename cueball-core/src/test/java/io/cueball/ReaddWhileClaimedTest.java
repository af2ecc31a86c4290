package io.cueball;

import static io.cueball.EngineHarness.A;
import static io.cueball.EngineHarness.B;
import static io.cueball.EngineHarness.C;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Invariant 1 at every instant when a removed backend is re-added while one of its connections is claimed (found by
 * review: the claimed connection counted again at once, and countable exceeded maxConnections until the surplus
 * idle connections' closes returned). It stays exempt when there is no room, and closes when released.
 */
class ReaddWhileClaimedTest {
    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void reAddingABackendWhileItsConnectionIsClaimedNeverExceedsMax() {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A, B, C).maxConnections(6).threadAffinity(0));
        Claim<MemoryConnection> a = null;
        var others = new java.util.ArrayList<Claim<MemoryConnection>>();
        while (a == null) {
            var c = pool.tryClaim().orElseThrow();
            if (c.backend().equals(A)) {
                a = c;
            } else {
                others.add(c);
            }
        }
        others.forEach(Claim::close);
        h.resolver.remove(A);
        h.advanceTo(h.sinceStart().plus(EngineHarness.REBALANCE_DELAY));
        h.executor.queueing(); // closes run a moment later, as on a real executor
        h.resolver.add(A);
        h.advanceTo(h.sinceStart().plus(EngineHarness.REBALANCE_DELAY));
        int countable = pool.engine().countable;
        assertTrue(countable <= 6, "invariant 1: countable " + countable + " > maxConnections 6");
        h.executor.inline();
        h.executor.runAll();
        a.close();
        h.executor.runAll();
        assertTrue(pool.engine().countable <= 6, "and after the release");
        assertEquals(6, pool.stats().idle(), "the pool is whole again: " + pool.stats());
    }
}
