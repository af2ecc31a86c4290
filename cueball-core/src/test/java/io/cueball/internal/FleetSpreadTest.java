package io.cueball.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.internal.RebalancePlan.Candidate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fleet of pools over the same backends, simulated with the rebalance plan and the pools' preferences alone:
 * how many connections each backend gets (issue 13's cases), and what adding or removing a backend moves.
 */
class FleetSpreadTest {
    /** The figures go to the log at INFO (logback-test.xml): the issue asks for them. */
    private static final Logger log = LoggerFactory.getLogger(FleetSpreadTest.class);
    private static final long SEED = 20261201L;

    /** How the pools rank the backends. */
    enum Ranking {
        /** Every rank 0: the plan's ties fall to keys, as they did before ranks. */
        KEY_ORDER,
        /** The default: each pool its own seed, from one seeded source. */
        SHUFFLED,
        /** subsetting(id, pools). */
        SUBSETTING
    }

    /** Connections per backend across a fleet. */
    record Spread(String name, int[] perBackend) {
        int empty() {
            int n = 0;
            for (int c : perBackend) {
                n += c == 0 ? 1 : 0;
            }
            return n;
        }

        int min() {
            return java.util.Arrays.stream(perBackend).min().orElse(0);
        }

        int max() {
            return java.util.Arrays.stream(perBackend).max().orElse(0);
        }

        double mean() {
            return java.util.Arrays.stream(perBackend).average().orElse(0);
        }

        double maxOverMean() {
            return max() / mean();
        }

        @Override
        public String toString() {
            return String.format("%s: %d empty, min %d, max %d, mean %.1f, max/mean %.2f", name, empty(), min(),
                    max(), mean(), maxOverMean());
        }
    }

    static List<String> keys(int n) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            keys.add("10.2." + (i / 256) + "." + (i % 256) + ":5432");
        }
        return keys;
    }

    /** Each pool's ranks; pool {@code p} has the p-th seed, and is instance {@code p} of the fleet. */
    static List<long[]> ranks(Ranking ranking, List<String> keys, long[] seeds) {
        List<long[]> all = new ArrayList<>();
        for (int p = 0; p < seeds.length; p++) {
            long[] r = new long[keys.size()];
            if (ranking == Ranking.SUBSETTING) {
                r = Preference.subsetRanks(keys, p, seeds.length);
            } else if (ranking == Ranking.SHUFFLED) {
                for (int i = 0; i < keys.size(); i++) {
                    r[i] = Preference.rank(seeds[p], keys.get(i));
                }
            }
            all.add(r);
        }
        return all;
    }

    /** One seed a pool, all drawn from one seeded source. */
    static long[] seeds(int pools) {
        SplittableRandom fleet = new SplittableRandom(SEED);
        long[] seeds = new long[pools];
        for (int p = 0; p < pools; p++) {
            seeds[p] = fleet.nextLong();
        }
        return seeds;
    }

    /** One pool's plan over healthy, equally weighted backends, given what it holds now. */
    static Map<String, Integer> plan(List<String> keys, long[] ranks, Map<String, Integer> current, int max) {
        List<Candidate> candidates = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            candidates.add(new Candidate(keys.get(i), 1, false, current.getOrDefault(keys.get(i), 0), ranks[i]));
        }
        int[] t = RebalancePlan.targets(candidates, max);
        Map<String, Integer> plan = new HashMap<>();
        for (int i = 0; i < t.length; i++) {
            plan.put(keys.get(i), t[i]);
        }
        return plan;
    }

    static Spread spread(Ranking ranking, int pools, int max, int backends) {
        List<String> keys = keys(backends);
        List<long[]> ranks = ranks(ranking, keys, seeds(pools));
        int[] per = new int[backends];
        for (long[] r : ranks) {
            Map<String, Integer> plan = plan(keys, r, Map.of(), max);
            for (int i = 0; i < backends; i++) {
                per[i] += plan.get(keys.get(i));
            }
        }
        return new Spread(String.format("%-10s %d pools x %d over %d", ranking, pools, max, backends), per);
    }

    private static void assertWithinOneOfTheMean(Spread s) {
        assertTrue(s.max() - s.mean() < 1 && s.mean() - s.min() < 1, "every backend within one of the mean: " + s);
    }

    @Test
    void fiveHundredPoolsOfTenOverOneHundredBackends() {
        Spread keyOrder = spread(Ranking.KEY_ORDER, 500, 10, 100);
        Spread shuffled = spread(Ranking.SHUFFLED, 500, 10, 100);
        Spread subsetting = spread(Ranking.SUBSETTING, 500, 10, 100);
        log.info("fleet:\n{}\n{}\n{}", keyOrder, shuffled, subsetting);

        assertEquals(90, keyOrder.empty(), "before: " + keyOrder);
        assertEquals(0, shuffled.empty(), "no backend empty by default: " + shuffled);
        assertTrue(shuffled.maxOverMean() <= 1.6, "max/mean <= 1.6 by default: " + shuffled);
        assertWithinOneOfTheMean(subsetting);
    }

    @Test
    void theIssuesCases() {
        StringBuilder report = new StringBuilder();
        for (int[] c : new int[][] {{50, 10, 100}, {100, 8, 20}}) {
            Spread keyOrder = spread(Ranking.KEY_ORDER, c[0], c[1], c[2]);
            Spread shuffled = spread(Ranking.SHUFFLED, c[0], c[1], c[2]);
            Spread subsetting = spread(Ranking.SUBSETTING, c[0], c[1], c[2]);
            report.append(keyOrder).append('\n').append(shuffled).append('\n').append(subsetting).append('\n');

            // Before: the first backends by key take everything.
            assertEquals(c[2] - c[1], keyOrder.empty(), keyOrder.toString());
            assertTrue(shuffled.empty() < keyOrder.empty() && shuffled.maxOverMean() < keyOrder.maxOverMean(),
                    shuffled + " against " + keyOrder);
            assertWithinOneOfTheMean(subsetting);
            assertEquals(0, subsetting.empty(), subsetting.toString());
        }
        log.info("fleet:\n{}", report);
    }

    /** Whether the subsets stay balanced at other sizes, fewer backends than connections included. */
    @Test
    void subsettingIsWithinOneOfTheMeanAtAnySize() {
        SplittableRandom random = new SplittableRandom(SEED + 1);
        for (int round = 0; round < 200; round++) {
            int pools = 1 + random.nextInt(120);
            int max = 1 + random.nextInt(30);
            int backends = 1 + random.nextInt(80);
            assertWithinOneOfTheMean(spread(Ranking.SUBSETTING, pools, max, backends));
        }
    }

    /** What one pool's plan opens going from {@code before} to {@code after}: the connections that move. */
    private static int opened(Map<String, Integer> before, Map<String, Integer> after) {
        int n = 0;
        for (Map.Entry<String, Integer> e : after.entrySet()) {
            n += Math.max(0, e.getValue() - before.getOrDefault(e.getKey(), 0));
        }
        return n;
    }

    /**
     * The default: adding or removing one backend changes no other's rank, so in each pool only connections to
     * the added backend, or of the removed one, move: the other backends only lose (add) or only gain (remove),
     * by as many as the changed backend gains or loses. True of a fresh plan and of a running pool's re-plan.
     */
    @Test
    void byDefaultOnlyTheChangedBackendsConnectionsMove() {
        StringBuilder report = new StringBuilder();
        SplittableRandom random = new SplittableRandom(SEED + 2);
        for (int[] c : new int[][] {{500, 10, 100}, {50, 10, 100}, {100, 8, 20}, {40, 10, 4}, {30, 7, 3}}) {
            int pools = c[0];
            int max = c[1];
            List<String> keys = keys(c[2]);
            List<String> added = new ArrayList<>(keys);
            added.add(random.nextInt(added.size() + 1), "10.9.9.9:5432");
            List<String> removed = new ArrayList<>(keys);
            String gone = removed.remove(random.nextInt(removed.size()));
            long[] seeds = seeds(pools);
            List<long[]> before = ranks(Ranking.SHUFFLED, keys, seeds);
            List<long[]> afterAdd = ranks(Ranking.SHUFFLED, added, seeds);
            List<long[]> afterRemove = ranks(Ranking.SHUFFLED, removed, seeds);
            int moved = 0;
            for (int p = 0; p < pools; p++) {
                Map<String, Integer> was = plan(keys, before.get(p), Map.of(), max);
                for (Map<String, Integer> current : List.of(Map.<String, Integer>of(), was)) {
                    Map<String, Integer> add = plan(added, afterAdd.get(p), current, max);
                    int gained = add.get("10.9.9.9:5432");
                    int lost = 0;
                    for (String k : keys) {
                        assertTrue(add.get(k) <= was.get(k), "pool " + p + ": " + k + " gained on an add");
                        lost += was.get(k) - add.get(k);
                    }
                    assertEquals(gained, lost, "pool " + p + ": only connections to the added backend move");
                    Map<String, Integer> remove = plan(removed, afterRemove.get(p), current, max);
                    int regained = 0;
                    for (String k : removed) {
                        assertTrue(remove.get(k) >= was.get(k), "pool " + p + ": " + k + " lost on a removal");
                        regained += remove.get(k) - was.get(k);
                    }
                    assertEquals(was.get(gone), regained, "pool " + p + ": only the removed backend's move");
                    if (current.isEmpty()) {
                        moved += gained + regained;
                    }
                }
            }
            report.append(String.format("shuffled %d pools x %d over %d: an add and a removal moved %d "
                    + "connections in all (%.2f a pool)%n", pools, max, keys.size(), moved, moved / (double) pools));
        }
        log.info("moves:\n{}", report);
    }

    /**
     * Subsetting: a change of backends shifts each window on the ring by at most about one position, so each pool
     * opens at most one connection beyond those the changed backend itself gains or loses; and the fleet is
     * within one of the mean again afterwards.
     */
    @Test
    void withSubsettingAChangeMovesAtMostOneConnectionAPoolBeyondTheChangedBackends() {
        StringBuilder report = new StringBuilder();
        SplittableRandom random = new SplittableRandom(SEED + 3);
        int[][] cases = {{500, 10, 100}, {50, 10, 100}, {100, 8, 20}, {37, 7, 23}, {5, 40, 12}, {200, 3, 1000}};
        for (int[] c : cases) {
            int pools = c[0];
            int max = c[1];
            List<String> keys = keys(c[2]);
            for (boolean add : new boolean[] {true, false}) {
                List<String> after = new ArrayList<>(keys);
                String changed;
                if (add) {
                    changed = "10.9.9.9:5432";
                    after.add(random.nextInt(after.size() + 1), changed);
                } else {
                    changed = after.remove(random.nextInt(after.size()));
                }
                int worst = 0;
                int total = 0;
                int[] per = new int[after.size()];
                for (int p = 0; p < pools; p++) {
                    Map<String, Integer> was = plan(keys, Preference.subsetRanks(keys, p, pools), Map.of(), max);
                    Map<String, Integer> now = plan(after, Preference.subsetRanks(after, p, pools), Map.of(), max);
                    int opened = opened(was, now);
                    int forced = add ? now.get(changed) : was.get(changed);
                    assertTrue(opened <= forced + 1, "pool " + p + " of " + pools + " x " + max + " over "
                            + keys.size() + (add ? " (add)" : " (remove)") + ": opened " + opened + ", forced "
                            + forced);
                    worst = Math.max(worst, opened);
                    total += opened;
                    for (int i = 0; i < after.size(); i++) {
                        per[i] += now.get(after.get(i));
                    }
                }
                assertWithinOneOfTheMean(new Spread("after", per));
                report.append(String.format("subsetting %d pools x %d over %d, %s one: at most %d moved a pool, "
                        + "%.2f on average%n", pools, max, keys.size(), add ? "add" : "remove", worst,
                        total / (double) pools));
            }
        }
        log.info("moves:\n{}", report);
    }
}
