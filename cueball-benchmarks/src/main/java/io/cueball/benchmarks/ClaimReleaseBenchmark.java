package io.cueball.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Claim and release, nothing in between: the cost of the pool itself, cueball against HikariCP, commons-pool2,
 * Stormpot, BeeCP and vibur, at 1, 2, 4 and 16 threads. {@code run.sh} runs it in throughput mode with
 * {@code -prof gc} (the bytes allocated per claim + release); two forks per point, each with its own JVM.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.AverageTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(2)
public class ClaimReleaseBenchmark {

    /** The pools (see {@link PoolUnderTest}); "stormpot" needs JDK 21+. */
    @Param({"cueball", "cueball-fifo", "cueball-pinned", "hikari", "commons-pool2", "stormpot", "beecp", "vibur"})
    public String pool;

    @Param({"8", "32"})
    public int size;

    private PoolUnderTest underTest;

    @Setup(Level.Trial)
    public void setUp() {
        underTest = PoolUnderTest.create(pool, size);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (underTest != null) {
            underTest.close();
        }
    }

    @Benchmark
    @Threads(1)
    public void threads01(Blackhole bh) throws Exception {
        underTest.cycle(bh, 0);
    }

    @Benchmark
    @Threads(2)
    public void threads02(Blackhole bh) throws Exception {
        underTest.cycle(bh, 0);
    }

    @Benchmark
    @Threads(4)
    public void threads04(Blackhole bh) throws Exception {
        underTest.cycle(bh, 0);
    }

    @Benchmark
    @Threads(16)
    public void threads16(Blackhole bh) throws Exception {
        underTest.cycle(bh, 0);
    }
}
