package io.cueball.benchmarks;

import io.cueball.Claim;
import io.cueball.ConnectionPool;
import io.cueball.ConnectionSet;
import io.cueball.Lease;
import io.cueball.conn.mux.MuxConnection;
import io.cueball.conn.mux.MuxConnectionFactory;
import io.cueball.resolver.fixed.StaticResolver;
import io.cueball.testing.TestMuxServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * One request and its response over three loopback {@link TestMuxServer}s (each answers at once): through a
 * {@link ConnectionSet} with one multiplexed connection per backend, every thread sharing them ({@code set}), against
 * an exclusive {@link ConnectionPool} of the same backends, one request per claimed connection ({@code pool}, 12
 * connections: 4 per backend). Throughput gives requests per second; sample time gives the p99 of one request
 * (acquire or claim, send, wait for the answer, release). The thread count comes from the command line:
 *
 * <pre>
 * java -jar cueball-benchmarks/target/benchmarks.jar MuxBenchmark -t 16
 * java -jar cueball-benchmarks/target/benchmarks.jar MuxBenchmark -t 1000 -jvmArgsAppend -Djmh.executor=VIRTUAL
 * </pre>
 *
 * The second runs the 1 000 benchmark threads as virtual threads (JDK 21 and later). Servers, set and pool share the
 * machine's cores with the benchmark threads: compare the two modes with each other, not with a remote server.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class MuxBenchmark {
    private static final byte[] REQUEST = "ping".getBytes(StandardCharsets.UTF_8);

    @Param({"set", "pool"})
    public String mode;

    private final List<TestMuxServer> servers = new ArrayList<>();
    private ConnectionSet<MuxConnection> set;
    private ConnectionPool<MuxConnection> pool;

    @Setup(Level.Trial)
    public void setUp() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            servers.add(TestMuxServer.start());
        }
        StaticResolver resolver = new StaticResolver(servers.stream().map(TestMuxServer::backend).toList());
        MuxConnectionFactory factory = MuxConnectionFactory.builder().maxInFlight(4096).build();
        if (mode.equals("set")) {
            set = ConnectionSet.builder(resolver, factory).name("bench-set").connectionsPerBackend(1)
                    .acquireTimeout(Duration.ofMinutes(1)).build();
            while (set.stats().connections() < 3) {
                TimeUnit.MILLISECONDS.sleep(10); // setup, not measured
            }
        } else {
            pool = ConnectionPool.builder(resolver, factory).name("bench-pool").maxConnections(12)
                    .claimTimeout(Duration.ofMinutes(1)).build();
            while (pool.stats().idle() < 12) {
                TimeUnit.MILLISECONDS.sleep(10);
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (set != null) {
            set.close();
        }
        if (pool != null) {
            pool.close();
        }
        servers.forEach(TestMuxServer::close);
    }

    @Benchmark
    public byte[] request() throws Exception {
        if (set != null) {
            try (Lease<MuxConnection> lease = set.acquire()) {
                return lease.connection().send(REQUEST).get();
            }
        }
        try (Claim<MuxConnection> claim = pool.claim()) {
            return claim.connection().send(REQUEST).get();
        }
    }
}
