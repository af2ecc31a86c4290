package io.cueball;

import static io.cueball.EngineHarness.A;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.AbstractQueuedSynchronizer;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * HEAD URGENT with a claim's own dispatch: claim() reads the clock before it takes the lock, and dispatching with
 * that instant made it the next head's judgedSince when the judged head had left meanwhile, which may be before that
 * head was even queued ("never more than it waited" did not hold) and let the next release hand it a connection at
 * once. The claim dispatches with a fresh reading (found by a review).
 */
class HeadUrgentStaleNowTest {
    private final EngineHarness h = new EngineHarness();
    private Thread claimer;

    @AfterEach
    void tearDown() throws InterruptedException {
        h.close();
        if (claimer != null) {
            claimer.join(10_000);
            assertFalse(claimer.isAlive());
        }
    }

    private static Claim<MemoryConnection> queue(PoolEngine<MemoryConnection> engine, long now) {
        Claim<MemoryConnection> claim = new Claim<>(engine);
        engine.waiters.addLocked(claim, now, TimeUnit.SECONDS.toNanos(30)); // under the lock the test holds
        return claim;
    }

    @Test
    void aClaimsStaleInstantDoesNotCountAsTimeAtTheHead() throws InterruptedException {
        var pool = h.startAndSettle(h.builder(A).maxConnections(1));
        PoolEngine<MemoryConnection> engine = pool.engine();
        Claim<MemoryConnection> held = pool.claim();
        MemoryConnection only = held.connection();

        Claim<MemoryConnection> head;
        engine.lock();
        try {
            // A claimer reads the clock (T0), finds nothing lock-free, and blocks on the pool lock.
            claimer = new Thread(() -> {
                try {
                    pool.claim(Duration.ofSeconds(5)).close();
                } catch (ClaimInterruptedException e) {
                    // expected: the test interrupts it once it has queued and dispatched
                }
            }, "stale-now-claimer");
            claimer.start();
            await("the claimer blocks on the pool lock").atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(1))
                    .until(() -> LockSupport.getBlocker(claimer) instanceof AbstractQueuedSynchronizer);
            // Meanwhile, 1 ms later by the pool clock (T1), a claim G is queued and leaves; H is queued behind it.
            h.clock.advanceNanos(2 * Waiters.HEAD_URGENT_AFTER_NANOS);
            Claim<MemoryConnection> g = queue(engine, h.clock.nanoTime());
            head = queue(engine, h.clock.nanoTime());
            engine.waiters.removeLocked(g);
        } finally {
            engine.unlock();
        }
        // The claimer queues behind H and dispatches with T0: H, new to the judge, is judged from T0.
        await("the claimer queued").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1)).until(() -> {
            engine.lock();
            try {
                return engine.waiters.sizeLocked() == 2;
            } finally {
                engine.unlock();
            }
        });

        // The claimer leaves (interrupted: it cancels itself), so that no racing thread can take the connection.
        claimer.interrupt();
        claimer.join(10_000);
        assertFalse(claimer.isAlive());

        // At T1, H has been at the head (and waited at all) for 0 ns of pool time: this release should not hand it
        // the connection (HEAD URGENT: "never more than it waited").
        held.close();
        assertTrue(head.isWaiting(), "H was handed the connection after 0 ns at the head: judged from the claimer's "
                + "stale instant; state " + head.state);

        // Sanity: 500 us later it is.
        pool.tryClaim().ifPresent(Claim::close);
        h.clock.advanceNanos(Waiters.HEAD_URGENT_AFTER_NANOS);
        pool.tryClaim().ifPresent(Claim::close);
        assertEquals(Claim.ACTIVE, head.state);
        assertSame(only, head.connection());
        head.close();
    }
}
