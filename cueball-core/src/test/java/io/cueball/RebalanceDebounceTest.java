package io.cueball;

import static io.cueball.EngineHarness.A;
import static io.cueball.EngineHarness.B;
import static io.cueball.EngineHarness.C;
import static io.cueball.EngineHarness.REBALANCE_DELAY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Resolver events are recorded at once and applied by one rebalance, {@code rebalanceDelay} after the first. */
class RebalanceDebounceTest {
    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void aBurstOfResolverEventsIsAppliedOnceRebalanceDelayAfterTheFirst() {
        var pool = h.start(h.builder().maxConnections(10));
        h.advanceTo(Duration.ofSeconds(1));
        long first = h.clock.nanoTime();
        h.resolver.add(A);
        h.clock.advance(Duration.ofMillis(40));
        h.resolver.add(B, C);
        h.clock.advance(Duration.ofMillis(40));
        h.resolver.remove(C);
        h.resolver.add(C);

        // The timer runs from the first event of the burst, not the last.
        assertEquals(Duration.ofMillis(20), h.clock.untilNextTask(), "one timer, armed by the first event");
        h.clock.advanceNanos(first + REBALANCE_DELAY.toNanos() - 1 - h.clock.nanoTime());
        assertEquals(0, pool.stats().rebalances(), "nothing applied at rebalanceDelay - 1 ns");
        assertTrue(pool.stats().backends().isEmpty());
        assertEquals(0, h.executor.pending(), "no connect started before the rebalance");
        assertTrue(h.listener.events.isEmpty(), h.listener.events.toString());

        h.clock.advanceNanos(1);
        assertEquals(1, pool.stats().rebalances(), "one rebalance at exactly rebalanceDelay");
        // The extra connection of the uneven split goes to the pool's preferred backend: b, for the harness's seed.
        assertEquals(List.of("backendAdded a.test:5432", "backendAdded b.test:5432", "backendAdded c.test:5432",
                "rebalanced {a.test:5432=3, b.test:5432=4, c.test:5432=3}"),
                h.listener.of("backendAdded", "backendRemoved", "rebalanced"));
        assertEquals(10, h.executor.pending(), "the rebalance started every connect the plan asks for");
        long at = h.clock.nanoTime();
        h.executor.runAll();

        assertEquals(first + REBALANCE_DELAY.toNanos(), at);
        assertSpreadEvenly(pool.stats(), 10);
        assertEquals(PoolState.RUNNING, pool.state());
        // Nothing else was armed: a minute later the burst has still cost exactly one rebalance.
        h.clock.advance(Duration.ofMinutes(1));
        assertEquals(1, pool.stats().rebalances());
    }

    @Test
    void theInitialBackendsAreAppliedRebalanceDelayAfterBuild() {
        var pool = h.start(h.builder(A, B).maxConnections(4));
        h.clock.advanceNanos(REBALANCE_DELAY.toNanos() - 1);
        assertEquals(0, pool.stats().rebalances());
        assertEquals(PoolState.STARTING, pool.state());
        assertTrue(pool.tryClaim().isEmpty(), "no connection before the first rebalance");

        h.clock.advanceNanos(1);
        h.executor.runAll();
        assertEquals(1, pool.stats().rebalances());
        assertEquals(2, h.stats(A).open());
        assertEquals(2, h.stats(B).open());
        assertEquals(List.of("stateChanged STARTING->RUNNING"), h.listener.of("stateChanged"));
    }

    @Test
    void anEventAfterARebalanceArmsAFreshDelay() {
        var pool = h.startAndSettle(h.builder(A).maxConnections(4));
        assertEquals(4, h.stats(A).open());
        h.clock.advance(Duration.ofSeconds(3));

        h.resolver.add(B);
        h.clock.advanceNanos(REBALANCE_DELAY.toNanos() - 1);
        assertEquals(1, pool.stats().rebalances());
        assertEquals(4, h.stats(A).open(), "A keeps its connections until the rebalance");
        assertFalse(h.knows(B));

        h.clock.advanceNanos(1);
        h.executor.runAll();
        assertEquals(2, pool.stats().rebalances());
        assertEquals(2, h.stats(A).open(), "A's idle surplus closed at the rebalance");
        assertEquals(2, h.stats(B).open());
        assertEquals(2, h.factory.connectionsTo(A).stream().filter(MemoryConnection::isClosed).count());
        assertSpreadEvenly(pool.stats(), 4);
    }

    @Test
    void aBackendThatFlapsWithinTheDelayKeepsItsConnections() {
        var pool = h.startAndSettle(h.builder(A, B).maxConnections(4));
        List<MemoryConnection> before = h.factory.open();
        h.resolver.remove(A);
        h.clock.advance(Duration.ofMillis(50));
        h.resolver.add(A);

        h.clock.advance(REBALANCE_DELAY);
        h.executor.runAll();
        assertEquals(2, pool.stats().rebalances(), "the flap still costs one re-plan");
        assertEquals(before, h.factory.open(), "but no connection was closed or opened");
        assertEquals(0, h.listener.count("backendRemoved"));
        assertEquals(BackendStatus.LIVE, h.stats(A).status());
    }

    @Test
    void connectionsFollowTheBackendsWeights() {
        Backend light = new Backend("light.test", 1, 1, 0, Map.of());
        Backend middle = new Backend("middle.test", 1, 2, 0, Map.of());
        Backend heavy = new Backend("heavy.test", 1, 3, 0, Map.of());
        var pool = h.startAndSettle(h.builder(light, middle, heavy).maxConnections(12));

        assertEquals(List.of(Map.of("light.test:1", 2, "middle.test:1", 4, "heavy.test:1", 6)), h.listener.plans);
        assertEquals(2, h.stats(light).open());
        assertEquals(4, h.stats(middle).open());
        assertEquals(6, h.stats(heavy).open());
        assertEquals(12, pool.stats().total());

        // A new weight is a change too: the heavy backend drops to 1 and its surplus idle connections close.
        h.resolver.add(new Backend("heavy.test", 1, 1, 0, Map.of()));
        h.clock.advance(REBALANCE_DELAY);
        h.executor.runAll();
        // 12 over weights 1:2:1 is 3, 6, 3.
        assertEquals(3, h.stats(light).open());
        assertEquals(6, h.stats(middle).open());
        assertEquals(3, h.stats(heavy).open());
        assertEquals(3, h.factory.connectionsTo(heavy).stream().filter(MemoryConnection::isClosed).count());
    }

    /** Invariant 2: after a rebalance settles, the live backends' counts differ by at most one. */
    static void assertSpreadEvenly(PoolStats stats, int max) {
        List<Integer> open = stats.backends().stream().filter(b -> b.status() == BackendStatus.LIVE)
                .map(BackendStats::open).toList();
        int total = open.stream().mapToInt(Integer::intValue).sum();
        assertEquals(max, total, "every connection is open: " + stats.backends());
        int spread = open.stream().mapToInt(Integer::intValue).max().orElse(0)
                - open.stream().mapToInt(Integer::intValue).min().orElse(0);
        assertTrue(spread <= 1, "counts differ by at most one: " + open);
    }
}
