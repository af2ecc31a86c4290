package io.cueball;

import static io.cueball.EngineHarness.A;
import static io.cueball.EngineHarness.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Housekeeper#tick(long)} called directly at exact instants, as OkHttp tests its {@code cleanup(now)}:
 * each call checks what it did and the delay it returns until it is next due. The pool's own housekeeping timer
 * never fires here, because the manual clock is not advanced past the first rebalance.
 */
class HousekeeperTest {
    private static final Duration HEALTH = Duration.ofSeconds(30);
    private static final Duration DECOHERENCE = Duration.ofSeconds(45);
    private static final long SHUFFLING_SEED = EngineHarness.SEED + 2;

    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void tearDown() {
        h.close();
    }

    private long tick(Duration sinceStart) {
        PoolEngine<MemoryConnection> engine = h.pool.engine();
        engine.lock();
        try {
            return engine.housekeeper.tick(h.t0 + sinceStart.toNanos());
        } finally {
            engine.unlock();
        }
    }

    @Test
    void tickDoesWhatIsDueAndReturnsTheDelayUntilTheNextSchedule() {
        // A seed whose first shuffle changes the claim order (one in six leave a, a, b, b as it was).
        h.startAndSettle(h.builder(A, B).maxConnections(4).threadAffinity(0).random(new Random(SHUFFLING_SEED))
                .healthCheckInterval(HEALTH).decoherenceInterval(DECOHERENCE)
                .scoreDecay(Duration.ofHours(20)) // score ticks every hour: out of the way
                .maxLifetime(Duration.ofDays(30))); // not CLOCKLESS: no STAMPS pass among the ticks
        assertEquals(4, h.pool.stats().idle());

        // Not yet due: nothing happens, and it asks to be called again when housekeeping falls due.
        assertEquals(1, tick(HEALTH.minusNanos(1)));
        assertEquals(0, h.executor.pending(), "no health check before the interval");

        // Housekeeping at 30 s: the connections opened at 100 ms have been idle 29.9 s, so none is checked yet;
        // the next tick is the decoherence, 15 s later.
        assertEquals(Duration.ofSeconds(15).toNanos(), tick(HEALTH));
        assertEquals(0, h.executor.pending(), "idle for less than healthCheckInterval: not checked");

        // Decoherence at 45 s: the idle order is shuffled, nothing is checked; next due: housekeeping at 60 s.
        List<String> before = h.claimOrder();
        assertEquals(Duration.ofSeconds(15).toNanos(), tick(DECOHERENCE));
        assertEquals(0, h.executor.pending(), "decoherence checks nothing");
        List<String> after = h.claimOrder();
        assertNotEquals(before, after, "shuffled (deterministic for the seed)");
        assertEquals(before.stream().sorted().toList(), after.stream().sorted().toList(), "the same connections");

        // Housekeeping at 60 s: every connection has now been idle for the interval and goes to a check, which
        // counts as idle; both schedules next fall due together, at 90 s.
        assertEquals(Duration.ofSeconds(30).toNanos(), tick(Duration.ofSeconds(60)));
        assertEquals(4, h.executor.pending(), "each idle connection goes to a health check");
        assertEquals(4, h.pool.stats().idle(), "a connection being checked counts as idle");
        h.executor.runAll();
        for (MemoryConnection c : h.factory.connections) {
            assertEquals(1, c.healthChecks.size(), c + " checked once");
        }
        assertEquals(4, h.pool.stats().idle(), "healthy ones are back");

        // 90 s: both run (the shuffle first); the next is housekeeping at 120 s.
        assertEquals(Duration.ofSeconds(30).toNanos(), tick(Duration.ofSeconds(90)));
        assertEquals(4, h.executor.pending(), "housekeeping ran at 90 s");
    }

    @Test
    void anExpiredIdleConnectionClosesAtTheTickAndIsReplaced() {
        h.startAndSettle(h.builder(A).maxConnections(2).maxLifetime(Duration.ofMinutes(4))
                .healthCheckInterval(HEALTH).decoherenceInterval(Duration.ofHours(1))
                .scoreDecay(Duration.ofHours(20)));
        // Housekeeping runs every healthCheckInterval, or a quarter of maxLifetime if that is shorter (60 s is not).
        assertEquals(HEALTH.toNanos(), tick(Duration.ofMinutes(3).plusSeconds(30)));
        h.executor.runAll();
        assertEquals(0, h.factory.connections.stream().filter(MemoryConnection::isClosed).count(),
                "not expired at 3 min 30 s");
        tick(Duration.ofMinutes(4));
        h.executor.runAll();
        assertEquals(2, h.factory.connections.stream().filter(MemoryConnection::isClosed).count(),
                "both expired by 4 min (lifetime spread only shortens it)");
        assertEquals(4, h.factory.connections.size(), "both replaced");
        assertEquals(2, h.pool.stats().idle());
    }
}
