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
 * More threads than connections (16 on a pool of 8), each holding its connection for a short burst of CPU:
 * claims wait and are handed over. Throughput, and the distribution of one claim-hold-release (whose tail is
 * the wait) in sample mode.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class ExhaustionBenchmark {

    @Param({"cueball", "cueball-fifo", "hikari", "commons-pool2"})
    public String pool;

    /** CPU burnt while holding the connection: 500 tokens is about a microsecond. */
    @Param({"500"})
    public long holdTokens;

    private PoolUnderTest underTest;

    @Setup(Level.Trial)
    public void setUp() {
        underTest = PoolUnderTest.create(pool, 8);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        underTest.close();
    }

    @Benchmark
    @Threads(16)
    public void sixteenThreadsOnEight(Blackhole bh) throws Exception {
        underTest.cycle(bh, holdTokens);
    }
}
