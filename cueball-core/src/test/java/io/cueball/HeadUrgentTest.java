package io.cueball;

import static io.cueball.EngineHarness.A;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * HEAD URGENT (Waiters): a release hands the queue's head its connection once the head has been there for
 * {@link Waiters#HEAD_URGENT_AFTER_NANOS} by the pool clock, instead of leaving the connection in the ring where the
 * releasing thread's next claim takes it first. The waiting claims here are queued by hand, with no thread running
 * their wait, so they never mark themselves urgent: only the release's judgement can serve them.
 */
class HeadUrgentTest {
    private static final long HEAD_URGENT = Waiters.HEAD_URGENT_AFTER_NANOS;

    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void tearDown() {
        h.close();
    }

    /** Queues a claim with no thread waiting on it, as claim() would (pool clock instant). */
    private static Claim<MemoryConnection> queue(PoolEngine<MemoryConnection> engine, long now) {
        Claim<MemoryConnection> claim = new Claim<>(engine);
        engine.lock();
        try {
            engine.waiters.addLocked(claim, now, TimeUnit.SECONDS.toNanos(30));
        } finally {
            engine.unlock();
        }
        return claim;
    }

    /** A claim and its release on this thread: the release is the one that judges the head. */
    private static void claimAndRelease(ConnectionPool<MemoryConnection> pool) {
        Optional<Claim<MemoryConnection>> barging = pool.tryClaim();
        assertTrue(barging.isPresent(), "the head is not urgent yet: a new claim takes the idle connection first");
        barging.get().close();
    }

    @Test
    void aReleaseHandsTheHeadItsConnectionOnceItHasWaitedThereLongEnough() {
        var pool = h.startAndSettle(h.builder(A).maxConnections(1));
        PoolEngine<MemoryConnection> engine = pool.engine();
        Claim<MemoryConnection> held = pool.claim();
        MemoryConnection only = held.connection();
        Claim<MemoryConnection> waiter = queue(engine, h.clock.nanoTime());

        h.clock.advanceNanos(HEAD_URGENT - 1);
        held.close(); // the head has waited just under the bound: woken to race, the connection stays in the ring
        assertTrue(waiter.isWaiting());
        claimAndRelease(pool);
        assertTrue(waiter.isWaiting());

        h.clock.advanceNanos(1);
        pool.tryClaim().orElseThrow().close(); // this release finds the head there HEAD_URGENT_AFTER: handed over
        assertEquals(Claim.ACTIVE, waiter.state);
        assertSame(only, waiter.connection());
        assertFalse(pool.tryClaim().isPresent(), "the only connection is the head's now");
        waiter.close();
        assertTrue(pool.tryClaim().isPresent());
    }

    @Test
    void theNextHeadIsJudgedFromTheFirstReleaseThatSeesItThere() {
        var pool = h.startAndSettle(h.builder(A).maxConnections(1));
        PoolEngine<MemoryConnection> engine = pool.engine();
        Claim<MemoryConnection> held = pool.claim();
        Claim<MemoryConnection> first = queue(engine, h.clock.nanoTime());
        Claim<MemoryConnection> second = queue(engine, h.clock.nanoTime());

        h.clock.advance(Duration.ofNanos(2 * HEAD_URGENT));
        held.close();
        assertEquals(Claim.ACTIVE, first.state, "the head, queued into an empty queue, waited long enough");
        assertTrue(second.isWaiting());

        // The second has waited as long, but at the head only from now: it is not served ahead of a racing claim.
        first.close();
        assertTrue(second.isWaiting());
        claimAndRelease(pool);
        assertTrue(second.isWaiting());
        h.clock.advanceNanos(HEAD_URGENT);
        pool.tryClaim().orElseThrow().close();
        assertEquals(Claim.ACTIVE, second.state);
        second.close();
    }
}
