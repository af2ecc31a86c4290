package io.cueball;

import static io.cueball.EngineHarness.A;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.AbstractQueuedSynchronizer;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * HEAD URGENT (Waiters): a release hands the queue's head its connection once the head has been there for
 * {@link Waiters#HEAD_URGENT_AFTER_NANOS} by the pool clock, instead of leaving the connection in the ring where the
 * releasing thread's next claim takes it first. The waiting claims here are queued by hand, with no thread running
 * their wait, so they never mark themselves urgent: only the release's judgement can serve them.
 *
 * <p>A claim that queues dispatches too, and judges the head by a fresh reading: claim() reads the clock before it
 * takes the lock, and dispatching with that instant made it the next head's start when the judged head had left
 * meanwhile, which may be before that head was even queued, so the next release handed it a connection at once
 * (found by a review).
 */
class HeadUrgentTest {
    private static final long HEAD_URGENT = Waiters.HEAD_URGENT_AFTER_NANOS;

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

    /** Queues a claim with no thread waiting on it, as claim() would (pool clock instant); the lock is reentrant. */
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
