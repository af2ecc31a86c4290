package io.cueball;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.internal.Preference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Pools over more backends than connections: each uses the backends its own preference gives (a seeded shuffle,
 * or its subset with {@code subsetting}), not the first by key.
 */
class FleetPreferenceTest {
    private static final int BACKENDS = 100;

    private final EngineHarness one = new EngineHarness();
    private final EngineHarness two = new EngineHarness();

    @AfterEach
    void tearDown() {
        one.close();
        two.close();
    }

    private static Backend[] backends() {
        Backend[] backends = new Backend[BACKENDS];
        for (int i = 0; i < BACKENDS; i++) {
            backends[i] = Backend.of("10.3.0." + i, 5432);
        }
        return backends;
    }

    private static List<String> keys(Backend[] backends) {
        List<String> keys = new ArrayList<>();
        for (Backend b : backends) {
            keys.add(b.key());
        }
        return keys;
    }

    /** The backends the pool holds connections to, after checking it holds one each. */
    private static Set<String> used(ConnectionPool<MemoryConnection> pool) {
        Set<String> used = new TreeSet<>();
        for (BackendStats s : pool.stats().backends()) {
            if (s.open() > 0) {
                assertEquals(1, s.open(), "one connection a backend when backends outnumber them: " + s);
                used.add(s.backend().key());
            }
        }
        return used;
    }

    /** Lets the debounced rebalance run, with every connect and close it starts. */
    private static void settle(EngineHarness h) {
        h.clock.advance(EngineHarness.REBALANCE_DELAY);
        h.executor.runAll();
    }

    @Test
    void poolsWithDifferentSeedsUseDifferentBackends() {
        var a = one.startAndSettle(one.builder(backends()).maxConnections(10).random(new SplittableRandom(1)));
        var b = two.startAndSettle(two.builder(backends()).maxConnections(10).random(new SplittableRandom(2)));

        Set<String> usedA = used(a);
        Set<String> usedB = used(b);
        assertEquals(10, usedA.size(), usedA.toString());
        assertEquals(10, usedB.size(), usedB.toString());
        assertNotEquals(usedA, usedB);
        Set<String> both = new HashSet<>(usedA);
        both.retainAll(usedB);
        assertTrue(both.size() <= 5, "two shuffles share about one backend in ten, not " + both);
        Set<String> firstByKey = new TreeSet<>(keys(backends())).stream().limit(10)
                .collect(java.util.stream.Collectors.toCollection(TreeSet::new));
        assertNotEquals(firstByKey, usedA, "not key order");
    }

    @Test
    void theSameSeedUsesTheSameBackends() {
        var a = one.startAndSettle(one.builder(backends()).maxConnections(10).random(new SplittableRandom(3)));
        var b = two.startAndSettle(two.builder(backends()).maxConnections(10).random(new SplittableRandom(3)));
        assertEquals(used(a), used(b));
    }

    @Test
    void aSubsettingPoolUsesExactlyItsSubset() {
        Backend[] backends = backends();
        var pool = one.startAndSettle(one.builder(backends).maxConnections(10).subsetting(3, 10));
        assertEquals(subset(keys(backends), 3, 10), used(pool));

        // Instance 3 of 10 over 100 backends holds ring positions 30..39: remove one of them, and it takes the
        // subset of the 99 left, which the ring shifts by at most one backend beyond the one that went.
        Set<String> before = used(pool);
        Backend gone = backends[keys(backends).indexOf(before.iterator().next())];
        one.resolver.remove(gone);
        settle(one);
        List<String> left = keys(backends);
        left.remove(gone.key());
        Set<String> after = used(pool);
        assertEquals(subset(left, 3, 10), after);
        Set<String> opened = new HashSet<>(after);
        opened.removeAll(before);
        assertTrue(opened.size() <= 2, "opened " + opened);
    }

    /** The keys a subsetting instance's plan picks over healthy, equal backends: its {@code max} lowest ranks. */
    private static Set<String> subset(List<String> keys, int id, int count) {
        long[] ranks = Preference.subsetRanks(keys, id, count);
        Set<String> subset = new TreeSet<>();
        for (int i = 0; i < keys.size(); i++) {
            if (ranks[i] < 10) {
                subset.add(keys.get(i));
            }
        }
        return subset;
    }

    /**
     * The pool's preference is fixed for its life: decoherence moves nothing; an added backend takes a connection
     * only if this pool ranks it among its top, and then exactly one; a removal moves exactly its own.
     */
    @Test
    void decoherenceMovesNothingAndAnAddedBackendMovesAtMostOne() {
        Duration interval = Duration.ofSeconds(10);
        var pool = one.startAndSettle(one.builder(backends()).maxConnections(10).random(new SplittableRandom(4))
                .decoherenceInterval(interval).healthCheckInterval(Duration.ofHours(1)));
        Set<String> before = used(pool);
        one.executor.inline();
        one.advanceTo(interval.multipliedBy(3));
        assertEquals(before, used(pool), "three decoherence intervals moved nothing");

        for (int i = 0; i < 20; i++) { // twenty additions: each moves at most one connection, to itself
            Backend added = Backend.of("10.3.1." + i, 5432);
            Set<String> was = used(pool);
            one.resolver.add(added);
            settle(one);
            Set<String> now = used(pool);
            Set<String> lost = new java.util.HashSet<>(was);
            lost.removeAll(now);
            Set<String> gained = new java.util.HashSet<>(now);
            gained.removeAll(was);
            assertTrue(lost.size() <= 1 && gained.equals(lost.isEmpty() ? Set.of() : Set.of(added.key())),
                    "adding " + added.key() + " moved " + lost + " to " + gained);
        }

        String gone = used(pool).iterator().next();
        Set<String> was = used(pool);
        one.resolver.remove(Backend.of(gone.substring(0, gone.indexOf(':')), 5432));
        settle(one);
        Set<String> after = used(pool);
        assertEquals(10, after.size(), after.toString());
        assertTrue(after.containsAll(was.stream().filter(k -> !k.equals(gone)).toList()), after.toString());
    }
}
