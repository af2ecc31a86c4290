package io.cueball.internal;

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
 *       lowest ranks, get them.</li>
 *   <li>The remaining {@code max - monitors} connections are split among the live backends in proportion to
 *       their weights by the largest-remainder method: each gets the floor of its quota and the leftover
 *       connections go one each to the largest fractional parts. With equal weights that is the even split,
 *       the remainder spread one each. If every live weight is 0, all count as equal.</li>
 *   <li>Ties go to the lower {@linkplain Candidate#rank() rank} (the pool's own preference, so that pools over
 *       more backends than connections do not all pick the same ones, and a backend that comes back or is added
 *       gets the connections this pool prefers it for: see {@link Preference}), then to the backend that holds
 *       more connections now (when ranks tie, a re-plan moves as few connections as possible), then to the
 *       smaller key (so the plan is deterministic).</li>
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
     * @param dead    whether it is out of service (dead or ejected): it gets one monitor slot at most
     * @param current the connections it holds or is opening now
     * @param rank    this pool's preference for it, lower preferred: it decides between backends tied on
     *                remainder and current connections (with more backends than connections, which ones get
     *                one). {@link Preference#rank} or {@link Preference#subsetRanks}; any value, compared signed
     */
    public record Candidate(String key, int weight, boolean dead, int current, long rank) {
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
        int[] live = new int[n];
        int[] dead = new int[n];
        int liveCount = 0;
        int deadCount = 0;
        for (int i = 0; i < n; i++) {
            if (candidates.get(i).dead()) {
                dead[deadCount++] = i;
            } else {
                live[liveCount++] = i;
            }
        }

        IndexOrder byCurrentRankKey = (a, b) -> {
            Candidate x = candidates.get(a);
            Candidate y = candidates.get(b);
            int c = Long.compare(x.rank(), y.rank());
            if (c == 0) {
                c = Integer.compare(y.current(), x.current());
            }
            return c != 0 ? c : x.key().compareTo(y.key());
        };

        int monitors = liveCount >= maxConnections ? 0 : Math.min(deadCount, maxConnections - liveCount);
        if (monitors < deadCount) {
            selectFirst(dead, deadCount, monitors, byCurrentRankKey);
        }
        for (int k = 0; k < monitors; k++) {
            targets[dead[k]] = 1;
        }
        if (liveCount == 0) {
            return targets;
        }

        long share = maxConnections - monitors;
        long totalWeight = 0;
        for (int k = 0; k < liveCount; k++) {
            totalWeight += candidates.get(live[k]).weight();
        }
        boolean equal = totalWeight == 0;
        if (equal) {
            totalWeight = liveCount;
        }
        long[] remainders = new long[n];
        long assigned = 0;
        for (int k = 0; k < liveCount; k++) {
            int i = live[k];
            long quota = share * (equal ? 1 : candidates.get(i).weight());
            targets[i] = (int) (quota / totalWeight);
            remainders[i] = quota % totalWeight;
            assigned += targets[i];
        }
        int leftover = (int) (share - assigned);
        if (leftover > 0) {
            selectFirst(live, liveCount, leftover, (a, b) -> {
                int c = Long.compare(remainders[b], remainders[a]);
                return c != 0 ? c : byCurrentRankKey.compare(a, b);
            });
            for (int k = 0; k < leftover; k++) {
                targets[live[k]]++;
            }
        }
        return targets;
    }

    /** A total order on candidate indices. */
    interface IndexOrder {
        int compare(int a, int b);
    }

    /**
     * Moves the {@code k} first of {@code a[0, length)} in {@code order} to {@code a[0, k)}, in no particular
     * order among themselves. Only those {@code k} get a connection, so a full sort is not needed: this is
     * quickselect with a three-way partition, O(length) comparisons on average, and it compares keys only
     * between candidates tied on everything else (with distinct ranks, never). (At 10 000 backends a full sort
     * took about 2 ms, under the pool lock.) A range that will not shrink is sorted instead, which bounds the
     * worst case.
     */
    static void selectFirst(int[] a, int length, int k, IndexOrder order) {
        selectFirst(a, length, k, order, 64);
    }

    /** As above, sorting what is left after {@code maxRounds} partitions (a parameter so tests reach it). */
    static void selectFirst(int[] a, int length, int k, IndexOrder order, int maxRounds) {
        int lo = 0;
        int hi = length;
        for (int rounds = 0; lo < k && k < hi && hi - lo > 1; rounds++) {
            if (rounds == maxRounds) {
                sort(a, lo, hi, order);
                return;
            }
            int pivot = a[lo + (hi - lo) / 2];
            // [lo, lt) before the pivot, [lt, i) tied with it, [gt, hi) after it.
            int lt = lo;
            int gt = hi;
            int i = lo;
            while (i < gt) {
                int c = order.compare(a[i], pivot);
                if (c < 0) {
                    swap(a, lt++, i++);
                } else if (c > 0) {
                    swap(a, i, --gt);
                } else {
                    i++;
                }
            }
            if (k <= lt) {
                hi = lt;
            } else if (k >= gt) {
                lo = gt;
            } else {
                return; // the boundary falls among the pivot's ties: either side of it is right
            }
        }
    }

    private static void sort(int[] a, int from, int to, IndexOrder order) {
        Integer[] boxed = new Integer[to - from];
        for (int i = from; i < to; i++) {
            boxed[i - from] = a[i];
        }
        java.util.Arrays.sort(boxed, order::compare);
        for (int i = from; i < to; i++) {
            a[i] = boxed[i - from];
        }
    }

    private static void swap(int[] a, int i, int j) {
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}
