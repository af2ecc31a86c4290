package io.cueball;

import static io.cueball.EngineHarness.A;
import static io.cueball.EngineHarness.B;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * CLOCKLESS (PoolEngine) and STAMPS (Housekeeper): the paths besides the plain claim by which a connection may
 * reach a claim, each of which must leave the check-on-claim promise intact. Most were found by a review.
 */
class ClocklessPathsTest {
    private final EngineHarness h = new EngineHarness();
    private final MetricsRecorder recorder = new MetricsRecorder() { };

    @AfterEach
    void tearDown() {
        h.close();
    }

    /**
     * A pool of {@code connections} (strict FIFO, no periodic checks, connect work run inline) whose connections were
     * opened at 0.1 s and never claimed, at 3 s: every one due for its check, and the STAMPS pass stopped.
     */
    private ConnectionPool<MemoryConnection> idleUntilDue(int connections) {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A).maxConnections(connections).threadAffinity(0)
                .healthCheckInterval(Duration.ofHours(1)));
        h.advanceTo(Duration.ofSeconds(3));
        return pool;
    }

    /**
     * A due connection is checked by whichever claim gets it next: a claim that reads the clock for a recorder
     * too, although its lastUsedAt alone would call it fresh (found in review: such a claim used to leave the flag,
     * so that a clockless claim right after checked a connection used milliseconds before, and the counter it
     * moved made a restarted pass stamp it younger than it was).
     */
    @Test
    void aDueConnectionIsCheckedByATimedClaimAndNotAgainRightAfter() {
        var pool = h.startAndSettle(h.builder(A).maxConnections(1).threadAffinity(0)
                .healthCheckInterval(Duration.ofHours(1)));
        MemoryConnection c1 = h.factory.connections.get(0);
        pool.addMetricsRecorder(recorder);
        h.advanceTo(Duration.ofMillis(200));
        pool.claim().close(); // timed: lastUsedAt = 200 ms

        h.advanceTo(Duration.ofMillis(1150)); // flagged at the pass at 1100 ms (900 ms > 750 ms); the pass stops
        pool.claim().close(); // timed, 950 ms: fresh by lastUsedAt, but due: checked
        assertEquals(List.of(h.t0 + Duration.ofMillis(1150).toNanos()), c1.healthChecks);
        pool.removeMetricsRecorder(recorder);
        h.advanceTo(Duration.ofMillis(1160));
        pool.claim().close(); // clockless, 10 ms after the last claim began
        assertEquals(1, c1.healthChecks.size(), "claimed 10 ms before, checked at " + c1.healthChecks);

        // And the pass restarted at that check: 1 s idle later, the connection is due again.
        h.advanceTo(Duration.ofMillis(2200));
        pool.claim().close();
        assertEquals(2, c1.healthChecks.size(), "checked after 1 s idle since the restart");
    }

    /**
     * A claim that waited is handed a connection that may have sat idle (here resume() hands the waiting claim an
     * idle, due connection): it checks it as any claim would.
     */
    @Test
    void aWaitingClaimHandedADueConnectionChecksIt() throws Exception {
        var pool = h.startAndSettle(h.builder(A).maxConnections(1).healthCheckInterval(Duration.ofHours(1)));
        MemoryConnection c1 = h.factory.connections.get(0);
        pool.claim().close();
        h.advanceTo(Duration.ofSeconds(3)); // due, and the pass stopped
        pool.suspend();
        CompletableFuture<MemoryConnection> waiter = new CompletableFuture<>();
        EngineHarness.claimingThread(pool, "waiter", waiter).start();
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().waiting() == 1);
        pool.resume();
        assertSame(c1, waiter.get(10, TimeUnit.SECONDS));
        assertEquals(List.of(h.t0 + Duration.ofSeconds(3).toNanos()), c1.healthChecks, "checked by the waiter");
    }

    /**
     * A connection released to the lock (checkDue cleared) whose backend is ejected is parked, and the STAMPS
     * pass must run for it too: when the ejection ends without a probe (ensureServiceLocked: the other backend is
     * removed), it goes back to the ring, and the next claim must check it after its seconds parked. Found in
     * review: offerLocked parked it before starting the pass, and it was handed out unchecked.
     */
    @Test
    void aParkedConnectionRestoredWithoutAProbeIsCheckedAfterSecondsIdle() {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A, B).maxConnections(4).threadAffinity(0)
                .scoreDecay(Duration.ofSeconds(20)).healthCheckInterval(Duration.ofHours(1)).ejectionMinOutcomes(5)
                .ejectionFailureRate(0.5).baseEjectionTime(Duration.ofSeconds(30)).maxEjectionTime(Duration.ofMinutes(1)));
        h.advanceTo(Duration.ofSeconds(1));
        for (int i = 0; i < 4; i++) {
            h.useOnce(A, c -> c.fail(new java.net.SocketTimeoutException("read timed out")));
        }
        List<Claim<MemoryConnection>> claims = h.claimAll();
        List<Claim<MemoryConnection>> ofA = claims.stream().filter(c -> c.backend().equals(A)).toList();
        assertEquals(2, ofA.size());
        Claim<MemoryConnection> held = ofA.get(1);
        MemoryConnection monitor = held.connection();
        ofA.get(0).fail(new java.net.SocketTimeoutException("read timed out")); // ejected, `held` still claimed
        assertEquals(BackendStatus.EJECTED, h.stats(A).status());
        claims.stream().filter(c -> c != held && c != ofA.get(0)).forEach(Claim::close);

        h.advanceTo(Duration.ofSeconds(3)); // every slot flagged (idle, or held) 1 s on: the pass has stopped
        held.close(); // to the lock (retired): checkDue cleared, then parked
        assertEquals(1, h.stats(A).open());

        h.advanceTo(Duration.ofSeconds(6)); // parked 3 s
        h.resolver.remove(B);
        h.clock.advance(EngineHarness.REBALANCE_DELAY); // B removed: A is restored without a probe
        assertEquals(BackendStatus.LIVE, h.stats(A).status());
        Claim<MemoryConnection> next = pool.claim();
        assertSame(monitor, next.connection(), "the restored monitor is the oldest idle connection");
        next.close();
        assertEquals(1, monitor.healthChecks.size(), "claimed at " + h.sinceStart() + ", released to the lock at"
                + " 3 s and parked since: handed out unchecked");
    }

    /**
     * claimOpenedAfter takes an idle connection under the lock (takeOpenedAfterLocked): it runs the check a due
     * connection asks for, which clears the flag, so the next claim, 10 ms after, does not check it again (found in
     * the second review: it served it without looking at the flag).
     */
    @Test
    void aClaimOpenedAfterClearsTheFlagOfTheConnectionItChecked() {
        var pool = idleUntilDue(1);
        MemoryConnection c1 = h.factory.connections.get(0);
        try (var c = pool.claimOpenedAfter(Instant.now().minusSeconds(3600), Duration.ofSeconds(5))) {
            assertSame(c1, c.connection());
        }
        int checksAfterFresh = c1.healthChecks.size();
        h.advanceTo(Duration.ofMillis(3010));
        pool.claim().close(); // clockless: its last claim began 10 ms ago
        assertEquals(checksAfterFresh, c1.healthChecks.size(), "claimed 10 ms before by claimOpenedAfter, yet"
                + " checked at " + c1.healthChecks + " (start " + h.t0 + ")");
    }

    /**
     * claimOpenedAfter checks a due connection as any claim does (it did not, before CLOCKLESS either; in a pool
     * that reads the clock: CheckOnClaimPoolKindsTest).
     */
    @Test
    void aClaimOpenedAfterChecksADueConnection() {
        var pool = idleUntilDue(1);
        MemoryConnection c1 = h.factory.connections.get(0);
        try (var c = pool.claimOpenedAfter(Instant.now().minusSeconds(3600), Duration.ofSeconds(5))) {
            assertSame(c1, c.connection());
            assertEquals(List.of(h.t0 + Duration.ofSeconds(3).toNanos()), c1.healthChecks,
                    "idle 2.9 s, handed out by claimOpenedAfter unchecked");
        }
    }

    /**
     * A racing waiter (Waiters.serveSelf) polls an idle connection lock-free while it is handed another under the
     * lock: it gives the polled one back as it was (giveBackLocked), neither used nor checked, so the next claim
     * checks it. Found in the second review: it went back through the release, which stamped it as used now and
     * cleared its flag. The interleaving is driven by hand: the waiter is queued with no thread, handed the
     * replacement of a failed connection, and then runs the serveSelf its thread was about to run.
     */
    @Test
    void aDueConnectionAWaiterGivesBackUnusedStaysDue() throws Exception {
        var pool = idleUntilDue(2);
        PoolEngine<MemoryConnection> engine = pool.engine();
        Claim<MemoryConnection> held = pool.claim(); // the oldest: checked
        MemoryConnection first = held.connection();
        MemoryConnection other = h.factory.connections.get(0) == first ? h.factory.connections.get(1)
                : h.factory.connections.get(0);
        assertEquals(1, first.healthChecks.size());

        Claim<MemoryConnection> waiter = new Claim<>(engine);
        engine.lock();
        try {
            engine.waiters.addLocked(waiter, h.clock.nanoTime(), java.util.concurrent.TimeUnit.SECONDS.toNanos(30));
        } finally {
            engine.unlock();
        }
        held.fail(new java.net.SocketTimeoutException("read timed out")); // closed; its refill goes to the waiter
        assertEquals(Claim.ACTIVE, waiter.state);
        MemoryConnection handed = waiter.connection();
        assertEquals(3, h.factory.connections.size());
        assertSame(h.factory.connections.get(2), handed);

        // The waiter's thread, which had read WAITING just before the handover, now races for a connection.
        java.lang.reflect.Method serveSelf = Waiters.class.getDeclaredMethod("serveSelf", Claim.class);
        serveSelf.setAccessible(true);
        serveSelf.invoke(engine.waiters, waiter); // polls `other` (idle 2.9 s), not waiting: gives it back
        assertEquals(0, other.healthChecks.size());

        h.advanceTo(Duration.ofMillis(3002));
        try (var next = pool.claim()) {
            assertSame(other, next.connection());
        }
        assertEquals(1, other.healthChecks.size(), "last claimed before 0.1 s, idle since, handed out at "
                + h.sinceStart() + " unchecked: " + other.healthChecks);
        waiter.close();
    }

    /**
     * checkOnClaim clears checkDue under the lock, with lastUsedAt: a pass that runs while the claimer waits for
     * the lock (after another claim's check restarted it and took the counters) cannot flag the slot again behind
     * it, so the next claim, 10 ms after the check, does not check it again (found in the second review: the flag
     * was cleared before the lock). The test thread holds the pool lock (the claimer waits as it would behind a
     * busy lock or a descheduling); the other claim and the timer run on the test thread (the lock is reentrant).
     */
    @Test
    void aCheckThatWaitsForTheLockIsNotFlaggedAgainBehindIt() throws Exception {
        var pool = idleUntilDue(2);
        PoolEngine<MemoryConnection> engine = pool.engine();
        CompletableFuture<MemoryConnection> got = new CompletableFuture<>();
        Thread claimer = EngineHarness.claimingThread(pool, "claimer", got);
        Claim<MemoryConnection> other;
        engine.lock();
        try {
            claimer.start();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> claimer.getState() == Thread.State.WAITING); // in checkOnClaim, on the lock
            other = pool.claim(); // the other due connection: checked, and the pass restarts (snapshot)
            h.clock.advance(Duration.ofMillis(300)); // the pass at 3.25 s, while the claimer waits
        } finally {
            engine.unlock();
        }
        MemoryConnection first = got.get(10, TimeUnit.SECONDS);
        assertEquals(1, first.healthChecks.size());
        other.close();

        h.advanceTo(Duration.ofMillis(3310));
        Claim<MemoryConnection> x = pool.claim();
        Claim<MemoryConnection> y = pool.claim();
        x.close();
        y.close();
        assertEquals(1, first.healthChecks.size(), "its last claim began at 3 s (checked at 3.3 s), claimed again"
                + " at 3.31 s and checked again: " + first.healthChecks + " (start " + h.t0 + ")");
    }

    /** A pool that chooses each claim's backend (weighted) takes the lock to claim, and reads the clock. */
    @Test
    void aWeightedPoolIsNotClocklessAndReadsTheClock() {
        var pool = h.startAndSettle(h.builder(A).maxConnections(4).hostSelection(HostSelection.weighted()));
        assertEquals(false, pool.engine().clockless);
        long before = h.clock.reads.get();
        for (int i = 0; i < 100; i++) {
            pool.claim().close();
        }
        long reads = h.clock.reads.get() - before;
        assertEquals(true, reads >= 200, "clock reads for 100 weighted claims and releases: " + reads);
    }

    /**
     * The housekeeper's health check goes by lastUsedAt, which in a clockless pool is a stamp up to one pass (250 ms)
     * older than the claim it stands for, and is not written until the pass after that claim: a connection claimed
     * since the last pass is not taken for a check (found in the second review: one claimed every `gap` was taken
     * out for a health check at a healthCheckInterval longer than the gap). What remains is the pass's lag: with
     * the interval one pass longer than the gap, it is never checked.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {510, 590, 610, 660, 700, 740})
    void aConnectionClaimedMoreOftenThanTheHealthCheckIntervalLessAPassIsNotHealthChecked(int gapMs) {
        Duration interval = Duration.ofMillis(gapMs).plus(PoolOptions.CHECK_ON_CLAIM_AFTER_IDLE.dividedBy(4))
                .plusMillis(10);
        var pool = h.startAndSettle(h.builder(A).maxConnections(1).threadAffinity(0).healthCheckInterval(interval));
        MemoryConnection only = h.factory.connections.get(0);
        pool.claim().close();
        for (int i = 0; i < 40; i++) {
            h.clock.advance(Duration.ofMillis(gapMs));
            h.executor.runAll();
            pool.claim().close();
        }
        assertEquals(List.of(), only.healthChecks.stream().map(t -> Duration.ofNanos(t - h.t0)).toList(),
                "claimed every " + gapMs + " ms, healthCheckInterval " + interval + ", yet health-checked");
    }
}
