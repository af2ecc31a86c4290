package io.cueball.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.cueball.Backend;
import io.cueball.Claim;
import io.cueball.ClaimTimeoutException;
import io.cueball.ConnectionPool;
import io.cueball.HostSelection;
import io.cueball.PoolOptions;
import io.cueball.micrometer.CueballPoolMetrics;
import io.cueball.resolver.fixed.StaticResolver;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.statsd.StatsdConfig;
import io.micrometer.statsd.StatsdMeterRegistry;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.commons.pool2.impl.GenericObjectPool;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.openjdk.jmh.infra.Blackhole;
import org.stone.beecp.BeeDataSource;
import org.stone.beecp.BeeDataSourceConfig;
import org.stone.beecp.exception.ConnectionGetTimeoutException;
import org.vibur.objectpool.ConcurrentPool;
import org.vibur.objectpool.util.ConcurrentLinkedDequeCollection;

/**
 * One pool implementation, reduced to "claim, release". Each is configured as its documentation recommends for
 * throughput, with a 30 s claim timeout, filled to its fixed size before the benchmark starts; see each class.
 */
interface PoolUnderTest extends AutoCloseable {

    /** What every pool is given to wait for a connection before it gives up. */
    Duration CLAIM_TIMEOUT = Duration.ofSeconds(30);

    /** Reads something from a pool under test; may throw what the pool's own API throws. */
    @FunctionalInterface
    interface Probe<T> {
        /**
         * @return what it reads
         * @throws Exception whatever the pool's API throws
         */
        T read() throws Exception;
    }

