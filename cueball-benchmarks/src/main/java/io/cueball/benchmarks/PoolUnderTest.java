package io.cueball.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.cueball.Backend;
import io.cueball.Claim;
import io.cueball.ConnectionPool;
import io.cueball.HostSelection;
import io.cueball.PoolOptions;
import io.cueball.PoolStats;
import io.cueball.micrometer.CueballPoolMetrics;
import io.cueball.resolver.fixed.StaticResolver;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.statsd.StatsdConfig;
import io.micrometer.statsd.StatsdMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.commons.pool2.impl.GenericObjectPool;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.openjdk.jmh.infra.Blackhole;

/** One pool implementation, reduced to "claim, do this, release". */
interface PoolUnderTest extends AutoCloseable {

    /** Claims a connection, burns {@code tokens} of CPU holding it (0: none), releases it. */
    void cycle(Blackhole bh, long tokens) throws Exception;

    @Override
    void close();

    static PoolUnderTest create(String kind, int size) {
        return switch (kind) {
            case "cueball" -> new Cueball(size, PoolOptions.DEFAULT_THREAD_AFFINITY, HostSelection.roundRobin(), null);
            // The default pool with cueball-micrometer's meters bound: what metrics cost a claim, in memory and
            // through Micrometer's statsd registry (which formats and queues a line per timer record).
            case "cueball-metrics" -> new Cueball(size, PoolOptions.DEFAULT_THREAD_AFFINITY,
                    HostSelection.roundRobin(), new SimpleMeterRegistry());
            case "cueball-statsd" -> new Cueball(size, PoolOptions.DEFAULT_THREAD_AFFINITY,
                    HostSelection.roundRobin(), statsd());
            case "cueball-fifo" -> new Cueball(size, 0, HostSelection.roundRobin(), null);
            // The default pool with leak detection on (a 30 s threshold, never reached): the claiming stack captured
            // per claim is its cost.
            case "cueball-leak" -> new Cueball(size, PoolOptions.DEFAULT_THREAD_AFFINITY, HostSelection.roundRobin(),
                    null, Duration.ofSeconds(30));
            // The strategies that choose each claim's backend (they claim and release through the pool's lock).
            case "cueball-weighted" -> new Cueball(size, 0, HostSelection.weighted(), null);
            case "cueball-egreedy" -> new Cueball(size, 0, HostSelection.epsilonGreedy(0.1), null);
            case "cueball-softmax" -> new Cueball(size, 0, HostSelection.softmax(0.2), null);
            case "cueball-leastinuse" -> new Cueball(size, 0, HostSelection.leastInUse(), null);
            case "hikari" -> new Hikari(size);
            case "commons-pool2" -> new CommonsPool(size);
            default -> throw new IllegalArgumentException("pool: " + kind);
        };
    }

