package io.cueball.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import io.cueball.Backend;
import io.cueball.ConnectionPool;
import io.cueball.conn.jdbc.CueballDataSource;
import io.cueball.conn.jdbc.JdbcConnection;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;

/**
 * A diagnostic, not a benchmark: where the CPU of a query goes. Starts three PostgreSQL servers, opens both pools
 * (configured as in {@link JdbcBenchmark}) in one JVM, and runs {@code SELECT 1} through each in turn, in windows of
 * 4 s (the first second not counted), alternating which pool goes first. For each window it prints queries per
 * second, this JVM's CPU per query, the servers' CPU per query (every {@code postgres} process's utime + stime
 * from {@code /proc}, at 100 ticks per second) and the p99 and p99.9 of one operation, then of its three parts
 * (getting the connection, the query with its result, the close), and how often a thread changed connections.
 *
 * <p>It is how the cost of a connection switch was found: with {@code threadAffinity 0} (every claim takes the
 * oldest idle connection, so every query lands on another server process) the servers spent about 42 µs per
 * query against HikariCP's 25 µs, with the client's CPU the same.
 *
 * <p>{@code java -cp benchmarks.jar io.cueball.benchmarks.JdbcProbe THREADS WINDOWS THREAD_AFFINITY [SERVERS]},
 * e.g. {@code 4 6 1000} (three servers by default). Linux only (it reads {@code /proc}).
 */
public final class JdbcProbe {
    private JdbcProbe() {
    }

    /**
     * @param args threads, windows per pool, cueball's {@code threadAffinity}
     * @throws Exception if the servers cannot start or a pool fails
     */
    public static void main(String[] args) throws Exception {
        if (args.length < 3 || args.length > 5) {
            throw new IllegalArgumentException("usage: JdbcProbe THREADS WINDOWS THREAD_AFFINITY [SERVERS [POOL_SIZE]] "
                    + "(e.g. 4 6 1000; SERVERS default 3, POOL_SIZE default " + JdbcBenchmark.POOL_SIZE + ")");
        }
        int threads = Integer.parseInt(args[0]);
        int windows = Integer.parseInt(args[1]);
        int affinity = Integer.parseInt(args[2]);
        int serverCount = args.length >= 4 ? Integer.parseInt(args[3]) : 3;
        int size = args.length == 5 ? Integer.parseInt(args[4]) : JdbcBenchmark.POOL_SIZE;
        try (PostgresServers servers = PostgresServers.start(serverCount)) {
            List<Backend> backends = servers.backends();
            ConnectionPool<JdbcConnection> p = JdbcBenchmark.cueballBuilder(backends, "probe")
                    .maxConnections(size).threadAffinity(affinity).build();
            com.zaxxer.hikari.HikariConfig hc = JdbcBenchmark.hikariConfig(backends);
            hc.setMaximumPoolSize(size);
            hc.setMinimumIdle(size);
            HikariDataSource h = new HikariDataSource(hc);
            DataSource[] pools = {new CueballDataSource(p), h};
            String[] names = {"cueball", "hikari"};
            await(p, h, size);
            for (int w = 0; w < windows; w++) {
                for (int k = 0; k < 2; k++) {
                    int i = (w % 2 == 0) ? k : 1 - k;
                    run(pools[i], names[i], threads, w, backends);
                }
            }
            h.close();
            p.close();
        }
    }

