package io.cueball;

import static io.cueball.EngineHarness.A;
import static io.cueball.EngineHarness.B;
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

    private int countable() {
        h.pool.engine().lock();
        try {
            return h.pool.engine().countable;
        } finally {
            h.pool.engine().unlock();
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
}