    /**
     * A statsd registry as the CLI's --statsd makes one (DogStatsD lines, gauges every second), sending to a UDP
     * socket on loopback that never reads: the datagrams fill its buffer and are dropped (no ICMP "port
     * unreachable", which would make the registry reconnect), so the cost measured is the sender's. Closing the
     * registry closes the socket.
     */
    private static StatsdMeterRegistry statsd() {
        java.net.DatagramSocket sink;
        try {
            sink = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress());
        } catch (java.net.SocketException e) {
            throw new IllegalStateException("cannot open a UDP socket on loopback", e);
        }
        StatsdMeterRegistry registry = new StatsdMeterRegistry(new StatsdConfig() {
            @Override
            public String get(String key) {
                return null;
            }

            @Override
            public String host() {
                return "127.0.0.1";
            }

            @Override
            public int port() {
                return sink.getLocalPort();
            }

            @Override
            public Duration pollingFrequency() {
                return Duration.ofSeconds(1);
            }
        }, Clock.SYSTEM) {
            @Override
            public void close() {
                super.close();
                sink.close();
            }
        };
        return registry;
    }

    /**
     * cueball over four backends (no sockets: the connections are stubs), with its default thread affinity or
     * none ("cueball-fifo": every claim takes the oldest idle connection), or with a strategy that chooses each
     * claim's backend ("cueball-weighted", "-egreedy", "-softmax", "-leastinuse"). "cueball-leak" is the default pool
     * with leak detection on (the stack captured per claim). "cueball-metrics" is the default
     * pool with {@link CueballPoolMetrics} bound to a {@link SimpleMeterRegistry}: each claim and release then
     * records into the acquire and usage timers (a SimpleMeterRegistry's cumulative timers: a count, a total and a
     * decaying max, updated with atomics), which is the claim path's cost of metrics. "cueball-statsd" binds it to
     * a statsd registry instead, whose timers also format a line per record and push it through one shared sink.
     */
    final class Cueball implements PoolUnderTest {
        private final ConnectionPool<Stubs.StubConnection> pool;
        private final CueballPoolMetrics metrics;
        private final MeterRegistry registry;

        Cueball(int size, int threadAffinity, HostSelection selection, MeterRegistry registry) {
            this(size, threadAffinity, selection, registry, Duration.ZERO);
        }

        Cueball(int size, int threadAffinity, HostSelection selection, MeterRegistry registry,
                Duration leakDetectionThreshold) {
            List<Backend> backends = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                backends.add(Backend.of("10.0.0." + (i + 1), 5432));
            }
            pool = ConnectionPool.builder(new StaticResolver(backends), Stubs.StubConnection::new)
                    .name("bench").maxConnections(size).threadAffinity(threadAffinity).hostSelection(selection)
                    .rebalanceDelay(Duration.ZERO).leakDetectionThreshold(leakDetectionThreshold)
                    .claimTimeout(Duration.ofSeconds(30)).build();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            for (PoolStats s = pool.stats(); s.idle() < size; s = pool.stats()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("pool did not fill: " + s);
                }
                LockSupport.parkNanos(1_000_000);
            }
            this.registry = registry;
            if (registry != null) {
                metrics = new CueballPoolMetrics(pool);
                metrics.bindTo(registry);
            } else {
                metrics = null;
            }
        }

        @Override
        public void cycle(Blackhole bh, long tokens) {
            try (Claim<Stubs.StubConnection> claim = pool.claim()) {
                bh.consume(claim.connection());
                if (tokens > 0) {
                    Blackhole.consumeCPU(tokens);
                }
            }
        }

        @Override
        public void close() {
            if (metrics != null) {
                metrics.close();
                registry.close();
            }
            pool.close();
        }
    }

    /** HikariCP over a DataSource of stub JDBC connections, fixed size. */
    final class Hikari implements PoolUnderTest {
        private final HikariDataSource ds;

        Hikari(int size) {
            HikariConfig config = new HikariConfig();
            config.setDataSource(new Stubs.StubDataSource());
            config.setPoolName("bench");
            config.setMaximumPoolSize(size);
            config.setMinimumIdle(size);
            config.setConnectionTimeout(30_000);
            ds = new HikariDataSource(config);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (ds.getHikariPoolMXBean().getIdleConnections() < size) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("hikari did not fill");
                }
                LockSupport.parkNanos(1_000_000);
            }
        }

        @Override
        public void cycle(Blackhole bh, long tokens) throws Exception {
            try (java.sql.Connection c = ds.getConnection()) {
                bh.consume(c);
                if (tokens > 0) {
                    Blackhole.consumeCPU(tokens);
                }
            }
        }

        @Override
        public void close() {
            ds.close();
        }
    }

    /** commons-pool2's GenericObjectPool, fixed size. */
    final class CommonsPool implements PoolUnderTest {
        private final GenericObjectPool<Object> pool;

        CommonsPool(int size) {
            GenericObjectPoolConfig<Object> config = new GenericObjectPoolConfig<>();
            config.setMaxTotal(size);
            config.setMaxIdle(size);
            config.setMinIdle(size);
            config.setJmxEnabled(false);
            pool = new GenericObjectPool<>(new Stubs.StubObjectFactory(), config);
            try {
                pool.preparePool();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void cycle(Blackhole bh, long tokens) throws Exception {
            Object o = pool.borrowObject();
            try {
                bh.consume(o);
                if (tokens > 0) {
                    Blackhole.consumeCPU(tokens);
                }
            } finally {
                pool.returnObject(o);
            }
        }

        @Override
        public void close() {
            pool.close();
        }
    }
}
