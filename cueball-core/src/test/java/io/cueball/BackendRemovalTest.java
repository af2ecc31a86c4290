package io.cueball;

import static io.cueball.EngineHarness.A;
import static io.cueball.EngineHarness.B;
import static io.cueball.EngineHarness.REBALANCE_DELAY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A removed backend's idle connections close at the rebalance, its claimed ones when released, unless it
 * comes back first.
 */
class BackendRemovalTest {
    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void tearDown() {
        h.close();
    }

    private Claim<MemoryConnection> claimOn(ConnectionPool<MemoryConnection> pool, Backend b) {
        List<Claim<MemoryConnection>> all = h.claimAll();
        Claim<MemoryConnection> mine = all.stream().filter(c -> c.backend().equals(b)).findFirst().orElseThrow();
        all.stream().filter(c -> c != mine).forEach(Claim::close);
        return mine;
    }

    @Test
    void removedBackendsIdleConnectionsCloseAtTheRebalanceAndClaimedOnesWhenReleased() {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A, B).maxConnections(4));
        var claim = claimOn(pool, A);
        MemoryConnection claimed = claim.connection();
        MemoryConnection idleA = h.factory.open(A).stream().filter(c -> c != claimed).findFirst().orElseThrow();

        h.resolver.remove(A);
        h.clock.advanceNanos(REBALANCE_DELAY.toNanos() - 1);
        assertEquals(0, idleA.closes(), "nothing closes before the rebalance");
        assertEquals(BackendStatus.LIVE, h.stats(A).status());

        h.clock.advanceNanos(1);
        assertEquals(1, idleA.closes(), "the idle one closes at the rebalance");
        assertEquals(0, claimed.closes(), "the claimed one stays with its claim");
        assertEquals(BackendStatus.REMOVED, h.stats(A).status());
        assertEquals(0, h.stats(A).target());
        assertEquals(1, h.listener.count("backendRemoved", A.key()));
        assertEquals(4, h.stats(B).open(), "B takes the whole pool at once: the claimed A connection is exempt");
        claim.connection(); // still usable by its holder

        claim.close();
        assertEquals(1, claimed.closes(), "closed on release");
        assertFalse(h.knows(A), "forgotten once its last connection closed");
        assertEquals(4, pool.stats().total());
        h.factory.connections.forEach(c -> assertTrue(c.closes() <= 1, c.toString()));
    }

    @Test
    void aBackendReaddedBeforeItsClaimedConnectionIsReleasedKeepsIt() {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A, B).maxConnections(4));
        var claim = claimOn(pool, A);
        MemoryConnection claimed = claim.connection();

        h.resolver.remove(A);
        h.clock.advance(REBALANCE_DELAY);
        assertEquals(BackendStatus.REMOVED, h.stats(A).status());

        h.resolver.add(A);
        h.clock.advance(REBALANCE_DELAY);
        assertEquals(BackendStatus.LIVE, h.stats(A).status());
        assertEquals(2, h.stats(A).target());
        assertEquals(2, h.stats(A).open(), "its claimed connection counts again, plus one new");
        assertEquals(2, h.stats(B).open(), "B gave back its surplus");

        claim.close();
        assertEquals(0, claimed.closes(), "kept: the backend is back");
        assertEquals(2, h.stats(A).idle());
        assertEquals(4, pool.stats().total());
        assertEquals(List.of(claimed), h.factory.open(A).stream().filter(c -> c == claimed).toList());
        assertEquals(2, h.factory.open(A).size());
        var claims = h.claimAll();
        assertTrue(claims.stream().anyMatch(c -> c.connection() == claimed), "and serves claims again");
        claims.forEach(Claim::close);
    }

    @Test
    void aClaimedConnectionOfARemovedBackendIsNotCountedAgainstTheMaximumUntilReleased() {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A, B).maxConnections(2));
        var claim = claimOn(pool, A);
        h.resolver.remove(A);
        h.clock.advance(REBALANCE_DELAY);
        assertEquals(2, h.stats(B).open());
        assertEquals(3, pool.stats().total(), "invariant 1's one exception: max plus the removed claimed one");
        claim.close();
        assertEquals(2, pool.stats().total());
        h.clock.advance(Duration.ofMinutes(1));
        assertEquals(2, pool.stats().total());
    }
}
