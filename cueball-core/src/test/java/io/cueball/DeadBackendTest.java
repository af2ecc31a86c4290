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
    void consecutiveFailuresMakeABackendDeadAndItsShareMovesToTheOthers() {
        h.factory.failAlways(A);
        h.executor.inline();
        var pool = h.start(h.builder(A, B, C).maxConnections(6).deadAfterFailures(3)
                .backoff(new BackoffPolicy(Duration.ofMillis(100), Duration.ofSeconds(1), 0)));
        long first = h.t0 + REBALANCE_DELAY.toNanos();

        // At the first rebalance A's two connects fail (two in a row), B and C open two each.
        h.clock.advanceNanos(first - h.clock.nanoTime());
        assertEquals(2, h.stats(A).consecutiveFailures());
        assertEquals(BackendStatus.LIVE, h.stats(A).status());
        assertEquals(2, h.stats(B).open());
        assertEquals(2, h.stats(C).open());

        // The second failure re-armed the retry at delay(2) = 200 ms: nothing dies before it.
        h.clock.advanceNanos(ms(200) - 1);
        assertEquals(BackendStatus.LIVE, h.stats(A).status());
        assertEquals(0, h.listener.count("backendDead"));
        h.clock.advanceNanos(1);
        assertEquals(BackendStatus.DEAD, h.stats(A).status(), "the third failure in a row, at 200 ms");
        assertEquals(1, h.listener.count("backendDead", A.key()));
        assertEquals(first + ms(200), h.listener.events.stream().filter(e -> e.kind().equals("backendDead"))
                .findFirst().orElseThrow().at());
        assertInstanceOf(ConnectException.class, h.stats(A).lastError());
        assertEquals(PoolState.RUNNING, pool.state(), "B and C are alive");

        // Its share moves at the rebalance the death armed: one monitor slot for A, five for B and C.
        long died = h.clock.nanoTime();
        h.clock.advanceNanos(REBALANCE_DELAY.toNanos() - 1);
        assertEquals(4, h.stats(B).open() + h.stats(C).open());
        h.clock.advanceNanos(1);
        assertEquals(Map.of(A.key(), 1, B.key(), 3, C.key(), 2), h.listener.plans.get(h.listener.plans.size() - 1));
        assertEquals(1, h.stats(A).target());
        assertEquals(5, h.stats(B).open() + h.stats(C).open());
        assertTrue(Math.abs(h.stats(B).open() - h.stats(C).open()) <= 1);
        assertEquals(died + REBALANCE_DELAY.toNanos(), h.clock.nanoTime());
    }

    @Test
    void aDeadBackendKeepsOneMonitorSlotRetryingWithBackoff() {
        h.factory.failAlways(A);
        h.executor.inline();
        h.start(h.builder(A, B).maxConnections(4).deadAfterFailures(2)
                .backoff(new BackoffPolicy(Duration.ofMillis(100), Duration.ofMillis(800), 0)));
        h.advanceTo(Duration.ofSeconds(10));

        // At the first rebalance (0.1 s) A's two connects fail together: dead at once. From then on one
        // connect at a time, each at the next backoff step: failures 2, 3, 4, 5... give 200, 400, 800, 800 ms.
        List<Long> times = h.factory.attemptTimes(A);
        long first = h.t0 + REBALANCE_DELAY.toNanos();
        assertEquals(first, times.get(0));
        assertEquals(first, times.get(1));
        assertEquals(List.of(first + ms(200), first + ms(600), first + ms(1400), first + ms(2200), first + ms(3000)),
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
    void theFirstSuccessOfADeadBackendRevivesItAndThePoolAndTheNextRebalanceGivesBackItsShare() {
        h.factory.failAlways(A);
        h.executor.inline();
        var pool = h.start(h.builder(A).maxConnections(3).deadAfterFailures(3)
                .backoff(new BackoffPolicy(Duration.ofMillis(100), Duration.ofSeconds(1), 0)));
        // 0.1 s: three connects fail at once: dead, and with no other backend the pool has failed.
        h.advanceTo(REBALANCE_DELAY);
        assertEquals(PoolState.FAILED, pool.state());
        assertEquals(BackendStatus.DEAD, h.stats(A).status());
        h.advanceTo(Duration.ofMillis(200)); // the rebalance the death armed: a monitor slot only
        assertEquals(1, h.stats(A).target());

        // The monitor retries at delay(3) = 400 ms after the third failure; the backend is back by then.
        h.factory.succeed(A);
        long retry = h.t0 + REBALANCE_DELAY.toNanos() + ms(400);
        h.clock.advanceNanos(retry - 1 - h.clock.nanoTime());
        assertEquals(PoolState.FAILED, pool.state(), "still failed just before the monitor's retry");
        h.clock.advanceNanos(1);

        assertEquals(BackendStatus.LIVE, h.stats(A).status());
        assertEquals(PoolState.RUNNING, pool.state());
        assertEquals(List.of("backendDead a.test:5432", "stateChanged STARTING->FAILED", "backendAlive a.test:5432",
                "stateChanged FAILED->RUNNING"), h.listener.of("stateChanged", "backendDead", "backendAlive"));
        assertEquals(1, h.stats(A).open(), "only the monitor connection until the rebalance");
        try (var claim = pool.tryClaim().orElseThrow()) {
            assertEquals(A, claim.backend());
        }

        // Revival armed a rebalance: at rebalanceDelay the backend gets its whole share back.
        h.clock.advanceNanos(REBALANCE_DELAY.toNanos() - 1);
        assertEquals(1, h.stats(A).open());
        h.clock.advanceNanos(1);
        assertEquals(3, h.stats(A).target());
        assertEquals(3, h.stats(A).open());
        assertEquals(0, h.stats(A).consecutiveFailures());
    }

    @Test
    void aRevivedBackendTakesItsShareBackFromTheOthers() {
        h.factory.failAlways(A);
        h.executor.inline();
        var pool = h.start(h.builder(A, B, C).maxConnections(6).deadAfterFailures(2)
                .backoff(new BackoffPolicy(Duration.ofMillis(100), Duration.ofSeconds(1), 0)));
        h.advanceTo(Duration.ofMillis(200)); // dead at 0.1 s, share moved at 0.2 s
        assertEquals(BackendStatus.DEAD, h.stats(A).status());
        assertEquals(5, h.stats(B).open() + h.stats(C).open());
        List<MemoryConnection> beforeRevival = h.factory.open();

        h.factory.succeed(A);
        h.advanceTo(Duration.ofMillis(300)); // the monitor's retry: delay(2) = 200 ms after 0.1 s
        assertEquals(BackendStatus.LIVE, h.stats(A).status());
        h.advanceTo(Duration.ofMillis(400)); // the rebalance revival armed

        assertEquals(2, h.stats(A).open());
        assertEquals(2, h.stats(B).open());
        assertEquals(2, h.stats(C).open());
        assertEquals(6, pool.stats().total());
        long closed = beforeRevival.stream().filter(MemoryConnection::isClosed).count();
        assertEquals(1, closed, "exactly the surplus idle connection of B or C closed");
    }
}