    /**
     * Waits, up to 10 s, until a pool has {@code size} idle connections (setup, not measured).
     *
     * @param name  the pool, for the error
     * @param size  the idle connections to wait for
     * @param idle  reads the pool's idle count
     * @param state what the error shows of the pool if it never fills
     * @throws IllegalStateException if it does not fill in time, or a probe throws
     */
    static void awaitFilled(String name, int size, Probe<Integer> idle, Probe<Object> state) {
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (idle.read() < size) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(name + " did not fill: " + state.read());
                }
                LockSupport.parkNanos(1_000_000);
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(name + " did not fill", e);
        }
    }

    /**
     * Claims a connection (or pooled object), waiting up to {@link #CLAIM_TIMEOUT}.
     *
     * @return what the pool hands out (and takes back in {@link #release}), or null if the claim timed out
     */
    Object claim() throws Exception;

    /** Gives back what {@link #claim} returned. */
    void release(Object claimed) throws Exception;

    /** Claims a connection, burns {@code tokens} of CPU holding it (0: none), releases it. */
    default void cycle(Blackhole bh, long tokens) throws Exception {
        Object claimed = claim();
        if (claimed == null) {
            throw new IllegalStateException("claim timed out after " + CLAIM_TIMEOUT);
        }
        try {
            bh.consume(claimed);
            if (tokens > 0) {
                Blackhole.consumeCPU(tokens);
            }
        } finally {
            release(claimed);
        }
    }

    @Override
    void close();

    /** A pool name {@code cueball-affinity-N}: the default pool with {@code threadAffinity(N)}. */
    String AFFINITY_PREFIX = "cueball-affinity-";

    /** The pools every table compares, in their order. */
    List<String> COMPARED = List.of("cueball", "cueball-fifo", "hikari", "commons-pool2", "stormpot", "beecp",
            "vibur");
    /** The claim + release benchmark's pools: {@link #COMPARED} and, after strict FIFO, cueball with no turns. */
    List<String> CLAIM_COMPARED = List.of("cueball", "cueball-fifo", "cueball-pinned", "hikari", "commons-pool2",
            "stormpot", "beecp", "vibur");

    static PoolUnderTest create(String kind, int size) {
        return create(kind, size, false);
    }

    /**
     * A pool of {@code size}.
     *
     * @param virtualThreads whether virtual threads will claim: then the pools whose documentation asks for it use
     *     their virtual-thread mode (Stormpot's virtual-thread-safe tap, BeeCP without its thread-local cache)
     */
    static PoolUnderTest create(String kind, int size, boolean virtualThreads) {
        if (kind.startsWith(AFFINITY_PREFIX)) {
            // "cueball-affinity-N": the default pool with threadAffinity N, to price the spread bound's run length
            String run = kind.substring(AFFINITY_PREFIX.length());
            try {
                return new Cueball(size, Integer.parseInt(run), HostSelection.roundRobin(), null);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("pool: " + kind + " (expected " + AFFINITY_PREFIX + "<claims>)", e);
            }
        }
        return switch (kind) {
            case "cueball" -> new Cueball(size, PoolOptions.DEFAULT_THREAD_AFFINITY, HostSelection.roundRobin(), null);
            // The default pool with cueball-micrometer's meters bound: what metrics cost a claim, in memory and
            // through Micrometer's statsd registry (which formats and queues a line per timer record).
            case "cueball-metrics" -> new Cueball(size, PoolOptions.DEFAULT_THREAD_AFFINITY,
                    HostSelection.roundRobin(), new SimpleMeterRegistry());
            case "cueball-statsd" -> new Cueball(size, PoolOptions.DEFAULT_THREAD_AFFINITY,
                    HostSelection.roundRobin(), statsd());
            case "cueball-fifo" -> new Cueball(size, 0, HostSelection.roundRobin(), null);
            // threadAffinity at its maximum: a thread keeps its connection for good, with no spread bound (what
            // the default's turn-taking every 64 claims costs, against Stormpot, which has none).
            case "cueball-pinned" -> new Cueball(size, PoolOptions.MAX_THREAD_AFFINITY, HostSelection.roundRobin(),
                    null);
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
            case "beecp" -> new BeeCp(size, virtualThreads);
            case "vibur" -> new Vibur(size);
            // Stormpot's claim through the pool itself (its thread-local fast path) unless virtual threads claim;
            // "stormpot-pool" is that path whoever claims (Stormpot's docs ask virtual threads to use the tap).
            case "stormpot" -> stormpot(size, virtualThreads);
            case "stormpot-pool" -> stormpot(size, false);
            default -> throw new IllegalArgumentException("pool: " + kind);
        };
    }

    /**
     * Stormpot 4.1 is compiled for Java 21, so its adapter is compiled only by a JDK 21+ build (the jdk21+ profile
     * of this module's pom) and loaded here by name.
     */
    private static PoolUnderTest stormpot(int size, boolean virtualThreadTap) {
        String name = "io.cueball.benchmarks.StormpotPool";
        Class<?> type;
        try {
            type = Class.forName(name);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("pool \"stormpot\" needs Java 21+: Stormpot 4.1 is compiled for Java 21, "
                    + "and this benchmarks jar was built by an older JDK, without it. Build and run with JDK 21 or "
                    + "later, e.g. JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 cueball-benchmarks/run.sh", e);
        } catch (UnsupportedClassVersionError e) {
            throw new IllegalStateException("pool \"stormpot\" needs Java 21+ (Stormpot 4.1 is compiled for Java 21); "
                    + "this JVM is " + Runtime.version() + ". Run the benchmarks on JDK 21 or later, e.g. "
                    + "JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64", e);
        }
        try {
            return (PoolUnderTest) type.getDeclaredConstructor(int.class, boolean.class)
                    .newInstance(size, virtualThreadTap);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw new IllegalStateException("Stormpot pool did not start", e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create " + name, e);
        }
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
                    .claimTimeout(CLAIM_TIMEOUT).build();
            awaitFilled("cueball", size, () -> pool.stats().idle(), pool::stats);
            this.registry = registry;
            if (registry != null) {
                metrics = new CueballPoolMetrics(pool);
                metrics.bindTo(registry);
            } else {
                metrics = null;
            }
        }

        @Override
        public Object claim() {
            try {
                return pool.claim();
            } catch (ClaimTimeoutException e) {
                return null;
            }
        }

        @Override
        public void release(Object claimed) {
            ((Claim<?>) claimed).close();
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
            config.setConnectionTimeout(CLAIM_TIMEOUT.toMillis());
            ds = new HikariDataSource(config);
            awaitFilled("hikari", size, () -> ds.getHikariPoolMXBean().getIdleConnections(),
                    () -> ds.getHikariPoolMXBean().getTotalConnections() + " connections in all");
        }

        @Override
        public Object claim() throws SQLException {
            try {
                return ds.getConnection();
            } catch (SQLTransientConnectionException e) {
                return null;
            }
        }

        @Override
        public void release(Object claimed) throws SQLException {
            ((java.sql.Connection) claimed).close();
        }

        @Override
        public void close() {
            ds.close();
        }
    }

    /** commons-pool2's GenericObjectPool, fixed size (its defaults: LIFO, not fair). */
    final class CommonsPool implements PoolUnderTest {
        private final GenericObjectPool<Object> pool;

        CommonsPool(int size) {
            GenericObjectPoolConfig<Object> config = new GenericObjectPoolConfig<>();
            config.setMaxTotal(size);
            config.setMaxIdle(size);
            config.setMinIdle(size);
            config.setJmxEnabled(false);
            config.setMaxWait(CLAIM_TIMEOUT);
            pool = new GenericObjectPool<>(new Stubs.StubObjectFactory(), config);
            try {
                pool.preparePool();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public Object claim() throws Exception {
            try {
                return pool.borrowObject();
            } catch (NoSuchElementException e) {
                return null;
            }
        }

        @Override
        public void release(Object claimed) {
            pool.returnObject(claimed);
        }

        @Override
        public void close() {
            pool.close();
        }
    }

    /**
     * BeeCP's BeeDataSource over the stub DataSource (the {@code connectionFactory} its docs describe), fixed size:
     * initial size = max active, the other settings its defaults (unfair, its borrow semaphore of
     * min(size / 2, cores) permits, the thread-local cache of a thread's last connection). For virtual threads the
     * cache is off, as BeeCP's docs ask ({@code useThreadLocal} false).
     */
    final class BeeCp implements PoolUnderTest {
        private final BeeDataSource ds;

        BeeCp(int size, boolean virtualThreads) {
            Stubs.StubDataSource stub = new Stubs.StubDataSource();
            BeeDataSourceConfig config = new BeeDataSourceConfig();
            config.setPoolName("bench");
            config.setConnectionFactory(stub::getConnection);
            config.setMaxActive(size);
            config.setInitialSize(size);
            config.setMaxWait(CLAIM_TIMEOUT.toMillis());
            config.setUseThreadLocal(!virtualThreads);
            ds = new BeeDataSource(config);
            awaitFilled("beecp", size, () -> ds.getPoolMonitorVo().getIdleSize(), ds::getPoolMonitorVo);
        }

        @Override
        public Object claim() throws SQLException {
            try {
                return ds.getConnection();
            } catch (ConnectionGetTimeoutException e) {
                return null;
            }
        }

        @Override
        public void release(Object claimed) throws SQLException {
            ((java.sql.Connection) claimed).close();
        }

        @Override
        public void close() {
            ds.close();
        }
    }

    /**
     * vibur-object-pool's ConcurrentPool of plain objects, fixed size, over a ConcurrentLinkedDequeCollection (LIFO:
     * the collection vibur-dbcp builds it with), not fair (its throughput setting).
     */
    final class Vibur implements PoolUnderTest {
        private final ConcurrentPool<Object> pool;

        Vibur(int size) {
            pool = new ConcurrentPool<>(new ConcurrentLinkedDequeCollection<>(), new Stubs.StubViburFactory(), size,
                    size, false);
        }

        @Override
        public Object claim() {
            return pool.tryTake(CLAIM_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
        }

        @Override
        public void release(Object claimed) {
            pool.restore(claimed);
        }

        @Override
        public void close() {
            pool.close();
        }
    }
}