    static void run(DataSource ds, String name, int threads, int w, List<Backend> backends) throws Exception {
        LongAdder ops = new LongAdder();
        LongAdder switches = new LongAdder();
        java.util.concurrent.ConcurrentLinkedQueue<long[]> lat = new java.util.concurrent.ConcurrentLinkedQueue<>();
        // the same operations split in three: get the connection, run the query and read it, close the connection
        java.util.Queue<long[]> getLat = new java.util.concurrent.ConcurrentLinkedQueue<>();
        java.util.Queue<long[]> queryLat = new java.util.concurrent.ConcurrentLinkedQueue<>();
        java.util.Queue<long[]> closeLat = new java.util.concurrent.ConcurrentLinkedQueue<>();
        long end = System.nanoTime() + 4_000_000_000L;
        long warm = System.nanoTime() + 1_000_000_000L;
        List<Thread> ts = new ArrayList<>();
        LongAdder workerCpu = new LongAdder();
        LongAdder workerBytes = new LongAdder();
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                // 4 samples of 8 B each per query: 256 MB in all, whatever the thread count
                int cap = 8_000_000 / threads;
                long[] mine = new long[cap];
                long[] gets = new long[cap];
                long[] queries = new long[cap];
                long[] closes = new long[cap];
                int k = 0;
                Object last = null;
                long cpuAtWarm = -1;
                long bytesAtWarm = 0;
                try {
                    while (System.nanoTime() < end) {
                        long s0 = System.nanoTime();
                        if (cpuAtWarm < 0 && s0 > warm) {
                            cpuAtWarm = mx.getCurrentThreadCpuTime();
                            bytesAtWarm = mx.getCurrentThreadAllocatedBytes();
                        }
                        long got;
                        long queried;
                        Connection c = ds.getConnection();
                        try {
                            got = System.nanoTime();
                            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
                                Object physical = c.unwrap(org.postgresql.PGConnection.class);
                                if (physical != last && s0 > warm) {
                                    switches.increment();
                                }
                                last = physical;
                                rs.next();
                                rs.getInt(1);
                            }
                            queried = System.nanoTime();
                        } finally {
                            c.close();
                        }
                        long s1 = System.nanoTime();
                        if (s1 > warm) {
                            ops.increment();
                            if (k < mine.length) {
                                mine[k] = s1 - s0;
                                gets[k] = got - s0;
                                queries[k] = queried - got;
                                closes[k] = s1 - queried;
                                k++;
                            }
                        }
                    }
                } catch (Exception e) {
                    e.printStackTrace();
                }
                if (cpuAtWarm >= 0) {
                    workerCpu.add(mx.getCurrentThreadCpuTime() - cpuAtWarm);
                    workerBytes.add(mx.getCurrentThreadAllocatedBytes() - bytesAtWarm);
                }
                lat.add(java.util.Arrays.copyOf(mine, k));
                getLat.add(java.util.Arrays.copyOf(gets, k));
                queryLat.add(java.util.Arrays.copyOf(queries, k));
                closeLat.add(java.util.Arrays.copyOf(closes, k));
            });
            th.setName("probe-" + name + "-" + t);
            ts.add(th);
            th.start();
        }
        java.util.concurrent.locks.LockSupport.parkNanos(warm - System.nanoTime());
        long jvm0 = jvmCpu();
        java.util.Map<String, Long> per0 = ServerLoad.snapshot();
        long pg0 = ServerLoad.total(per0) * 10_000_000L;
        long t0 = System.nanoTime();
        for (Thread th : ts) {
            th.join();
        }
        long t1 = System.nanoTime();
        long jvm1 = jvmCpu();
        java.util.Map<String, Long> per1 = ServerLoad.snapshot();
        long pg1 = ServerLoad.total(per1) * 10_000_000L;
        double n = ops.sum();
        long[] all = merged(lat);
        double p99 = percentileMicros(all, 0.99);
        double p999 = percentileMicros(all, 0.999);
        System.out.printf(Locale.ROOT,
                "%d %-8s qps %8.0f  jvm µs/q %6.2f (workers %6.2f, %5.0f B/q)  pg µs/q %6.2f  p99 %7.0f p99.9 %7.0f%n",
                w, name, n / ((t1 - t0) / 1e9), (jvm1 - jvm0) / 1e3 / n, workerCpu.sum() / 1e3 / n,
                workerBytes.sum() / n, (pg1 - pg0) / 1e3 / n, p99, p999);
        System.out.printf(Locale.ROOT, "   p99 / p99.9 (µs): get %s, query %s, close %s%n", tail(getLat),
                tail(queryLat), tail(closeLat));
        System.out.println("   servers' share of their CPU, busiest first (%): "
                + ServerLoad.shares(per0, per1, backends.size()) + "; a thread changed connections "
                + switches.sum() + " times (" + String.format(Locale.ROOT, "%.2f", 1e3 * switches.sum() / n)
                + " per 1000 queries)");
    }

    /** "p99 / p99.9" of the merged samples, in µs. */
    private static String tail(java.util.Collection<long[]> parts) {
        long[] all = merged(parts);
        if (all.length == 0) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.0f / %.0f", percentileMicros(all, 0.99), percentileMicros(all, 0.999));
    }

    /** Every thread's samples, sorted. */
    private static long[] merged(java.util.Collection<long[]> parts) {
        return parts.stream().flatMapToLong(java.util.Arrays::stream).sorted().toArray();
    }

    /** The q-quantile of sorted nanosecond samples, in µs. */
    private static double percentileMicros(long[] sorted, double q) {
        return sorted[(int) (sorted.length * q)] / 1e3;
    }

    /** Waits until both pools hold all their connections. */
    private static void await(ConnectionPool<JdbcConnection> p, HikariDataSource h, int size) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (p.stats().idle() < size || h.getHikariPoolMXBean().getIdleConnections() < size) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the pools did not fill in 30 s");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
        }
    }

    static long jvmCpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
