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
 * Claim and release, nothing in between: the cost of the pool itself, cueball against HikariCP and
 * commons-pool2, at 1, 4 and 16 threads.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.AverageTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class ClaimReleaseBenchmark {

    @Param({"cueball", "cueball-fifo", "hikari", "commons-pool2"})
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
        underTest.close();
    }

    @Benchmark
    @Threads(1)
    public void threads01(Blackhole bh) throws Exception {
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
