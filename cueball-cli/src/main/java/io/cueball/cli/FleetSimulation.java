package io.cueball.cli;

import io.cueball.internal.Preference;
import io.cueball.internal.RebalancePlan;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code cueball simulate --scenario fleet}: how a fleet of pools spreads its connections over backends it
 * shares, when there are more backends than connections per pool. Each pool's targets come from the pool's own
 * rebalance plan ({@link RebalancePlan#targets}, the code the pool runs) over every backend, live and of weight 1,
 * with the ranks of one of three methods:
 * <ul>
 *   <li>{@link Method#KEY_ORDER}: every rank equal, so the plan's ties go by key: what pools did before
 *       preferences, and what the issue measured (every pool picks the same backends);</li>
 *   <li>{@link Method#SHUFFLED}: {@link Preference#rank(long, String)} with a seed per pool (drawn from the
 *       simulation's seed, as a pool draws it from its random): the default;</li>
 *   <li>{@link Method#DETERMINISTIC}: {@link Preference#subsetRanks} with the pool's index and the fleet's
 *       size: {@code subsetting(id, count)}.</li>
 * </ul>
 * Per run and method it adds up each backend's connections over the fleet. It also adds one backend and plans
 * again, the way the pool re-plans (with what each pool holds as {@code current}, or nothing under subsetting,
 * whose plan ignores it), and counts the connections the new backend gets over the fleet (its fair share is
 * {@code pools * max / (backends + 1)}) and those each pool moves off the backends it had (the fair share needs
 * {@code max / (backends + 1)} a pool on average). Ranks decide before current holdings, so under the shuffled
 * default the new backend gets its share from the pools that rank it among their top, one connection each.
 *
 * <p>Only the shuffled method depends on the seed; the other two give the same fleet every run.
 */
final class FleetSimulation {

    /** How a pool ranks the backends. */
    enum Method {
        /** All ranks equal: ties by key. */
        KEY_ORDER("key order"),
        /** A per-pool rendezvous order (the default). */
        SHUFFLED("shuffled"),
        /** Deterministic subsetting from the pool's index and the fleet's size. */
        DETERMINISTIC("deterministic");

        final String label;

        Method(String label) {
            this.label = label;
        }
    }

    /**
     * What one method gave, averaged over the runs.
     *
     * @param method     the method
     * @param empty      backends with no connection, per run
     * @param min        the fewest connections a backend had, per run
     * @param max        the most connections a backend had, per run
     * @param maxOverMean {@code max} over the mean ({@code pools * connections / backends}), per run
     * @param stddev     the standard deviation of the connections per backend, per run
     * @param added      connections the added backend gets from the fleet, per run
     * @param moved      connections a pool moves off its backends when one backend is added, per pool and run
     * @param firstRun   the connections of each backend in the first run, most first
     * @param counts     over all runs: how many backends had k connections, for k = 0 .. pools * connections
     */
    record Result(Method method, double empty, double min, double max, double maxOverMean, double stddev,
            double added, double moved, int[] firstRun, long[] counts) {
    }

    private final int pools;
    private final int connections;
    private final int backends;

    /**
     * @param pools       pools in the fleet, {@code >= 1}
     * @param connections each pool's maxConnections, {@code >= 1}
     * @param backends    backends they share, {@code >= 1}
     */
    FleetSimulation(int pools, int connections, int backends) {
        this.pools = pools;
        this.connections = connections;
        this.backends = backends;
    }

    /** The key of backend {@code i}: an address, as a resolver reports it. */
    static String key(int i) {
        return String.format(Locale.ROOT, "10.%d.%d.%d:5432", (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff);
    }

    /** @return the mean connections per backend over the fleet */
    double mean() {
        return (double) pools * connections / backends;
    }

    /**
     * Runs every method.
     *
     * @param runs runs to average, {@code >= 1}
     * @param seed the seed of the shuffled method's per-pool seeds
     * @return one result per method, in {@link Method} order
     */
    List<Result> run(int runs, long seed) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i <= backends; i++) {
            keys.add(key(i)); // the last one is the backend added to count the moves
        }
        List<String> before = keys.subList(0, backends);
        List<Result> results = new ArrayList<>();
        for (Method method : Method.values()) {
            SplittableRandom root = new SplittableRandom(seed);
            double empty = 0;
            double min = 0;
            double max = 0;
            double stddev = 0;
            long added = 0;
            long moved = 0;
            int[] firstRun = null;
            long[] counts = new long[pools * connections + 1];
            // Key order and subsetting do not depend on the seed: one run is every run.
            int distinct = method == Method.SHUFFLED ? runs : 1;
            for (int r = 0; r < distinct; r++) {
                int[] perBackend = new int[backends];
                for (int p = 0; p < pools; p++) {
                    long poolSeed = root.nextLong();
                    int[] targets = RebalancePlan.targets(candidates(method, before, p, poolSeed, null),
                            connections);
                    int[] after = RebalancePlan.targets(candidates(method, keys, p, poolSeed, targets), connections);
                    for (int b = 0; b < backends; b++) {
                        perBackend[b] += targets[b];
                        moved += Math.max(0, targets[b] - after[b]);
                    }
                    added += after[backends];
                }
                int lo = Integer.MAX_VALUE;
                int hi = 0;
                double sum = 0;
                double squares = 0;
                for (int c : perBackend) {
                    lo = Math.min(lo, c);
                    hi = Math.max(hi, c);
                    empty += c == 0 ? 1 : 0;
                    sum += c;
                    squares += (double) c * c;
                    counts[c]++;
                }
                double average = sum / backends;
                min += lo;
                max += hi;
                stddev += Math.sqrt(Math.max(0, squares / backends - average * average));
                if (firstRun == null) {
                    firstRun = perBackend.clone();
                    Arrays.sort(firstRun);
                    reverse(firstRun);
                }
            }
            results.add(new Result(method, empty / distinct, min / distinct, max / distinct,
                    max / distinct / mean(), stddev / distinct, (double) added / distinct,
                    (double) moved / distinct / pools, firstRun, counts));
        }
        return results;
    }

    /**
     * One pool's view of the backends, as {@code Backends} builds it: live, weight 1, the method's ranks, and
     * what the pool holds ({@code held}, or none for a first plan; always none under subsetting).
     */
    private List<RebalancePlan.Candidate> candidates(Method method, List<String> keys, int pool, long poolSeed,
            int[] held) {
        long[] ranks = switch (method) {
            case KEY_ORDER -> new long[keys.size()];
            case SHUFFLED -> {
                long[] r = new long[keys.size()];
                for (int i = 0; i < r.length; i++) {
                    r[i] = Preference.rank(poolSeed, keys.get(i));
                }
                yield r;
            }
            case DETERMINISTIC -> Preference.subsetRanks(keys, pool, pools);
        };
        List<RebalancePlan.Candidate> list = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            int current = held == null || method == Method.DETERMINISTIC || i >= held.length ? 0 : held[i];
            list.add(new RebalancePlan.Candidate(keys.get(i), 1, false, current, ranks[i]));
        }
        return list;
    }

    private static void reverse(int[] a) {
        for (int i = 0, j = a.length - 1; i < j; i++, j--) {
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
