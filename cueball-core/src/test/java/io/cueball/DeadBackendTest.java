package io.cueball;

import static io.cueball.EngineHarness.A;
import static io.cueball.EngineHarness.B;
import static io.cueball.EngineHarness.C;
import static io.cueball.EngineHarness.REBALANCE_DELAY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * deadAfterFailures connect failures in a row make a backend dead: its share moves, it keeps one monitor slot
 * that retries with backoff, and its first successful connect brings it back.
 */
class DeadBackendTest {
    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void tearDown() {
        h.close();
    }

    private static long ms(long millis) {
        return Duration.ofMillis(millis).toNanos();
    }

    @Test
    void consecutiveConnectFailuresMakeABackendDeadAndItsShareMovesAtOnce() {
        h.factory.failAlways(A);
        h.executor.inline();
        var pool = h.start(h.builder(A, B, C).maxConnections(6).deadAfterFailures(3)
                .backoff(new BackoffPolicy(Duration.ofMillis(100), Duration.ofSeconds(1), 0)));
        long first = h.t0 + REBALANCE_DELAY.toNanos();

        // At the first rebalance A's two connects fail together: two in a row, but one backoff round (100 ms).
        h.clock.advanceNanos(first - h.clock.nanoTime());
        assertEquals(2, h.stats(A).consecutiveFailures());
        assertEquals(BackendStatus.LIVE, h.stats(A).status());
        assertEquals(2, h.stats(B).open());
        assertEquals(2, h.stats(C).open());

        // The retry, one probe connect at delay(1) = 100 ms: the third failure in a row.
        h.clock.advanceNanos(ms(100) - 1);
        assertEquals(BackendStatus.LIVE, h.stats(A).status());
        assertEquals(List.of(first, first), h.factory.attemptTimes(A), "no connect while backing off");
        h.clock.advanceNanos(1);
        assertEquals(BackendStatus.DEAD, h.stats(A).status(), "the third failure in a row, at 100 ms");
        assertEquals(1, h.listener.count("backendDead", A.key()));
        assertInstanceOf(ConnectException.class, h.stats(A).lastError());
        assertTrue(h.stats(A).reason().startsWith("3 connect failures in a row"), h.stats(A).reason());
        assertEquals(PoolState.RUNNING, pool.state(), "B and C are alive");

        // Its share moves at once: one monitor slot for A, five for B and C.
        assertEquals(Map.of(A.key(), 1, B.key(), 3, C.key(), 2), h.listener.plans.get(h.listener.plans.size() - 1));
        assertEquals(1, h.stats(A).target());
        assertEquals(5, h.stats(B).open() + h.stats(C).open());
        assertTrue(Math.abs(h.stats(B).open() - h.stats(C).open()) <= 1);
    }

    @Test
    void aDeadBackendKeepsOneMonitorSlotRetryingWithBackoffPerRound() {
        h.factory.failAlways(A);
        h.executor.inline();
        h.start(h.builder(A, B).maxConnections(4).deadAfterFailures(2)
                .backoff(new BackoffPolicy(Duration.ofMillis(100), Duration.ofMillis(800), 0)));
        h.advanceTo(Duration.ofSeconds(10));

        // At the first rebalance (0.1 s) A's two connects fail together: dead at once, but the backoff rises one
        // step per round, not per failed connect. From then on one connect at a time, each at the next step:
        // 100, 200, 400, 800, 800 ms.
        List<Long> times = h.factory.attemptTimes(A);
        long first = h.t0 + REBALANCE_DELAY.toNanos();
        assertEquals(first, times.get(0));
        assertEquals(first, times.get(1));
        assertEquals(List.of(first + ms(100), first + ms(300), first + ms(700), first + ms(1500), first + ms(2300)),
                times.subList(2, 7), "one monitor connect per backoff step, never two at once");
        assertEquals(BackendStatus.DEAD, h.stats(A).status());
        assertEquals(1, h.stats(A).target());
        assertEquals(3, h.stats(B).open(), "B holds the rest");
        assertEquals(1, h.listener.count("backendDead"), "dead once, not once per failure");
    }

