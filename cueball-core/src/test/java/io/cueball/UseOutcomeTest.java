package io.cueball;

import static io.cueball.EngineHarness.A;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Use outcomes (BackendHealth's USE HEALTH): close() is a success, discard(), fail(cause), isBroken() and a failed
 * reset() are failures, report(score) grades a use. They feed the score and the use counts, never the connect
 * health: invariant 8, use failures alone never make a backend dead.
 */
class UseOutcomeTest {
    private static final double EXACT = 1e-12;

    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void tearDown() {
        h.close();
    }

    /** One backend, {@code size} connections open and idle, outcomes in slots of 1 s. */
    private ConnectionPool<MemoryConnection> oneBackend(int size) {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A).maxConnections(size).threadAffinity(0)
                .scoreDecay(Duration.ofSeconds(20)));
        assertEquals(size, pool.stats().idle());
        return pool;
    }

    private void assertConnectHealthUntouched() {
        BackendStats a = h.stats(A);
        assertEquals(BackendStatus.LIVE, a.status());
        assertEquals(0, a.consecutiveFailures(), "use failures are not connect failures");
        assertEquals(0, a.connectsFailed());
        assertNull(a.lastError());
        assertEquals(0, h.listener.count("connectionFailed"));
        assertEquals(0, h.listener.count("backendDead"));
    }

    @Test
    void reportOutsideZeroToOneOrNaNIsRejectedWithTheValueInTheMessage() {
        var pool = oneBackend(1);
        var claim = pool.tryClaim().orElseThrow();
        for (double bad : new double[] {Double.NaN, -0.01, 1.01, Double.POSITIVE_INFINITY}) {
            var e = assertThrows(IllegalArgumentException.class, () -> claim.report(bad));
            assertTrue(e.getMessage().contains(String.valueOf(bad)), e.getMessage());
        }
        claim.report(0.0); // the bounds are in range
        claim.report(1.0);
        claim.close();
        assertEquals(1.0, h.stats(A).score(), "the rejected reports left no trace; the last good one counts");
        assertEquals(1, h.stats(A).uses());
    }

    @Test
    void reportAfterTheClaimEndedIsRejected() {
        var pool = oneBackend(1);
        var closed = pool.tryClaim().orElseThrow();
        closed.close();
        var e = assertThrows(IllegalStateException.class, () -> closed.report(0.5));
        assertTrue(e.getMessage().contains(A.key()), e.getMessage());

        var discarded = pool.tryClaim().orElseThrow();
        discarded.discard();
        assertThrows(IllegalStateException.class, () -> discarded.report(0.5));

        var failed = pool.tryClaim().orElseThrow();
        failed.fail(new SocketTimeoutException("read timed out"));
        assertThrows(IllegalStateException.class, () -> failed.report(0.5));
    }

    @Test
    void aReportedScoreOnTheLockFreePathLowersTheScoreOnceHarvested() {
        var pool = oneBackend(1);
        h.advanceTo(Duration.ofMillis(500));
        var claim = pool.tryClaim().orElseThrow();
        MemoryConnection c = claim.connection();
        claim.report(0.2);
        claim.close();
        assertEquals(0, c.closes(), "a graded use keeps its connection");
        assertEquals(0.2, h.stats(A).score(), EXACT);
        assertEquals(1, h.stats(A).uses());
        assertEquals(0, h.stats(A).useFailures(), "a low score is not a failure");

        var again = pool.tryClaim().orElseThrow();
        assertSame(c, again.connection());
        again.report(0.9);
        again.report(0.4); // the last report before the close counts
        again.close();
        assertEquals(0.3, h.stats(A).score(), EXACT, "the mean of 0.2 and 0.4 in one slot");
        assertEquals(2, h.stats(A).uses());
        assertConnectHealthUntouched();
    }

    @Test
    void lockFreeOutcomesAreHarvestedByTheScoreTickAsWellAsByStats() {
        var pool = oneBackend(1);
        // Outcomes land in the slot of the instant they are harvested: the score tick at 1 s (scoreDecay / 20).
        h.advanceTo(Duration.ofMillis(500));
        var claim = pool.tryClaim().orElseThrow();
        claim.report(0.0);
        claim.close();
        h.advanceTo(Duration.ofSeconds(21));
        // Harvested by this stats() call, the outcome would land in the 21 s slot and score 0.
        assertEquals(1.0, h.stats(A).score(), "harvested by the 1 s tick, whose slot has left the window");
        assertEquals(1, h.stats(A).uses());
    }

    @Test
    void failClosesTheConnectionAndCountsAUseFailureNeverAConnectFailure() {
        var pool = oneBackend(2);
        var claim = pool.tryClaim().orElseThrow();
        MemoryConnection c = claim.connection();
        claim.fail(new SocketTimeoutException("read timed out"));
        assertEquals(1, c.closes());
        assertEquals(3, h.factory.connections.size(), "replaced at once");
        assertEquals(2, pool.stats().idle());
        assertEquals(1, h.stats(A).uses());
        assertEquals(1, h.stats(A).useFailures());
        assertEquals(0.0, h.stats(A).score());
        claim.close(); // does nothing after fail
        claim.fail(new SocketTimeoutException("again"));
        assertEquals(1, h.stats(A).useFailures());
        assertEquals(1, c.closes());
        assertConnectHealthUntouched();
    }

    @Test
    void discardIsAUseFailureToo() {
        var pool = oneBackend(2);
        var claim = pool.tryClaim().orElseThrow();
        MemoryConnection c = claim.connection();
        claim.discard();
        assertEquals(1, c.closes());
        assertEquals(1, h.stats(A).useFailures());
        assertEquals(2, pool.stats().total());
        assertConnectHealthUntouched();
    }

    @Test
    void aConnectionThatSaysItIsBrokenOnReleaseCountsAUseFailure() {
        var pool = oneBackend(2);
        var claim = pool.tryClaim().orElseThrow();
        MemoryConnection c = claim.connection();
        c.broken = true;
        claim.close(); // a plain close: the pool asks the connection
        assertEquals(1, c.closes());
        assertEquals(1, h.stats(A).uses());
        assertEquals(1, h.stats(A).useFailures());
        assertEquals(2, pool.stats().idle(), "replaced");
        assertConnectHealthUntouched();
    }

    @Test
    void aConnectionWhoseResetFailsOnReleaseCountsAUseFailure() {
        var pool = oneBackend(2);
        var claim = pool.tryClaim().orElseThrow();
        MemoryConnection c = claim.connection();
        c.resetFails = true;
        claim.close();
        assertEquals(1, c.closes());
        assertEquals(1, h.stats(A).useFailures());
        assertEquals(2, pool.stats().idle(), "replaced");
        assertConnectHealthUntouched();
    }

    /**
     * Invariant 8, the restart burst in engine form: one backend, pool of 6, connects that take time (the
     * executor queues them); the server drops every established connection while all six are claimed, and each
     * claimer releases its broken connection and claims again at once, before any replacement is ready. Then a
     * burst of discards far beyond deadAfterFailures while connects succeed.
     */
    @Test
    void useFailuresAloneNeverMakeABackendDeadEvenInABurst() {
        var pool = h.startAndSettle(h.builder(A).maxConnections(6).threadAffinity(0).deadAfterFailures(3));
        assertEquals(6, pool.stats().idle());
        List<Claim<MemoryConnection>> claims = h.claimAll();
        assertEquals(6, claims.size());
        claims.forEach(c -> c.connection().broken = true); // the server restarted

        for (Claim<MemoryConnection> claim : claims) {
            claim.close(); // isBroken: discarded
            // The retry finds nothing ready yet (the replacements still wait to connect) but fails nothing.
            assertTrue(pool.tryClaim().isEmpty());
            assertEquals(PoolState.RUNNING, pool.state());
            assertEquals(BackendStatus.LIVE, h.stats(A).status());
        }
        assertEquals(6, h.stats(A).useFailures());
        assertEquals(0, h.factory.connections.stream().skip(6).count(), "no replacement has connected yet");

        h.executor.runAll(); // the closes, then the connects they make room for
        List<Claim<MemoryConnection>> retries = h.claimAll();
        assertEquals(6, retries.size(), "every retry is served");
        retries.forEach(c -> assertFalse(c.connection().broken));
        retries.forEach(Claim::close);

        for (int i = 0; i < 60; i++) { // 20 times deadAfterFailures
            var claim = pool.tryClaim().orElseThrow(() -> new AssertionError("a retry was not served"));
            if (i % 2 == 0) {
                claim.discard();
            } else {
                claim.fail(new SocketTimeoutException("read timed out"));
            }
            assertNotEquals(PoolState.FAILED, pool.state());
            h.executor.runAll();
        }

        BackendStats a = h.stats(A);
        assertEquals(BackendStatus.LIVE, a.status(), "never dead, and the only backend is never ejected");
        assertEquals(66, a.useFailures());
        assertEquals(0, a.consecutiveFailures());
        assertEquals(0, a.connectsFailed());
        assertEquals(72, a.connectsSucceeded());
        assertEquals(0, a.ejections());
        assertEquals(0, h.listener.count("backendDead"));
        assertEquals(0, h.listener.count("backendEjected"));
        assertEquals(List.of("stateChanged STARTING->RUNNING"), h.listener.of("stateChanged"), "never FAILED");
        assertEquals(6, pool.stats().total());
        assertEquals(6, pool.stats().idle());
    }

    /**
     * The restart burst as the issue saw it: six threads each release a broken connection and claim again at
     * once, and wait, while the six replacements are still to connect. Every retry is served by a replacement.
     */
    @Test
    void everyRetryOfARestartBurstWaitsForAReplacementAndIsServed() throws Exception {
        var pool = h.startAndSettle(h.builder(A).maxConnections(6).threadAffinity(0).deadAfterFailures(3));
        List<Claim<MemoryConnection>> claims = h.claimAll();
        assertEquals(6, claims.size());
        claims.forEach(c -> c.connection().broken = true);

        ExecutorService threads = Executors.newFixedThreadPool(6);
        try {
            List<Future<MemoryConnection>> retries = new ArrayList<>();
            for (Claim<MemoryConnection> claim : claims) {
                retries.add(threads.submit(() -> {
                    claim.close(); // broken: discarded
                    try (var retry = pool.claim(Duration.ofSeconds(30))) {
                        return retry.connection();
                    }
                }));
            }
            await().atMost(10, TimeUnit.SECONDS).until(() -> pool.stats().waiting() == 6);
            assertEquals(PoolState.RUNNING, pool.state(), "six use failures before any replacement: not dead");
            assertEquals(BackendStatus.LIVE, h.stats(A).status());

            h.executor.runAll(); // the closes, then the six connects, each handed to a waiting retry
            for (Future<MemoryConnection> retry : retries) {
                MemoryConnection c = retry.get(10, TimeUnit.SECONDS); // a PoolFailedException would surface here
                assertFalse(c.broken);
                assertTrue(c.id > 6, "a replacement: " + c);
            }
        } finally {
            threads.shutdownNow();
        }
        assertEquals(0, h.listener.count("backendDead"));
        assertEquals(List.of("stateChanged STARTING->RUNNING"), h.listener.of("stateChanged"));
        assertEquals(6, h.stats(A).useFailures());
        assertEquals(6, pool.stats().idle());
    }
}
