package io.cueball;

import static io.cueball.EngineHarness.A;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Check-on-claim off the plain claim path (a claim that waited, claimOpenedAfter) in each kind of pool that reads
 * the clock, where no STAMPS pass flags a connection and lastUsedAt alone says it is due (PoolEngine.dueForCheck).
 * Until it looked at lastUsedAt, all four handed the connections resume() and claimOpenedAfter gave out unchecked,
 * however long idle (found in review); the plain claim judges the same way. And a connection held long but handed
 * over at its release is not checked: in these pools the release stamps lastUsedAt with its own instant (PoolEngine:
 * CLOCK).
 */
class CheckOnClaimPoolKindsTest {
    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void tearDown() {
        h.close();
    }

    /** A pool of this kind, which reads the clock on every claim and release; connect work runs inline. */
    private ConnectionPool<MemoryConnection> start(String kind, int max) {
        h.executor.inline();
        var b = h.builder(A).maxConnections(max).healthCheckInterval(Duration.ofHours(1));
        var pool = h.startAndSettle(switch (kind) {
            case "lifetime" -> b.maxLifetime(Duration.ofDays(30));
            case "leak detection" -> b.leakDetectionThreshold(Duration.ofHours(1));
            case "weighted" -> b.hostSelection(HostSelection.weighted());
            case "elastic" -> b.spares(1).maxConnections(Math.max(2, max));
            default -> throw new IllegalArgumentException(kind);
        });
        assertFalse(pool.engine().clockless, kind + " pool is CLOCKLESS: the test would not test what it says");
        return pool;
    }

    /**
     * The plain claim, for comparison: it judges by lastUsedAt too (no core test pinned this before). The connection
     * idle 3 s is checked when claimed; 0.5 s after its release it is not checked again, whichever connection the
     * next claim gets (in the elastic pool a spare opened at the first claim may serve it).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"lifetime", "leak detection", "weighted", "elastic"})
    void aPlainClaimChecksAConnectionIdleForSecondsAndNotOneUsedJustBefore(String kind) {
        var pool = start(kind, 1);
        h.advanceTo(Duration.ofSeconds(3));
        MemoryConnection first;
        try (var c = pool.claim()) {
            first = c.connection();
        }
        List<Long> checkedAt3s = List.of(h.t0 + Duration.ofSeconds(3).toNanos());
        assertEquals(checkedAt3s, first.healthChecks, "idle 3 s, claimed");
        h.advanceTo(Duration.ofMillis(3500));
        pool.claim().close();
        assertEquals(checkedAt3s, first.healthChecks, "released 0.5 s before, yet checked again");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"lifetime", "leak detection", "weighted", "elastic"})
    void aWaitingClaimHandedAConnectionIdleForSecondsByResumeChecksIt(String kind) throws Exception {
        var pool = start(kind, 1);
        pool.claim().close();
        h.advanceTo(Duration.ofSeconds(3));
        pool.suspend();
        CompletableFuture<MemoryConnection> got = new CompletableFuture<>();
        EngineHarness.claimingThread(pool, "waiter", got).start();
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().waiting() == 1);
        pool.resume();
        MemoryConnection handed = got.get(10, TimeUnit.SECONDS);
        assertEquals(List.of(h.t0 + Duration.ofSeconds(3).toNanos()), handed.healthChecks,
                "idle 3 s, handed to a waiting claim by resume()");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"lifetime", "leak detection", "weighted", "elastic"})
    void claimOpenedAfterChecksAConnectionIdleForSeconds(String kind) {
        var pool = start(kind, 1);
        MemoryConnection c1 = h.factory.connections.get(0);
        h.advanceTo(Duration.ofSeconds(3));
        try (var c = pool.claimOpenedAfter(Instant.now().minusSeconds(3600), Duration.ofSeconds(5))) {
            assertSame(c1, c.connection());
            assertEquals(List.of(h.t0 + Duration.ofSeconds(3).toNanos()), c1.healthChecks,
                    "idle 3 s, handed out by claimOpenedAfter");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"lifetime", "leak detection", "weighted", "elastic"})
    void aConnectionHeldForSecondsAndHandedOverAtItsReleaseIsNotChecked(String kind) throws Exception {
        var pool = start(kind, 2);
        List<Claim<MemoryConnection>> held = h.claimAll();
        assertEquals(pool.engine().max, held.size());
        h.advanceTo(Duration.ofSeconds(1));
        CompletableFuture<MemoryConnection> got = new CompletableFuture<>();
        EngineHarness.claimingThread(pool, "waiter", got).start();
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().waiting() == 1);
        h.advanceTo(Duration.ofSeconds(4));
        MemoryConnection released = held.get(0).connection();
        held.get(0).close();
        assertSame(released, got.get(10, TimeUnit.SECONDS));
        assertEquals(List.of(), released.healthChecks, "held 4 s, handed over at its release, yet checked");
        for (Claim<MemoryConnection> c : held.subList(1, held.size())) {
            c.close();
        }
    }
}
