package io.cueball.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The rebalance plan: how many connections each backend should hold. A pure function of its input, so it is
 * tested by tables and benchmarked on its own.
 *
 * <p>The rules, in order:
 * <ol>
 *   <li>Every live backend is served before any dead one: dead backends get one <em>monitor</em> slot each
 *       only while there are fewer live backends than connections ({@code monitors = min(dead, max - live)}).
 *       When there are more dead backends than free slots, the ones already holding a connection, then the
 *       first by key, get them.</li>
 *   <li>The remaining {@code max - monitors} connections are split among the live backends in proportion to
 *       their weights by the largest-remainder method: each gets the floor of its quota and the leftover
 *       connections go one each to the largest fractional parts. With equal weights that is the even split,
 *       the remainder spread one each. If every live weight is 0, all count as equal.</li>
 *   <li>Ties go to the backend that holds more connections now (so a re-plan moves as few connections as
 *       possible), then to the smaller key (so the plan is deterministic).</li>
 * </ol>
 * Removed backends are not part of the input: their target is 0 and their claimed connections do not count
 * against the maximum until released.
 */
public final class RebalancePlan {

    private RebalancePlan() {
    }

    /**
     * One backend, as the plan sees it.
     *
     * @param key     the backend's key, for deterministic tie-breaking
     * @param weight  its weight, {@code >= 0}
     * @param dead    whether it is dead
     * @param current the connections it holds or is opening now
     */
    public record Candidate(String key, int weight, boolean dead, int current) {
    }

    /**
     * Computes the targets.
     *
     * @param candidates     every backend that is not removed, in any order
     * @param maxConnections the pool's maximum, {@code >= 1}
     * @return the target of each candidate, at the same index; they sum to at most {@code maxConnections}
     */
    public static int[] targets(List<Candidate> candidates, int maxConnections) {
        int n = candidates.size();
        int[] targets = new int[n];
        List<Integer> live = new ArrayList<>(n);
        List<Integer> dead = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            (candidates.get(i).dead() ? dead : live).add(i);
        }

        Comparator<Integer> byCurrentThenKey = Comparator
                .comparingInt((Integer i) -> -candidates.get(i).current())
                .thenComparing(i -> candidates.get(i).key());

        int monitors = live.size() >= maxConnections ? 0 : Math.min(dead.size(), maxConnections - live.size());
        if (monitors < dead.size()) {
            dead.sort(byCurrentThenKey);
        }
        for (int k = 0; k < monitors; k++) {
            targets[dead.get(k)] = 1;
        }
        if (live.isEmpty()) {
            return targets;
        }

        long share = maxConnections - monitors;
        long totalWeight = 0;
        for (int i : live) {
            totalWeight += candidates.get(i).weight();
        }
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
        int leftover = (int) (share - assigned);
        if (leftover > 0) {
            live.sort(Comparator.comparingLong((Integer i) -> -remainders[i]).thenComparing(byCurrentThenKey));
            for (int k = 0; k < leftover; k++) {
                targets[live.get(k)]++;
            }
        }
        return targets;
    }
}
