package io.cueball.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.infra.ThreadParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * More threads than connections (16 on a pool of 8), each holding its connection for a short burst of CPU:
 * claims wait and are handed over. JMH measures the throughput; the benchmark itself times each claim's wait
 * (from calling claim to holding a connection, two {@code System.nanoTime()} reads around the pool's claim, the same
 * for every pool) into a histogram per thread.
 *
 * <p>After the trial the measurement iterations' histograms, merged, go to the file named by the system property
 * {@code cueball.waits} (one line per fork, which {@link Report} reads; pass it with
 * {@code -jvmArgsAppend -Dcueball.waits=FILE}), and a summary to the fork's output. From them: p50 to p99.99 and
 * the longest wait, the starved claims (those that waited more than 100 times the median wait), and the claims
 * that timed out (30 s; they are counted, not failed).
 *
 * <p>The waits are what a caller sees, which on 2 cores includes being descheduled inside the claim: with 16
 * threads that happens to every pool, and it is part of the tail.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(2)
public class ExhaustionBenchmark {
    /** A claim that waited longer than this many medians is starved. */
    static final int STARVED_MEDIANS = 100;

    private static final WaitHistogram TRIAL = new WaitHistogram();
    private static final AtomicInteger FINISHED = new AtomicInteger();
    private static long trialTimeouts;

    /** The pools (see {@link PoolUnderTest}); "stormpot" needs JDK 21+. */
    @Param({"cueball", "cueball-fifo", "hikari", "commons-pool2", "stormpot", "beecp", "vibur"})
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
        if (underTest != null) {
            underTest.close();
        }
    }

    /** One thread's waits in the current iteration. */
    @State(Scope.Thread)
    public static class Waits {
        final WaitHistogram histogram = new WaitHistogram();
        long timeouts;

        /** Keeps the measurement iterations' waits, drops the warmup's. */
        @TearDown(Level.Iteration)
        public void iterationDone(IterationParams iteration) {
            if (iteration.getType() == IterationType.MEASUREMENT) {
                synchronized (TRIAL) {
                    TRIAL.add(histogram);
                    trialTimeouts += timeouts;
                }
            }
            histogram.reset();
            timeouts = 0;
        }

        /** The last thread to finish writes the trial's waits. */
        @TearDown(Level.Trial)
        public void trialDone(BenchmarkParams benchmark, ThreadParams thread) throws IOException {
            if (FINISHED.incrementAndGet() == thread.getThreadCount()) {
                synchronized (TRIAL) {
                    report(benchmark.getParam("pool"), TRIAL, trialTimeouts);
                }
            }
        }
    }

    @Benchmark
    @Threads(16)
    public void sixteenThreadsOnEight(Blackhole bh, Waits waits) throws Exception {
        long start = System.nanoTime();
        Object claimed = underTest.claim();
        long waited = System.nanoTime() - start;
        if (claimed == null) {
            waits.timeouts++;
            return;
        }
        try {
            waits.histogram.record(waited);
            bh.consume(claimed);
            Blackhole.consumeCPU(holdTokens);
        } finally {
            underTest.release(claimed);
        }
    }

    private static void report(String pool, WaitHistogram h, long timeouts) throws IOException {
        long median = h.percentile(0.5);
        long starved = h.countAbove(median * STARVED_MEDIANS);
        System.out.printf("%n%s: %d claims, median wait %s, p99 %s, p99.9 %s, p99.99 %s, max %s; %d waited more "
                + "than %d× the median; %d timed out%n", pool, h.total(), WaitHistogram.format(median),
                WaitHistogram.format(h.percentile(0.99)), WaitHistogram.format(h.percentile(0.999)),
                WaitHistogram.format(h.percentile(0.9999)), WaitHistogram.format(h.max()), starved, STARVED_MEDIANS,
                timeouts);
        String file = System.getProperty("cueball.waits");
        if (file != null) {
            Files.writeString(Path.of(file), "pool=" + pool + " timeouts=" + timeouts + " waits=" + h.encode() + "\n",
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }
}
