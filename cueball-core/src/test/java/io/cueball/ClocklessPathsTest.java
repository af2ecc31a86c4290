package io.cueball;

import static io.cueball.EngineHarness.A;
import static io.cueball.EngineHarness.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.time.Duration;
import java.util.List;
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
        java.util.concurrent.CompletableFuture<MemoryConnection> waiter = new java.util.concurrent.CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (Claim<MemoryConnection> c = pool.claim(Duration.ofSeconds(30))) {
                waiter.complete(c.connection());
            } catch (RuntimeException e) {
                waiter.completeExceptionally(e);
            }
        }, "waiter");
        t.setDaemon(true);
        t.start();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().waiting() == 1);
        pool.resume();
        assertSame(c1, waiter.get(10, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(List.of(h.t0 + Duration.ofSeconds(3).toNanos()), c1.healthChecks, "checked by the waiter");
    }

    /**
     * A connection released to the lock (checkDue cleared) whose backend is ejected is parked, and the STAMPS
     * pass must run for it too: when the ejection ends without a probe (ensureServiceLocked: the other backend is
     * removed), it goes back to the ring, and the next claim must check it after its seconds parked. Found in
     * review: offerLocked parked it before starting the pass, and it was handed out unchecked.
     */
    @Test
    void aParkedConnectionRestoredWithoutAProbeIsHandedOutUncheckedAfterSecondsIdle() {
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
}
