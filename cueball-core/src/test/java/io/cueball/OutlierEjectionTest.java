package io.cueball;

import static io.cueball.EngineHarness.A;
import static io.cueball.EngineHarness.B;
import static io.cueball.EngineHarness.C;
import static io.cueball.EngineHarness.REBALANCE_DELAY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Outlier ejection (BackendHealth's EJECTION and REVIVAL): a backend whose uses fail while its connects succeed is
 * ejected, its share moves to the others, its monitor connection is parked out of service, and it comes back
 * when a probe at the end of its ejection passes. Never more than maxEjectionPercent ejected, never the last
 * backend in service (invariant 8).
 */
class OutlierEjectionTest {
    private static final Backend D = Backend.of("d.test", 5432);
    private static final Duration BASE = Duration.ofSeconds(10);
    private static final Duration EJECT_AT = Duration.ofSeconds(1);

    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void tearDown() {
        h.close();
    }

    /**
     * FIFO claims, outcomes in slots of 1 s, ejected at 5 outcomes failing half or more, for 10 s at first, no
     * periodic health checks to blur what the probes do.
     */
    private ConnectionPool.Builder<MemoryConnection> builder(Backend... backends) {
        return h.builder(backends).threadAffinity(0).scoreDecay(Duration.ofSeconds(20)).healthCheckInterval(
                Duration.ofHours(1)).ejectionMinOutcomes(5).ejectionFailureRate(0.5).baseEjectionTime(BASE)
                .maxEjectionTime(Duration.ofMinutes(1));
    }

    private ConnectionPool<MemoryConnection> start(ConnectionPool.Builder<MemoryConnection> builder) {
        h.executor.inline();
        var pool = h.startAndSettle(builder);
        h.advanceTo(EJECT_AT);
        return pool;
    }

    private long at(Duration sinceStart) {
        return h.t0 + sinceStart.toNanos();
    }

    private static SocketTimeoutException timeout() {
        return new SocketTimeoutException("read timed out");
    }

    private void failUses(Backend b, int n) {
        for (int i = 0; i < n; i++) {
            h.useOnce(b, c -> c.fail(timeout()));
        }
    }

    /** The one connection an ejected backend keeps open: its monitor. */
    private MemoryConnection monitorOf(Backend b) {
        List<MemoryConnection> open = h.factory.open(b);
        assertEquals(1, open.size(), "an ejected backend keeps one connection: " + open);
        return open.get(0);
    }

    /** Claims every idle connection a few times over and checks none is {@code b}'s. @return claims per round */
    private int assertNoClaimReaches(Backend b) {
        int served = -1;
        for (int round = 0; round < 10; round++) {
            List<Claim<MemoryConnection>> claims = h.claimAll();
            claims.forEach(c -> assertNotEquals(b.key(), c.backend().key(), "a claim got " + b.key()));
            claims.forEach(Claim::close);
            served = claims.size();
        }
        return served;
    }

    private List<String> hosts(List<Claim<MemoryConnection>> claims) {
        return claims.stream().map(c -> c.backend().host()).sorted().collect(Collectors.toList());
    }

    // ---- ejection ----

    @Test
    void aBackendWhoseUsesFailIsEjectedAtMinOutcomesItsShareMovesAndItsMonitorIsParked() {
        var pool = start(builder(A, B, C).maxConnections(6));
        for (int i = 1; i <= 4; i++) {
            h.useOnce(A, c -> c.fail(timeout()));
            assertEquals(BackendStatus.LIVE, h.stats(A).status(), i + " outcomes: fewer than ejectionMinOutcomes");
        }
        h.useOnce(A, c -> c.fail(new SocketTimeoutException("read timed out after 1000 ms")));

        BackendStats a = h.stats(A);
        assertEquals(BackendStatus.EJECTED, a.status());
        assertEquals(1, a.ejections());
        assertEquals(5, a.useFailures());
        assertEquals(0, a.consecutiveFailures(), "its connects are fine");
        assertTrue(a.reason().startsWith("use failure rate 100% over 5 outcomes (threshold 50%)"), a.reason());
        assertTrue(a.reason().endsWith("last failure: java.net.SocketTimeoutException: read timed out after 1000 ms"),
                a.reason());
        assertEquals(List.of(new RecordingPoolListener.Ejection(A.key(), a.reason(), BASE, at(EJECT_AT))),
                h.listener.ejections);
        assertEquals(1, pool.stats().backendsEjected());
        assertEquals(PoolState.RUNNING, pool.state());
        assertEquals(BackendStatus.LIVE, h.stats(B).status());
        assertEquals(BackendStatus.LIVE, h.stats(C).status());

        // Its share moved at once: a monitor slot for A, the other five for B and C.
        Map<String, Integer> plan = h.listener.plans.get(h.listener.plans.size() - 1);
        assertEquals(1, plan.get(A.key()));
        assertEquals(5, plan.get(B.key()) + plan.get(C.key()));
        assertEquals(1, a.target());
        assertEquals(5, h.stats(B).open() + h.stats(C).open());
        assertTrue(Math.abs(h.stats(B).open() - h.stats(C).open()) <= 1);

        // Its monitor connection is open and counted, but out of service: no claim gets it.
        MemoryConnection monitor = monitorOf(A);
        assertEquals(1, a.open());
        assertEquals(1, a.idle());
        assertEquals(6, pool.stats().total());
        long claimsOfA = a.claims();
        assertEquals(5, assertNoClaimReaches(A), "the other five serve every claim");
        assertEquals(claimsOfA, h.stats(A).claims());
        assertEquals(0, monitor.closes());
        assertTrue(monitor.healthChecks.isEmpty(), "parked: not checked by claims or the housekeeper");
    }

    @Test
    void fewerThanMinOutcomesNeverEject() {
        start(builder(A, B, C).maxConnections(6).ejectionMinOutcomes(10));
        failUses(A, 9);
        assertEquals(BackendStatus.LIVE, h.stats(A).status());
        assertEquals(0.0, h.stats(A).score(), "every one failed");
        failUses(A, 1);
        assertEquals(BackendStatus.EJECTED, h.stats(A).status(), "the tenth outcome");
    }

    @Test
    void aBackendIsEjectedOnlyOnceItsFailureRateReachesTheThreshold() {
        start(builder(A, B, C).maxConnections(6).ejectionMinOutcomes(4));
        for (int i = 0; i < 3; i++) {
            h.useOnce(A, Claim::close); // successes, recorded lock-free and harvested when a failure is judged
        }
        failUses(A, 1);
        assertEquals(BackendStatus.LIVE, h.stats(A).status(), "4 outcomes, 25% failed");
        failUses(A, 1);
        assertEquals(BackendStatus.LIVE, h.stats(A).status(), "5 outcomes, 40% failed");
        failUses(A, 1);
        assertEquals(BackendStatus.EJECTED, h.stats(A).status(), "6 outcomes, 50% failed");
        assertTrue(h.stats(A).reason().startsWith("use failure rate 50% over 6 outcomes"), h.stats(A).reason());
    }

    @Test
    void reportedScoresOnTheLockFreePathAreJudgedAtTheNextScoreTick() {
        start(builder(A, B, C).maxConnections(6).ejectionMinOutcomes(4));
        h.advanceTo(Duration.ofMillis(1500));
        for (int i = 0; i < 4; i++) {
            h.useOnce(A, c -> {
                c.report(0.0);
                c.close(); // lock-free: nothing judged here
            });
        }
        assertEquals(0.0, h.stats(A).score());
        assertEquals(0, h.stats(A).useFailures(), "a reported 0 is an outcome, not a failure");
        assertEquals(BackendStatus.LIVE, h.stats(A).status(), "stats() harvests but does not judge");

        // The score tick every scoreDecay / 20 = 1 s harvests and judges.
        h.advanceTo(Duration.ofSeconds(2).minusNanos(1));
        assertEquals(BackendStatus.LIVE, h.stats(A).status());
        h.advanceTo(Duration.ofSeconds(2));
        assertEquals(BackendStatus.EJECTED, h.stats(A).status());
        assertEquals(at(Duration.ofSeconds(2)), h.listener.ejections.get(0).at());
    }

    @Test
    void aConnectionClaimedWhenItsBackendIsEjectedIsParkedWhenReleased() {
        start(builder(A, B, C).maxConnections(6));
        failUses(A, 4);
        List<Claim<MemoryConnection>> claims = h.claimAll();
        List<Claim<MemoryConnection>> ofA = claims.stream().filter(c -> c.backend().equals(A)).toList();
        assertEquals(2, ofA.size());
        MemoryConnection held = ofA.get(1).connection();
        ofA.get(0).fail(timeout()); // the fifth: ejected while the other is claimed
        assertEquals(BackendStatus.EJECTED, h.stats(A).status());
        claims.forEach(Claim::close); // the other comes back through the lock, which parks it

        assertSame(held, monitorOf(A), "the claimed one is its monitor now");
        assertEquals(5, assertNoClaimReaches(A));
        assertEquals(0, held.closes());
    }

    /**
     * With thread affinity a release may keep its connection for the same thread's next claim, outside the ring
     * (STICKY). Ejected at the score tick while this thread keeps one of A's, that connection is parked too.
     */
    @Test
    void aConnectionKeptByAThreadForItsNextClaimIsParkedWhenItsBackendIsEjected() {
        start(builder(A, B, C).maxConnections(6).threadAffinity(64).ejectionMinOutcomes(4));
        h.advanceTo(Duration.ofMillis(1500));
        MemoryConnection kept = null;
        for (int i = 0; i < 4; i++) {
            kept = h.useOnce(A, c -> {
                c.report(0.0);
                c.close(); // released first: this thread keeps it for its next claim
            });
        }
        try (var next = h.pool.tryClaim().orElseThrow()) {
            assertEquals(kept, next.connection(), "kept for this thread's next claim");
        }
        assertEquals(BackendStatus.LIVE, h.stats(A).status());

        h.advanceTo(Duration.ofSeconds(2)); // the score tick ejects A while this thread keeps its connection
        assertEquals(BackendStatus.EJECTED, h.stats(A).status());
        assertEquals(5, assertNoClaimReaches(A), "not the kept one either");
        assertEquals(1, h.stats(A).open(), "of its two, one closed as surplus and one parked");
        monitorOf(A);
    }

    // ---- the cap: maxEjectionPercent, and never the last in service ----

    @Test
    void whenEveryBackendFailsItsUsesAtMostMaxEjectionPercentAreEjectedAndTheRestServe() {
        var pool = start(builder(A, B, C, D).maxConnections(8).ejectionMinOutcomes(3).maxEjectionPercent(50));
        for (int round = 0; round < 10; round++) {
            for (Claim<MemoryConnection> claim : h.claimAll()) {
                claim.fail(timeout());
                assertTrue(pool.stats().backendsEjected() <= 2, "never more than half of 4: " + pool.stats());
            }
        }
        assertEquals(2, pool.stats().backendsEjected());
        assertEquals(List.of(A.key(), B.key()), h.listener.ejections.stream().map(RecordingPoolListener.Ejection::key)
                .collect(Collectors.toList()), "the first two to reach ejectionMinOutcomes, in queue order");
        List<BackendStats> live = pool.stats().backends().stream().filter(b -> b.status() == BackendStatus.LIVE)
                .collect(Collectors.toList());
        assertEquals(2, live.size());
        for (BackendStats b : live) {
            assertEquals(0.0, b.score(), b.backend().key() + " fails every use, yet stays: the cap is reached");
            assertTrue(b.useFailures() >= 10, b.toString());
            assertEquals(3, b.target());
        }
        assertEquals(PoolState.RUNNING, pool.state());

        List<Claim<MemoryConnection>> claims = h.claimAll();
        assertEquals(6, claims.size(), "claims are still served, by the two in service");
        List<String> servers = live.stream().map(b -> b.backend().host()).collect(Collectors.toList());
        claims.forEach(c -> assertTrue(servers.contains(c.backend().host()), c.toString()));
        claims.forEach(Claim::close);
    }

    @Test
    void aLoneBackendIsNeverEjected() {
        var pool = start(builder(A).maxConnections(2).ejectionMinOutcomes(3).maxEjectionPercent(100));
        failUses(A, 20);
        assertEquals(BackendStatus.LIVE, h.stats(A).status());
        assertEquals(0, h.stats(A).ejections());
        assertEquals(2, h.claimAll().size(), "still served");
        assertEquals(PoolState.RUNNING, pool.state());
    }

    @Test
    void theLastBackendInServiceIsNeverEjectedEvenAtMaxEjectionPercent100() {
        var pool = start(builder(A, B).maxConnections(4).ejectionMinOutcomes(3).maxEjectionPercent(100));
        for (int round = 0; round < 10; round++) {
            h.claimAll().forEach(c -> c.fail(timeout()));
        }
        assertEquals(1, pool.stats().backendsEjected());
        assertEquals(1, pool.stats().backendsLive());
        assertEquals(1, h.listener.count("backendEjected"));
        List<Claim<MemoryConnection>> claims = h.claimAll();
        assertEquals(3, claims.size(), "the one in service serves");
        claims.forEach(Claim::close);
    }

    @Test
    void maxEjectionPercentZeroDisablesEjection() {
        start(builder(A, B, C).maxConnections(6).maxEjectionPercent(0));
        failUses(A, 20);
        assertEquals(BackendStatus.LIVE, h.stats(A).status());
        assertEquals(0, h.stats(A).ejections());
        assertEquals(0.0, h.stats(A).score(), "still scored");
        assertEquals(2, h.stats(A).target());
    }

    // ---- the end of an ejection ----

    @Test
    void atTheEndOfTheEjectionThePassedProbeOfItsMonitorRestoresTheBackend() {
        var pool = start(builder(A, B, C).maxConnections(6));
        failUses(A, 5);
        MemoryConnection monitor = monitorOf(A);
        Duration end = EJECT_AT.plus(BASE);

        h.executor.queueing();
        h.advanceTo(end.minusNanos(1));
        assertEquals(BackendStatus.EJECTED, h.stats(A).status());
        assertEquals(0, h.executor.pending());

        h.advanceTo(end);
        assertEquals(1, h.executor.pending(), "the probe is handed to the executor");
        assertTrue(monitor.healthChecks.isEmpty(), "not run on the clock's thread");
        assertEquals(BackendStatus.EJECTED, h.stats(A).status(), "restored only once its probe passed");
        h.executor.runNext();
        assertEquals(List.of(at(end)), monitor.healthChecks);

        BackendStats a = h.stats(A);
        assertEquals(BackendStatus.LIVE, a.status());
        assertNull(a.reason());
        assertEquals(1.0, a.score(), "judged afresh: its failures are forgotten");
        assertEquals(1, a.ejections());
        assertEquals(List.of(at(end)), h.listener.times("backendRestored", A.key()));
        assertEquals(2, a.target(), "its share comes back at once");

        h.executor.runAll(); // the surplus of B or C closes, then A's second connection opens
        assertEquals(2, h.stats(A).open());
        assertEquals(2, h.stats(B).open());
        assertEquals(2, h.stats(C).open());
        assertEquals(6, pool.stats().total());
        List<Claim<MemoryConnection>> claims = h.claimAll();
        assertEquals(List.of("a.test", "a.test", "b.test", "b.test", "c.test", "c.test"), hosts(claims));
        assertTrue(claims.stream().anyMatch(c -> c.connection() == monitor), "the monitor serves again");
        claims.forEach(Claim::close);
        assertEquals(0, monitor.closes());
    }

    @Test
    void aFailedProbeClosesTheMonitorAndExtendsTheEjectionAtTheNextLevelWithANewParkedMonitor() {
        start(builder(A, B, C).maxConnections(6).maxEjectionTime(Duration.ofSeconds(25)));
        failUses(A, 5);
        MemoryConnection first = monitorOf(A);
        first.healthy = false;

        // Level 1: 10 s. The probe fails: closed, and the ejection goes on for base x 2 = 20 s.
        Duration end1 = EJECT_AT.plus(BASE);
        h.advanceTo(end1);
        assertEquals(List.of(at(end1)), first.healthChecks);
        assertEquals(1, first.closes());
        assertEquals(BackendStatus.EJECTED, h.stats(A).status());
        assertTrue(h.stats(A).reason().startsWith("its health check failed when its ejection ended; use failure rate"),
                h.stats(A).reason());
        assertEquals(1, h.stats(A).ejections(), "one ejection, extended");
        assertEquals(1, h.listener.count("backendEjected"));
        assertEquals(0, h.listener.count("backendRestored"));
        MemoryConnection second = monitorOf(A);
        assertNotSame(first, second);
        assertEquals(at(end1), second.openedAt, "a new monitor, opened at once");
        assertEquals(5, assertNoClaimReaches(A), "and parked");
        second.healthy = false;

        Duration end2 = end1.plus(BASE.multipliedBy(2));
        h.advanceTo(end2.minusNanos(1));
        assertTrue(second.healthChecks.isEmpty(), "the extension lasts base x 2");
        h.advanceTo(end2);
        assertEquals(List.of(at(end2)), second.healthChecks);
        assertEquals(1, second.closes());
        MemoryConnection third = monitorOf(A);

        // Level 3: base x 3 = 30 s, capped at maxEjectionTime, 25 s. This probe passes.
        Duration end3 = end2.plus(Duration.ofSeconds(25));
        h.advanceTo(end3.minusNanos(1));
        assertTrue(third.healthChecks.isEmpty(), "capped at maxEjectionTime");
        assertEquals(BackendStatus.EJECTED, h.stats(A).status());
        assertEquals(0.0, h.stats(A).score(), "stats show its score when ejected, though its window is empty now");
        h.advanceTo(end3);
        assertEquals(List.of(at(end3)), third.healthChecks);
        assertEquals(BackendStatus.LIVE, h.stats(A).status());
        assertEquals(List.of(at(end3)), h.listener.times("backendRestored", A.key()));
        assertEquals(2, h.stats(A).open());
    }

    @Test
    void anEjectedBackendThatDiedAndCameBackWhileEjectedShowsItsEjectionReasonAgain() {
        var pool = start(builder(A, B, C).maxConnections(6).deadAfterFailures(2));
        failUses(A, 5);
        monitorOf(A).healthy = false; // its probe fails when the ejection ends at 11 s
        h.factory.failAlways(A); // and the new monitor cannot connect: 11 s, then the retry at 11.1 s
        h.advanceTo(Duration.ofMillis(11_100));
        BackendStats dead = h.stats(A);
        assertEquals(BackendStatus.DEAD, dead.status());
        assertTrue(dead.reason().startsWith("2 connect failures in a row"), dead.reason());

        h.factory.succeed(A);
        h.advanceTo(Duration.ofSeconds(13)); // its retry at 12.5 s connects: alive, still ejected until 31 s
        BackendStats a = h.stats(A);
        assertEquals(BackendStatus.EJECTED, a.status());
        assertEquals(1, h.listener.count("backendAlive", A.key()));
        assertTrue(a.reason().startsWith("its health check failed when its ejection ended; use failure rate 100%"),
                "the reason it is ejected, not why it was dead: " + a.reason());
        assertEquals(PoolState.RUNNING, pool.state());
    }

    @Test
    void repeatedEjectionsLastBaseTimesTheirLevelUpToMaxEjectionTime() {
        start(builder(A, B, C).maxConnections(6).ejectionMinOutcomes(2).maxEjectionTime(Duration.ofSeconds(25)));
        // Each time it is restored, its uses fail again at once: ejections in a row, level 1, 2, 3, 4.
        Duration now = EJECT_AT;
        List<Long> restoredAt = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            failUses(A, 2);
            assertEquals(BackendStatus.EJECTED, h.stats(A).status());
            now = now.plus(h.listener.ejections.get(i).time());
            h.advanceTo(now.minusNanos(1));
            assertEquals(BackendStatus.EJECTED, h.stats(A).status());
            h.advanceTo(now);
            assertEquals(BackendStatus.LIVE, h.stats(A).status());
            restoredAt.add(at(now));
        }
        assertEquals(List.of(BASE, BASE.multipliedBy(2), Duration.ofSeconds(25), Duration.ofSeconds(25)),
                h.listener.ejections.stream().map(RecordingPoolListener.Ejection::time).collect(Collectors.toList()),
                "base, 2 x base, then 3 x base capped at maxEjectionTime");
        assertEquals(restoredAt, h.listener.times("backendRestored", A.key()));
        assertEquals(4, h.stats(A).ejections());
    }

    @Test
    void theEjectionLevelDropsByOneForEachBaseEjectionTimeSpentInService() {
        start(builder(A, B, C).maxConnections(6).ejectionMinOutcomes(2).maxEjectionTime(Duration.ofHours(1)));
        Duration now = EJECT_AT;
        // Time in service before each ejection (after the first): none, just under one base, two bases, ten.
        Duration[] inService = {Duration.ZERO, BASE.minusNanos(1), BASE.multipliedBy(2), BASE.multipliedBy(10)};
        for (int i = 0; i <= inService.length; i++) {
            if (i > 0) {
                now = now.plus(inService[i - 1]);
                h.advanceTo(now);
            }
            failUses(A, 2);
            assertEquals(BackendStatus.EJECTED, h.stats(A).status());
            now = now.plus(h.listener.ejections.get(i).time());
            h.advanceTo(now);
            assertEquals(BackendStatus.LIVE, h.stats(A).status(), "restored at the end of ejection " + (i + 1));
        }
        // Levels: 1; 2; 2 (no whole base in service) + 1 = 3; 3 - 2 + 1 = 2; max(0, 2 - 10) + 1 = 1.
        assertEquals(List.of(BASE, BASE.multipliedBy(2), BASE.multipliedBy(3), BASE.multipliedBy(2), BASE),
                h.listener.ejections.stream().map(RecordingPoolListener.Ejection::time).collect(Collectors.toList()));
    }

    /**
     * The plan gives an ejected backend a monitor slot only while live backends are fewer than connections. When a
     * backend is added and the plan takes the monitor slot away, the parked monitor closes like any idle surplus,
     * and the live backends get their targets at once rather than when the ejection ends (invariant 2).
     */
    @Test
    void aParkedMonitorAboveItsBackendsTargetClosesSoTheLiveBackendsGetTheirTargets() {
        var pool = start(builder(A, B).maxConnections(2).ejectionMinOutcomes(3));
        failUses(A, 3);
        MemoryConnection monitor = monitorOf(A);
        assertEquals(1, h.stats(A).target(), "one live backend for two connections: A keeps a monitor slot");

        h.resolver.add(C);
        Duration rebalance = EJECT_AT.plus(REBALANCE_DELAY);
        h.advanceTo(rebalance);
        assertEquals(Map.of(A.key(), 0, B.key(), 1, C.key(), 1), h.listener.plans.get(h.listener.plans.size() - 1));
        assertEquals(1, monitor.closes(), "no monitor slot: the parked monitor closes");
        assertEquals(0, h.stats(A).open());
        assertEquals(1, h.stats(B).open());
        assertEquals(1, h.stats(C).open(), "C gets its connection now, not when A's ejection ends");
        assertEquals(BackendStatus.EJECTED, h.stats(A).status());
        assertEquals(2, pool.stats().total());

        // With no monitor to probe, the ejection simply ends (A50).
        h.advanceTo(EJECT_AT.plus(BASE));
        assertEquals(BackendStatus.LIVE, h.stats(A).status());
        assertEquals(List.of(at(EJECT_AT.plus(BASE))), h.listener.times("backendRestored", A.key()));
        assertTrue(monitor.healthChecks.isEmpty());
    }

    // ---- removal, close, and ejection never emptying the pool ----

    @Test
    void aBackendRemovedWhileEjectedHasItsParkedConnectionClosedAndIsForgotten() {
        var pool = start(builder(A, B, C).maxConnections(6));
        failUses(A, 5);
        MemoryConnection monitor = monitorOf(A);

        h.resolver.remove(A);
        h.advanceTo(EJECT_AT.plus(REBALANCE_DELAY));
        assertEquals(1, monitor.closes());
        assertFalse(h.knows(A), "drained, forgotten");
        assertEquals(1, h.listener.count("backendRemoved", A.key()));
        assertEquals(3, h.stats(B).open());
        assertEquals(3, h.stats(C).open());

        h.advanceTo(EJECT_AT.plus(BASE).plusSeconds(1)); // past the end of its ejection: its timer was stopped
        assertTrue(monitor.healthChecks.isEmpty());
        assertEquals(0, h.listener.count("backendRestored"));
        h.factory.connectionsTo(A).forEach(c -> assertEquals(1, c.closes(), c + " closed exactly once"));
        assertEquals(6, pool.stats().total());
    }

    @Test
    void aBackendReaddedBeforeItDrainedIsJudgedAfreshNotEjectedAgainOnTheOutcomesBeforeItsRemoval() {
        var pool = start(builder(A, B, C).maxConnections(6));
        failUses(A, 4);
        Claim<MemoryConnection> kept = null; // A's connection claimed across its removal: A is not forgotten
        for (Claim<MemoryConnection> c : h.claimAll()) {
            if (kept == null && c.backend().equals(A)) {
                kept = c;
            } else {
                c.close();
            }
        }
        failUses(A, 1);
        assertEquals(BackendStatus.EJECTED, h.stats(A).status());

        h.resolver.remove(A);
        h.advanceTo(EJECT_AT.plus(REBALANCE_DELAY));
        assertEquals(BackendStatus.REMOVED, h.stats(A).status());
        h.resolver.add(A);
        Duration readded = EJECT_AT.plus(REBALANCE_DELAY).plus(REBALANCE_DELAY);
        h.advanceTo(readded);
        assertEquals(BackendStatus.LIVE, h.stats(A).status());
        assertEquals(1.0, h.stats(A).score(), "judged afresh, as a restored backend is");

        h.advanceTo(readded.plusSeconds(3)); // score ticks, and no use of A failed since it came back
        assertEquals(BackendStatus.LIVE, h.stats(A).status());
        assertEquals(1, h.listener.ejections.size(), "ejected once, before its removal: " + h.listener.ejections);
        kept.close();
    }

    @Test
    void closingThePoolClosesAParkedConnectionExactlyOnce() {
        var pool = start(builder(A, B, C).maxConnections(6));
        failUses(A, 5);
        MemoryConnection monitor = monitorOf(A);

        pool.close();
        assertEquals(PoolState.CLOSED, pool.state());
        assertEquals(1, monitor.closes());
        h.factory.connections.forEach(c -> assertEquals(1, c.closes(), c + " closed exactly once (invariant 4)"));
        assertEquals(0, h.clock.pendingTasks(), "the ejection timer was stopped with the rest");
        h.advanceTo(EJECT_AT.plus(BASE).plusSeconds(1));
        assertTrue(monitor.healthChecks.isEmpty());
        assertEquals(0, h.listener.count("backendRestored"));
    }

    @Test
    void aUseThatFailsOnceThePoolIsClosingEjectsNothingAndTellsNoListener() {
        var pool = start(builder(A, B, C).maxConnections(6));
        failUses(A, 4); // one failure short of an ejection
        List<Claim<MemoryConnection>> held = h.claimAll(); // held across close (closeTimeout 0)
        pool.close();
        assertEquals(PoolState.CLOSED, pool.state());
        int events = h.listener.events.size();

        held.stream().filter(c -> c.backend().equals(A)).forEach(c -> c.fail(timeout()));
        held.forEach(Claim::close);

        assertEquals(BackendStatus.LIVE, h.stats(A).status(), "a closed pool ejects nothing");
        assertEquals(0, h.stats(A).ejections());
        assertEquals(List.of(), h.listener.events.subList(events, h.listener.events.size()).stream()
                .filter(e -> !e.kind().equals("connectionClosed")).toList(),
                "after stateChanged CLOSING->CLOSED a listener hears only of connections closing");
        assertEquals(0, h.clock.pendingTasks(), "no ejection timer");
        h.factory.connections.forEach(c -> assertEquals(1, c.closes(), c + " closed exactly once"));
    }

    @Test
    void whenTheBackendsInServiceDieTheEjectedOneIsRestoredAtOnce() {
        var pool = start(builder(A, B).maxConnections(4).ejectionMinOutcomes(3).deadAfterFailures(2));
        failUses(A, 3);
        assertEquals(BackendStatus.EJECTED, h.stats(A).status());
        assertEquals(3, h.stats(B).open());

        // B stops accepting connections: one of its connections is discarded (a use failure, which may not eject
        // it: the cap is reached), and the replacement fails at 2 s, then again at the retry 100 ms later.
        h.factory.failAlways(B);
        h.advanceTo(Duration.ofSeconds(2));
        h.useOnce(B, Claim::discard);
        assertEquals(BackendStatus.LIVE, h.stats(B).status());
        assertEquals(1, h.stats(B).consecutiveFailures());
        Duration dies = Duration.ofMillis(2100);
        h.advanceTo(dies.minusNanos(1));
        assertEquals(BackendStatus.EJECTED, h.stats(A).status());
        h.advanceTo(dies);

        assertEquals(BackendStatus.DEAD, h.stats(B).status());
        assertEquals(BackendStatus.LIVE, h.stats(A).status(), "ejection never empties the pool");
        assertEquals(List.of(at(dies)), h.listener.times("backendRestored", A.key()));
        assertEquals(List.of("backendDead b.test:5432", "backendRestored a.test:5432"),
                h.listener.of("backendDead", "backendRestored"));
        assertEquals(List.of("stateChanged STARTING->RUNNING"), h.listener.of("stateChanged"), "never FAILED");
        assertEquals(PoolState.RUNNING, pool.state());
        assertEquals(3, h.stats(A).target());
        assertEquals(3, h.stats(A).open());
        List<Claim<MemoryConnection>> claims = h.claimAll();
        assertEquals(3, claims.stream().filter(c -> c.backend().equals(A)).count(), "A serves again");
        claims.forEach(Claim::close);
    }
}
