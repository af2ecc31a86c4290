package io.cueball.benchmarks;

import io.cueball.internal.Preference;
import io.cueball.internal.RebalancePlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one rebalance plan: weighted backends, a tenth of them dead, 1 000 connections, each backend ranked
 * by a pool's seed; and the cost of the ranks themselves, which a re-plan computes afresh under the pool lock.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class RebalancePlanBenchmark {

    @Param({"10", "1000", "10000"})
    public int backends;

    private List<RebalancePlan.Candidate> candidates;
    private List<String> keys;
    private long seed;

    @Setup
    public void setUp() {
        Random random = new Random(20261124L); // the same weights, deaths and currents as before ranks
        seed = 20261201L;
        candidates = new ArrayList<>(backends);
        keys = new ArrayList<>(backends);
        for (int i = 0; i < backends; i++) {
            String key = "10." + (i >> 16) + "." + ((i >> 8) & 0xff) + "." + (i & 0xff) + ":5432";
            keys.add(key);
            candidates.add(new RebalancePlan.Candidate(key, 1 + random.nextInt(10), random.nextInt(10) == 0,
                    random.nextInt(3), Preference.rank(seed, key)));
        }
    }

    @Benchmark
    public int[] plan() {
        return RebalancePlan.targets(candidates, 1_000);
    }

    /** The default's ranks: one rendezvous hash per backend. */
    @Benchmark
    public long[] ranks() {
        long[] ranks = new long[backends];
        for (int i = 0; i < backends; i++) {
            ranks[i] = Preference.rank(seed, keys.get(i));
        }
        return ranks;
    }

    /** Subsetting's ranks: a hash per backend, a sort, a search per backend. */
    @Benchmark
    public long[] subsetRanks() {
        return Preference.subsetRanks(keys, 3, 10);
    }
}
