package io.cueball.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.internal.RebalancePlan.Candidate;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class RebalancePlanTest {

    /**
     * Each row: a description, maxConnections, the candidates as "key:weight:current" (a trailing ":dead"
     * marks a dead backend, a trailing "@rank" gives its rank, 0 otherwise), and the expected targets in the same
     * order. The rows before the ranks were added give every backend rank 0, so their ties still fall to keys:
     * none of their answers changed.
     */
    static Stream<Arguments> table() {
        return Stream.of(
                row("no backends", 10, ""),
                row("one backend takes everything", 10, "a:1:0", 10),
                row("even split", 12, "a:1:0 b:1:0 c:1:0", 4, 4, 4),
                row("remainder one each, by key when nothing is open", 10, "a:1:0 b:1:0 c:1:0", 4, 3, 3),
                row("remainder to those holding more now (less churn)", 10, "a:1:2 b:1:3 c:1:3 d:1:2", 2, 3, 3, 2),
                row("more backends than connections: one each, current holders first", 3,
                        "a:1:0 b:1:1 c:1:0 d:1:1 e:1:1", 0, 1, 0, 1, 1),
                row("more backends than connections, nothing open: first by key", 2, "c:1:0 a:1:0 b:1:0", 0, 1, 1),
                row("a dead backend keeps one monitor slot, its share goes to the live", 10,
                        "a:1:3 b:1:3 c:1:3 d:1:1:dead", 3, 3, 3, 1),
                row("every backend dead: one monitor each", 10, "a:1:0:dead b:1:0:dead c:1:0:dead", 1, 1, 1),
                row("more dead than free slots: live first, then dead holding a connection, then by key", 4,
                        "a:1:1 b:1:1 x:1:0:dead y:1:1:dead z:1:0:dead", 1, 1, 1, 1, 0),
                row("live backends fill the pool: no monitors", 2, "a:1:1 b:1:1 c:1:0:dead", 1, 1, 0),
                row("weights 1:2:3", 12, "a:1:0 b:2:0 c:3:0", 2, 4, 6),
                row("weights, largest remainder", 10, "a:1:0 b:1:0 c:2:0", 3, 2, 5),
                row("weights, remainders compared exactly", 7, "a:3:0 b:3:0 c:1:0", 3, 3, 1),
                row("a weight-0 backend gets nothing while others have weight", 6, "a:0:2 b:1:2 c:1:2", 0, 3, 3),
                row("all weights 0 count as equal", 6, "a:0:0 b:0:0 c:0:0", 2, 2, 2),
                row("weights with a dead backend", 11, "a:1:0 b:4:0 c:9:0:dead", 2, 8, 1),
                // A removed backend is not a candidate: whatever it still has claimed does not reduce the share
                // of the others (its claimed connections are exempt from the maximum until released).
                row("a removed backend's claimed connections do not count", 8, "a:1:0 b:1:0", 4, 4),
                // The pool's preference (Preference): it decides what key order decided before, and nothing else.
                row("more backends than connections, nothing open: lowest rank first, not first by key", 2,
                        "a:1:0@3 b:1:0@1 c:1:0@2", 0, 1, 1),
                row("ranks compare signed", 1, "a:1:0@5 b:1:0@-5", 0, 1),
                row("a better rank beats a current holder (a backend added or back takes what the pool prefers it for)",
                        2, "a:1:1@9 b:1:0@1 c:1:1@8", 0, 1, 1),
                row("with ranks equal, current holders win (a re-plan moves nothing it need not)", 2,
                        "a:1:1@5 b:1:0@5 c:1:1@5", 1, 0, 1),
                row("the remainder beats a better rank", 2, "a:1:0@9 b:2:0@0", 1, 1),
                row("the extra connections of an uneven split go to the best ranks", 5,
                        "a:1:0@2 b:1:0@0 c:1:0@1", 1, 2, 2),
                row("monitor slots: the best ranks first", 4,
                        "a:1:1 b:1:1 x:1:0:dead@5 y:1:0:dead@1 z:1:1:dead@9", 1, 1, 1, 1, 0),
                row("equal ranks fall to the key", 1, "b:1:0@7 a:1:0@7", 0, 1));
    }

    private static Arguments row(String name, int max, String spec, int... expected) {
        List<Candidate> candidates = new ArrayList<>();
        for (String c : spec.isBlank() ? new String[0] : spec.trim().split("\\s+")) {
            String[] r = c.split("@");
            String[] f = r[0].split(":");
            candidates.add(new Candidate(f[0], Integer.parseInt(f[1]), f.length > 3 && f[3].equals("dead"),
                    Integer.parseInt(f[2]), r.length > 1 ? Long.parseLong(r[1]) : 0));
        }
        return Arguments.of(name, max, candidates, expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void planMatchesTable(String name, int max, List<Candidate> candidates, int[] expected) {
        assertArrayEquals(expected, RebalancePlan.targets(candidates, max), name);
    }

    @Test
    void randomInputsKeepTheRules() {
        Random random = new Random(20261124L);
        for (int round = 0; round < 2_000; round++) {
            int max = 1 + random.nextInt(40);
            int n = random.nextInt(12);
            boolean weighted = random.nextBoolean();
            List<Candidate> candidates = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                candidates.add(new Candidate("k" + i, weighted ? random.nextInt(5) : 1, random.nextInt(4) == 0,
                        random.nextInt(5), random.nextLong()));
            }
            int[] t = RebalancePlan.targets(candidates, max);
            int sum = 0;
            long live = candidates.stream().filter(c -> !c.dead()).count();
            long totalWeight = candidates.stream().filter(c -> !c.dead()).mapToLong(Candidate::weight).sum();
            for (int i = 0; i < n; i++) {
                sum += t[i];
                if (candidates.get(i).dead()) {
                    assertTrue(t[i] <= 1, "a dead backend gets at most its monitor slot");
                }
            }
            assertTrue(sum <= max, "never more than max in all");
            int monitors = 0;
            for (int i = 0; i < n; i++) {
                if (candidates.get(i).dead()) {
                    monitors += t[i];
                }
            }
            if (live > 0) {
                assertEquals(max, sum, "with a live backend the whole pool is assigned");
                double share = max - monitors;
                for (int i = 0; i < n; i++) {
                    Candidate c = candidates.get(i);
                    if (!c.dead()) {
                        double quota = totalWeight == 0 ? share / live : share * c.weight() / totalWeight;
                        assertTrue(Math.abs(t[i] - quota) < 1.0, "within one of the weighted quota");
                    }
                }
            }
        }
    }

    @Test
    void selectionGivesTheSamePlanAsAFullSortIncludingEveryTieBreak() {
        Random random = new Random(20261125L);
        for (int round = 0; round < 3_000; round++) {
            int n = 1 + random.nextInt(round < 2_500 ? 40 : 3_000);
            int max = 1 + random.nextInt(2 * n + 10);
            boolean weighted = random.nextBoolean();
            List<Candidate> candidates = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                // Few distinct weights, currents and (in half the rounds) ranks, so that remainders, currents and
                // ranks tie often and keys decide; full-range ranks in the other half, as Preference gives them.
                candidates.add(new Candidate(Integer.toString(random.nextInt(1 << 20), 36) + "-" + i,
                        weighted ? random.nextInt(4) : 1, random.nextInt(5) == 0, random.nextInt(3),
                        round % 2 == 0 ? random.nextInt(3) - 1 : random.nextLong()));
            }
            assertArrayEquals(bySorting(candidates, max), RebalancePlan.targets(candidates, max),
                    "round " + round + ": " + n + " backends, max " + max);
        }
    }

    @Test
    void selectionFallsBackToSortingWhenPartitionsDoNotShrinkTheRange() {
        Random random = new Random(20261126L);
        for (int round = 0; round < 200; round++) {
            int n = 1 + random.nextInt(300);
            int[] values = new int[n];
            for (int i = 0; i < n; i++) {
                values[i] = random.nextInt(round % 2 == 0 ? 10 : 1_000_000);
            }
            int k = random.nextInt(n + 1);
            for (int maxRounds : new int[] {0, 1, 2, 64}) {
                int[] a = new int[n];
                for (int i = 0; i < n; i++) {
                    a[i] = i;
                }
                RebalancePlan.selectFirst(a, n, k, (x, y) -> Integer.compare(values[x], values[y]), maxRounds);
                int[] sorted = values.clone();
                java.util.Arrays.sort(sorted);
                int[] first = new int[k];
                for (int i = 0; i < k; i++) {
                    first[i] = values[a[i]];
                }
                java.util.Arrays.sort(first);
                assertArrayEquals(java.util.Arrays.copyOf(sorted, k), first, "n " + n + ", k " + k + ", maxRounds "
                        + maxRounds);
            }
        }
    }

    /** The plan as first written, with full sorts (and the rank tie-break since): the oracle for the selection. */
    private static int[] bySorting(List<Candidate> candidates, int maxConnections) {
        int n = candidates.size();
        int[] targets = new int[n];
        List<Integer> live = new ArrayList<>();
        List<Integer> dead = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            (candidates.get(i).dead() ? dead : live).add(i);
        }
        java.util.Comparator<Integer> byCurrentThenKey = java.util.Comparator
                .comparingLong((Integer i) -> candidates.get(i).rank())
                .thenComparingInt(i -> -candidates.get(i).current())
                .thenComparing(i -> candidates.get(i).key());
        int monitors = live.size() >= maxConnections ? 0 : Math.min(dead.size(), maxConnections - live.size());
        dead.sort(byCurrentThenKey);
        for (int k = 0; k < monitors; k++) {
            targets[dead.get(k)] = 1;
        }
        if (live.isEmpty()) {
            return targets;
        }
        long share = maxConnections - monitors;
        long totalWeight = live.stream().mapToLong(i -> candidates.get(i).weight()).sum();
        boolean equal = totalWeight == 0;
        if (equal) {
            totalWeight = live.size();
        }
        long[] remainders = new long[n];
        long assigned = 0;
        for (int i : live) {
            long quota = share * (equal ? 1 : candidates.get(i).weight());
            targets[i] = (int) (quota / totalWeight);
            remainders[i] = quota % totalWeight;
            assigned += targets[i];
        }
        live.sort(java.util.Comparator.comparingLong((Integer i) -> -remainders[i]).thenComparing(byCurrentThenKey));
        for (int k = 0; k < share - assigned; k++) {
            targets[live.get(k)]++;
        }
        return targets;
    }
}
