package io.cueball;

import static io.cueball.EngineHarness.A;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An elastic pool (spares &lt; maxConnections) grows on demand, keeping {@code spares} idle on top of the
 * claimed, and closes connections above {@code spares} that went unused for a whole idleTimeout.
 */
class ElasticPoolTest {
    private static final Duration IDLE_TIMEOUT = Duration.ofMinutes(1);

    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void tearDown() {
        h.close();
    }

    private ConnectionPool<MemoryConnection> startElastic() {
        h.executor.inline();
        return h.startAndSettle(h.builder(A).maxConnections(6).spares(2).idleTimeout(IDLE_TIMEOUT)
                .healthCheckInterval(Duration.ofHours(1)));
    }

    @Test
    void itOpensOnlySparesAtFirstAndGrowsWithEachClaim() {
        var pool = startElastic();
        assertEquals(2, pool.stats().total(), "spares, not maxConnections");
        var claims = h.claimAll(); // each claim opens one more, up to the maximum
        assertEquals(6, claims.size());
        assertEquals(6, pool.stats().total());
        assertEquals(6, pool.stats().claimed());
        claims.forEach(Claim::close);
        assertEquals(6, pool.stats().idle());
    }

    @Test
    void connectionsAboveSparesUnusedForAWholeIdleTimeoutCloseButClaimedOnesDoNot() {
        var pool = startElastic();
        h.claimAll().forEach(Claim::close); // grew to 6, all idle since 0.1 s
        assertEquals(6, pool.stats().idle());

        // Housekeeping runs every idleTimeout from build. The first window (0 to 1 min) started with no
        // connection at all, so it shrinks nothing; it ends with 6 idle.
        h.advanceTo(IDLE_TIMEOUT);
        assertEquals(6, pool.stats().total());

        // In the second window one connection is in use throughout; the idle queue never fell below 5.
        var held = pool.tryClaim().orElseThrow();
        MemoryConnection inUse = held.connection();
        h.advanceTo(IDLE_TIMEOUT.multipliedBy(2).minusNanos(1));
        assertEquals(6, pool.stats().total(), "nothing closes before the window ends");

        h.clock.advanceNanos(1);
        assertEquals(3, h.factory.connections.stream().filter(MemoryConnection::isClosed).count(),
                "the 3 idle above spares that went unused for the whole window closed at its end");
        assertEquals(1, pool.stats().claimed());
        assertEquals(2, pool.stats().idle(), "spares stay");
        assertEquals(0, inUse.closes(), "the claimed one is not touched");
        h.factory.connections.forEach(c -> assertTrue(c.closes() <= 1, c.toString()));

        // Released, it is idle above spares; it goes once a whole window passes without it being needed.
        held.close();
        h.advanceTo(IDLE_TIMEOUT.multipliedBy(3));
        assertEquals(3, pool.stats().total(), "the window it was released in saw the queue at 2: no shrink");
        h.advanceTo(IDLE_TIMEOUT.multipliedBy(4));
        assertEquals(2, pool.stats().total());
        assertEquals(2, pool.stats().idle());
    }

    @Test
    void aPoolInSteadyUseKeepsWhatItUses() {
        var pool = startElastic();
        List<Claim<MemoryConnection>> claims = h.claimAll();
        claims.subList(0, 2).forEach(Claim::close); // 4 in use all the time, 2 idle: exactly spares
        h.advanceTo(IDLE_TIMEOUT.multipliedBy(5));
        assertEquals(6, pool.stats().total());
        assertEquals(0, h.factory.connections.stream().filter(MemoryConnection::isClosed).count());
        claims.subList(2, 6).forEach(Claim::close);
    }
}
