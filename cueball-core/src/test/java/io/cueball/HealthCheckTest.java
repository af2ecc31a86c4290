package io.cueball;

import static io.cueball.EngineHarness.A;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Idle connections are checked every healthCheckInterval; broken and too old ones are replaced. */
class HealthCheckTest {
    private static final Duration INTERVAL = Duration.ofSeconds(10);

    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void tearDown() {
        h.close();
    }

    /** A pool of two connections to A, opened at the instant the pool was built (rebalanceDelay 0). */
    private ConnectionPool<MemoryConnection> startAtZero(ConnectionPool.Builder<MemoryConnection> builder) {
        h.executor.inline();
        var pool = h.start(builder.rebalanceDelay(Duration.ZERO));
        h.clock.runDue();
        assertEquals(2, pool.stats().idle());
        return pool;
    }

    private long at(Duration sinceStart) {
        return h.t0 + sinceStart.toNanos();
    }

    @Test
    void anIdleConnectionFailingItsCheckAtTheIntervalIsClosedAndReplaced() {
        var pool = startAtZero(h.builder(A).maxConnections(2).healthCheckInterval(INTERVAL));
        MemoryConnection bad = h.factory.connections.get(0);
        MemoryConnection good = h.factory.connections.get(1);
        bad.healthy = false;

        h.advanceTo(INTERVAL.minusNanos(1));
        assertTrue(bad.healthChecks.isEmpty(), "not checked before the interval");
        assertEquals(0, bad.closes());

        h.clock.advanceNanos(1);
        assertEquals(List.of(at(INTERVAL)), bad.healthChecks);
        assertEquals(List.of(at(INTERVAL)), good.healthChecks);
        assertEquals(1, bad.closes(), "closed at the check");
        assertEquals(0, good.closes());
        assertEquals(3, h.factory.connections.size(), "replaced at once");
        assertEquals(at(INTERVAL), h.factory.connections.get(2).openedAt);
        assertEquals(2, pool.stats().idle());
        assertEquals(0, h.stats(A).consecutiveFailures(), "a stale idle connection is not held against its backend");
        assertEquals(BackendStatus.LIVE, h.stats(A).status());

        // The next round checks the survivor and the replacement, one interval later.
        h.advanceTo(INTERVAL.multipliedBy(2));
        assertEquals(List.of(at(INTERVAL), at(INTERVAL.multipliedBy(2))), good.healthChecks);
        assertEquals(List.of(at(INTERVAL.multipliedBy(2))), h.factory.connections.get(2).healthChecks);
    }

    @Test
    void aConnectionUsedWithinTheIntervalIsNotChecked() {
        var pool = startAtZero(h.builder(A).maxConnections(2).healthCheckInterval(INTERVAL).threadAffinity(0));
        h.advanceTo(Duration.ofSeconds(5));
        var claim = pool.tryClaim().orElseThrow();
        MemoryConnection used = claim.connection();
        claim.close(); // used at 5 s: a used connection is a checked one
        used.healthChecks.clear(); // the check-on-claim after more than a second idle

        h.advanceTo(INTERVAL);
        assertTrue(used.healthChecks.isEmpty(), "idle only 5 s at the 10 s round");
        h.advanceTo(INTERVAL.multipliedBy(2));
        assertEquals(List.of(at(INTERVAL.multipliedBy(2))), used.healthChecks);
    }

    @Test
    void aConnectionIdleForMoreThanASecondIsCheckedWhenClaimedAndNotHandedOutIfBroken() {
        var pool = startAtZero(h.builder(A).maxConnections(2).healthCheckInterval(Duration.ofHours(1))
                .threadAffinity(0));
        MemoryConnection oldest = h.factory.connections.get(0);
        oldest.healthy = false;

        h.advanceTo(Duration.ofSeconds(2));
        var claim = pool.tryClaim().orElseThrow();
        assertNotSame(oldest, claim.connection(), "the broken one was skipped");
        assertEquals(List.of(at(Duration.ofSeconds(2))), oldest.healthChecks, "checked on the claiming thread");
        assertEquals(1, oldest.closes());
        claim.close();
        assertEquals(2, pool.stats().total(), "and replaced");
    }

    @Test
    void connectionsAreReplacedAtTheirMaximumLifetime() {
        Duration lifetime = Duration.ofMinutes(1);
        // Housekeeping every maxLifetime / 4 = 15 s; each lifetime is shortened by up to 1/40 (1.5 s).
        var pool = startAtZero(h.builder(A).maxConnections(2).healthCheckInterval(Duration.ofHours(1))
                .maxLifetime(lifetime));
        List<MemoryConnection> first = List.copyOf(h.factory.connections);

        h.advanceTo(Duration.ofSeconds(45));
        assertEquals(0, first.stream().filter(MemoryConnection::isClosed).count(), "young at the 45 s round");

        h.advanceTo(lifetime);
        first.forEach(c -> assertEquals(1, c.closes(), c + " replaced at the round after it expired"));
        assertEquals(4, h.factory.connections.size());
        h.factory.connections.subList(2, 4).forEach(c -> assertEquals(at(lifetime), c.openedAt));
        assertEquals(2, pool.stats().idle());

        // The replacements live their own lifetime: nothing closes at the next round.
        h.advanceTo(lifetime.plusSeconds(15));
        assertEquals(4, h.factory.connections.size());
    }

    @Test
    void anExpiredConnectionReleasedByItsClaimIsClosedAndReplaced() {
        var pool = startAtZero(h.builder(A).maxConnections(2).healthCheckInterval(Duration.ofHours(1))
                .maxLifetime(Duration.ofMinutes(1)));
        var claim = pool.tryClaim().orElseThrow();
        MemoryConnection held = claim.connection();

        h.advanceTo(Duration.ofMinutes(2)); // expired while claimed: the rounds leave it alone
        assertEquals(0, held.closes());
        claim.close();
        assertEquals(1, held.closes(), "closed on release");
        assertEquals(2, pool.stats().total(), "and replaced");
        assertEquals(2, pool.stats().idle());
    }
}