    @Test
    void whenEveryBackendIsDeadThePoolFailsAndClaimsThrowPoolFailed() {
        h.factory.failAlways(A);
        h.factory.failAlways(B);
        h.executor.inline();
        var pool = h.start(h.builder(A, B).maxConnections(2).deadAfterFailures(2));
        long first = h.t0 + REBALANCE_DELAY.toNanos();

        h.clock.advanceNanos(first - h.clock.nanoTime());
        assertEquals(PoolState.STARTING, pool.state(), "one failure each: not dead yet");
        assertTrue(pool.tryClaim().isEmpty());

        h.clock.advanceNanos(ms(100)); // the retries: the second failure of each
        assertEquals(PoolState.FAILED, pool.state());
        assertEquals(2, pool.stats().backendsDead());
        assertEquals(List.of("stateChanged STARTING->FAILED"), h.listener.of("stateChanged"));
        var e = assertThrows(PoolFailedException.class, pool::tryClaim);
        assertInstanceOf(ConnectException.class, e.getCause(), "carries the last connect error");
        assertTrue(e.getMessage().contains("engine-test"), e.getMessage());
        assertThrows(PoolFailedException.class, () -> pool.claim(Duration.ZERO));
        assertThrows(PoolFailedException.class, () -> pool.claim(Duration.ofSeconds(30)), "fails, does not wait");
    }

    @Test
    void theFirstSuccessOfADeadBackendRevivesItAndThePoolAndItsShareComesBackAtOnce() {
        h.factory.failAlways(A);
        h.executor.inline();
        var pool = h.start(h.builder(A).maxConnections(3).deadAfterFailures(3)
                .backoff(new BackoffPolicy(Duration.ofMillis(100), Duration.ofSeconds(1), 0)));
        // 0.1 s: three connects fail at once: dead, and with no other backend the pool has failed.
        h.advanceTo(REBALANCE_DELAY);
        assertEquals(PoolState.FAILED, pool.state());
        assertEquals(BackendStatus.DEAD, h.stats(A).status());
        assertEquals(1, h.stats(A).target(), "a monitor slot only, at once");

        // The monitor retries at delay(1) = 100 ms after the round that failed; the backend is back by then.
        h.factory.succeed(A);
        long retry = h.t0 + REBALANCE_DELAY.toNanos() + ms(100);
        h.clock.advanceNanos(retry - 1 - h.clock.nanoTime());
        assertEquals(PoolState.FAILED, pool.state(), "still failed just before the monitor's retry");
        h.clock.advanceNanos(1);

        assertEquals(BackendStatus.LIVE, h.stats(A).status());
        assertEquals(PoolState.RUNNING, pool.state());
        assertEquals(List.of("backendDead a.test:5432", "stateChanged STARTING->FAILED", "backendAlive a.test:5432",
                "stateChanged FAILED->RUNNING"), h.listener.of("stateChanged", "backendDead", "backendAlive"));
        // Revival re-plans at once: the whole share, opened one probe first, then the rest.
        assertEquals(3, h.stats(A).target());
        assertEquals(3, h.stats(A).open());
        assertEquals(0, h.stats(A).consecutiveFailures());
        assertEquals(null, h.stats(A).reason());
        try (var claim = pool.tryClaim().orElseThrow()) {
            assertEquals(A, claim.backend());
        }
    }

    @Test
    void aRevivedBackendTakesItsShareBackFromTheOthers() {
        h.factory.failAlways(A);
        h.executor.inline();
        var pool = h.start(h.builder(A, B, C).maxConnections(6).deadAfterFailures(2)
                .backoff(new BackoffPolicy(Duration.ofMillis(100), Duration.ofSeconds(1), 0)));
        h.advanceTo(Duration.ofMillis(100)); // dead at 0.1 s, its share moved at once
        assertEquals(BackendStatus.DEAD, h.stats(A).status());
        assertEquals(5, h.stats(B).open() + h.stats(C).open());
        List<MemoryConnection> beforeRevival = h.factory.open();

        h.factory.succeed(A);
        h.advanceTo(Duration.ofMillis(200)); // the monitor's retry: delay(1) = 100 ms after 0.1 s
        assertEquals(BackendStatus.LIVE, h.stats(A).status());

        assertEquals(2, h.stats(A).open());
        assertEquals(2, h.stats(B).open());
        assertEquals(2, h.stats(C).open());
        assertEquals(6, pool.stats().total());
        long closed = beforeRevival.stream().filter(MemoryConnection::isClosed).count();
        assertEquals(1, closed, "exactly the surplus idle connection of B or C closed");
    }
}
