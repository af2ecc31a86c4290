package io.cueball.benchmarks;

import com.zaxxer.hikari.HikariDataSource;
import io.cueball.Backend;
import io.cueball.ConnectionPool;
import io.cueball.conn.jdbc.CueballDataSource;
import io.cueball.conn.jdbc.JdbcConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;

/**
 * cueball against HikariCP on real PostgreSQL, both pools in one JVM, taking turns in short windows: the JDBC
 * comparison that {@code run-jdbc.sh} reports (issue 14). {@link JdbcBench} runs the same points with JMH, one fork per
 * pool and point; on our 2-core VM the machine's speed drifted by up to 2× within a minute, so one fork each had
 * intervals wider than the scores, and which pool ran in the faster minute decided the ratio. Here the pools alternate
 * every window (ABBA: A B B A A B B A ...), so drift slower than a window falls on both alike. Each pair of windows
 * gives a ratio, and each unit, two consecutive pairs (A B, then B A), the geometric mean of its two pairs' ratios, in
 * which a drift linear over the unit cancels. The report gives the geometric mean over the units with a 95 % interval
 * (Student's t over their logarithms), bold only when that interval lies wholly on one side of 1.
 *
 * <p><b>A point</b> (servers, query, threads): a fresh pool of each kind ({@value JdbcBenchmark#POOL_SIZE} connections,
 * configured as in {@link JdbcBenchmark}: cueball with {@code threadAffinity(10_000)}, HikariCP with pgjdbc's
 * multi-host URL, the same driver properties), both filled, then the same {@code threads} worker threads run the query
 * through one pool per window, first {@code --warmup} windows of each (not reported), then {@code --pairs} pairs.
 * Which pool is A alternates from point to point. The warmup runs B A, B A, ...: it ends with A, so that it reads as
 * the pair before pair 0 in ABBA order (B A | A B B A ...), and pair 0 is like every other pair: its first window
 * follows a window of the same pool, its second a window of the other.
 *
 * <p>One operation: get a connection, run the query, read the row, close. Each is timed with one {@code
 * System.nanoTime()} read (the previous operation's end is the next one's start) into a histogram per thread and
 * window. The operations that start in the span from {@code --settle-ms} after the window opens to its end are
 * recorded, the last of each thread's included though it ends after the span (the window waits for it); queries per
 * second are those operations over the span's length. Each worker's CPU time and allocated bytes ({@code
 * com.sun.management.ThreadMXBean}) over its whole loop, per operation, say what the worker threads spent on one: the
 * pool's and the driver's work on the calling thread, not the pools' timer or housekeeping threads. The point query's
 * ids come from a source per thread and pool, seeded alike, and each pool's source runs on from window to window: over
 * a point both pools consume a prefix of the same sequence on each thread (not the same ids in each window).
 *
 * <p>Both pools stay open through the point, so the one not running sits idle: each pool's first claims of a window may
 * check a connection idle for a window (cueball after 1 s, HikariCP after 0.5 s), a dozen queries among tens of
 * thousands.
 *
 * <p>Options: {@code --out DIR} (default {@code cueball-benchmarks/target/results-jdbc}), {@code --pairs N} (16; even,
 * so that the pairs make whole units), {@code --window-ms N} (2000), {@code --settle-ms N} (250), {@code --warmup N} (3
 * windows of each pool per point, unreported: a point's fresh connections and server sessions take a few seconds to
 * settle), {@code --threads 4,16} (on three servers; {@code none} for none), {@code --one-server-threads 4} ({@code
 * none} for none), {@code --queries select1,point} (no thread count or query twice in one list), {@code --cpus
 * CLIENT/SERVERS} (the JVM on the first CPU list, the servers on the second, as servers on hosts of their own would
 * run: {@link CpuSplit}; {@code shared}, the default, leaves both on every CPU), {@code --affinity N} (the cueball
 * pools' {@code threadAffinity}, 10 000 unless given; up to {@value io.cueball.PoolOptions#MAX_THREAD_AFFINITY}),
 * {@code --sched} (print each window's
 * scheduler counters per operation for the workers and the servers: {@link SchedCounters}), {@code --aa} (an A/A
 * run: cueball against a second cueball pool configured alike, named {@code cueball-b}, to see how far apart the
 * harness puts two equal pools), {@code --vs-clock} (cueball against a cueball pool with a 30-day lifetime, named
 * {@code cueball-clock}: its claims and releases read the clock and no STAMPS pass runs, so the pair tells what
 * CLOCKLESS does to the queries), {@code --smoke} (2 pairs, one unit, of 300 ms windows: to see that it runs). Writes
 * {@code paired.csv} (a line per window), {@code paired-settings.txt}, {@code postgres.txt} and, with {@code --cpus},
 * {@code cpus.txt}; {@link
 * JdbcPairedReport} turns them into RESULTS.md's section.
 */
public final class JdbcPaired {
    /** The CSV's header; {@link JdbcPairedReport} reads it by these names. */
    static final String HEADER = "servers,query,threads,pair,slot,pool,qps,ops,cpu_ns_per_op,bytes_per_op,p50_ns,"
            + "p99_ns,p999_ns,max_ns,histogram";
    /** The pools each point compares, A first: cueball, and HikariCP or (--aa) a second cueball pool. */
    private static String[] poolNames = {"cueball", "hikari"};
    /** {@code --affinity}: the cueball pools' thread affinity. */
    private static int affinity = 10_000;
    /** {@code --sched}: print each window's scheduler counters. */
    private static boolean sched;

    private JdbcPaired() {
    }

    /**
     * Starts three servers, runs every point, writes the CSV.
     *
     * @param args see the class comment
     * @throws Exception if the servers cannot start or a query fails
     */
    public static void main(String[] args) throws Exception {
        Path out = Path.of("cueball-benchmarks/target/results-jdbc");
        int pairs = 16;
        long windowMs = 2000;
        long settleMs = 250;
        int warmup = 3;
        List<String> threads = List.of("4", "16");
        List<String> oneServerThreads = List.of("4");
        List<String> queries = List.of("select1", "point");
        CpuSplit split = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--sched")) {
                sched = true;
                continue;
            }
            if (args[i].equals("--aa")) {
                poolNames = new String[] {"cueball", "cueball-b"};
                continue;
            }
            if (args[i].equals("--vs-clock")) {
                poolNames = new String[] {"cueball", "cueball-clock"};
                continue;
            }
            if (args[i].equals("--smoke")) {
                pairs = 2;
                windowMs = 300;
                settleMs = 50;
                continue;
            }
            String value = i + 1 < args.length ? args[i + 1] : null;
            if (value == null) {
                throw new IllegalArgumentException(args[i] + ": a value expected");
            }
            switch (args[i++]) {
                case "--out" -> out = Path.of(value);
                case "--pairs" -> pairs = positive("--pairs", value);
                case "--window-ms" -> windowMs = positive("--window-ms", value);
                case "--settle-ms" -> settleMs = Integer.parseInt(value);
                case "--warmup" -> warmup = Integer.parseInt(value);
                case "--threads" -> threads = value.equals("none") ? List.of() : List.of(value.split(","));
                case "--one-server-threads" -> oneServerThreads = value.equals("none") ? List.of()
                        : List.of(value.split(","));
                case "--queries" -> queries = List.of(value.split(","));
                case "--affinity" -> affinity = positive("--affinity", value);
                case "--cpus" -> split = value.equals("shared") ? null : CpuSplit.parse("--cpus", value);
                default -> throw new IllegalArgumentException("unknown option " + args[i - 1] + " (expected: --out, "
                        + "--pairs, --window-ms, --settle-ms, --warmup, --threads, --one-server-threads, --queries, "
                        + "--cpus, --affinity, --aa, --vs-clock, --sched, --smoke)");
            }
        }
        if (settleMs < 0 || settleMs >= windowMs) {
            throw new IllegalArgumentException("--settle-ms must be at least 0 and below --window-ms (" + windowMs
                    + "), got " + settleMs);
        }
        if (pairs % 2 != 0) {
            // a unit is two pairs, A B then B A; an odd count would leave A first once more often than B
            throw new IllegalArgumentException("--pairs must be even (two pairs, A B and B A, make a unit), got "
                    + pairs);
        }
        if (warmup < 0) {
            throw new IllegalArgumentException("--warmup must be at least 0, got " + warmup);
        }
        if (threads.isEmpty() && oneServerThreads.isEmpty()) {
            throw new IllegalArgumentException("--threads and --one-server-threads are both none: no point to run");
        }
        distinct("--threads", threads);
        distinct("--one-server-threads", oneServerThreads);
        distinct("--queries", queries);
        Files.createDirectories(out);
        Path csv = out.resolve("paired.csv");
        Files.writeString(csv, HEADER + "\n");
        // only as many servers as the points use: idle ones would still take the machine's memory and wakeups
        try (PostgresServers servers = PostgresServers.start(threads.isEmpty() ? 1 : 3)) {
            Files.writeString(out.resolve("postgres.txt"), servers.version() + "\n");
            Files.deleteIfExists(out.resolve("cpus.txt"));
            if (split != null) {
                split.apply(servers.postmasters()); // before any pool's session is forked: they inherit it
                Files.writeString(out.resolve("cpus.txt"), split.client + "/" + split.servers + "\n");
                System.out.println(split);
            }
            Files.writeString(out.resolve("paired-settings.txt"), "window_ms=" + windowMs + " settle_ms=" + settleMs
                    + " warmup=" + warmup + " pairs=" + pairs + "\n");
            List<int[]> points = new ArrayList<>(); // {servers, threads}
            threads.forEach(t -> points.add(new int[] {3, Integer.parseInt(t.trim())}));
            oneServerThreads.forEach(t -> points.add(new int[] {1, Integer.parseInt(t.trim())}));
            int point = 0;
            for (int[] at : points) {
                for (String q : queries) {
                    List<Backend> used = servers.backends().subList(0, at[0]);
                    // which pool opens each pair alternates from point to point as well
                    boolean cueballFirst = point++ % 2 == 0;
                    System.out.printf(Locale.ROOT, "%n=== %d server(s), %s, %d threads ===%n", at[0], q, at[1]);
                    List<String> lines = runPoint(used, q, at[1], pairs, warmup, windowMs * 1_000_000,
                            settleMs * 1_000_000, cueballFirst);
                    Files.writeString(csv, String.join("", lines), java.nio.file.StandardOpenOption.APPEND);
                }
            }
        }
        System.out.println("wrote " + csv);
    }

    private static int positive(String option, String value) {
        int n = Integer.parseInt(value);
        if (n <= 0) {
            throw new IllegalArgumentException(option + " must be positive, got " + value);
        }
        return n;
    }

    /** Refuses a list with an entry twice: the report would merge the two points' windows into one. */
    private static void distinct(String option, List<String> values) {
        List<String> seen = new ArrayList<>();
        for (String v : values) {
            String key = v.trim();
            if (!option.equals("--queries")) {
                key = Integer.toString(positive(option, key));
            }
            if (seen.contains(key)) {
                throw new IllegalArgumentException(option + " lists " + key + " twice (" + String.join(",", values)
                        + "): a point runs once");
            }
            seen.add(key);
        }
    }

    /**
     * One point: both pools, warmup windows, then the pairs; a CSV line per measured window. The pools and the workers
     * are the try's resources, so whatever fails, every one made is closed: the workers first, so that no query runs
     * on a pool being closed (B is HikariCP, or in an A/A run a second cueball pool; the other of the two is null).
     */
    private static List<String> runPoint(List<Backend> backends, String query, int threads, int pairs, int warmup,
            long windowNanos, long settleNanos, boolean cueballFirst) throws Exception {
        boolean aa = poolNames[1].startsWith("cueball-");
        String pointName = backends.size() + " server(s), " + query + ", " + threads + " threads";
        try (ConnectionPool<JdbcConnection> cueball = cueballPool(backends, "paired", false);
                ConnectionPool<JdbcConnection> second = !aa ? null
                        : poolNames[1].equals("cueball-clock") ? cueballPool(backends, "paired-clock", true)
                        : cueballPool(backends, "paired-b", false);
                HikariDataSource hikari = aa ? null : new HikariDataSource(JdbcBenchmark.hikariConfig(backends));
                Workers workers = new Workers(threads, query, pointName)) {
            DataSource[] pools = {new CueballDataSource(cueball), aa ? new CueballDataSource(second) : hikari};
            JdbcBenchmark.await("the pools to open " + JdbcBenchmark.POOL_SIZE + " connections each", () ->
                    cueball.stats().idle() == JdbcBenchmark.POOL_SIZE
                    && (second == null || second.stats().idle() == JdbcBenchmark.POOL_SIZE)
                    && (hikari == null
                        || hikari.getHikariPoolMXBean().getIdleConnections() == JdbcBenchmark.POOL_SIZE));
            int a = cueballFirst ? 0 : 1;
            for (int w = 0; w < warmup; w++) {
                // B A, B A, ...: ends with A, as the pair before pair 0 would in ABBA order
                workers.window(pools[1 - a], 1 - a, windowNanos, settleNanos);
                workers.window(pools[a], a, windowNanos, settleNanos);
            }
            List<String> lines = new ArrayList<>();
            for (int pair = 0; pair < pairs; pair++) {
                // ABBA: A B, then B A, ...; A is cueball or HikariCP by the point
                boolean cueballNow = cueballFirst == (pair % 2 == 0);
                for (int slot = 0; slot < 2; slot++) {
                    int p = (slot == 0) == cueballNow ? 0 : 1;
                    Map<String, Long> load = ServerLoad.snapshot();
                    SchedCounters before = sched ? SchedCounters.snapshot(Workers.NAME) : null;
                    Window r = workers.window(pools[p], p, windowNanos, settleNanos);
                    SchedCounters after = sched ? SchedCounters.snapshot(Workers.NAME) : null;
                    // where the window's work landed: each server's share of the servers' CPU, busiest first
                    String shares = ServerLoad.shares(load, ServerLoad.snapshot(), backends.size());
                    System.out.printf(Locale.ROOT, "pair %2d %-8s qps %8.0f  cpu %5.1f µs/op %5.0f B/op  servers %s"
                            + "  p50 %6.0f µs  p99 %6.0f µs  p99.9 %6.0f µs%n", pair, poolNames[p], r.qps,
                            r.cpuPerOp / 1e3, r.bytesPerOp, shares, r.hist.percentile(0.5) / 1e3,
                            r.hist.percentile(0.99) / 1e3, r.hist.percentile(0.999) / 1e3);
                    if (sched) {
                        // over the whole window, settling included, so per operation of the whole window
                        System.out.println("  sched " + poolNames[p] + ": " + SchedCounters.perOperation(before, after,
                                r.allOps));
                    }
                    lines.add(String.join(",", Integer.toString(backends.size()), query,
                            Integer.toString(threads), Integer.toString(pair), Integer.toString(slot), poolNames[p],
                            String.format(Locale.ROOT, "%.1f", r.qps), Long.toString(r.hist.total()),
                            String.format(Locale.ROOT, "%.0f", r.cpuPerOp),
                            String.format(Locale.ROOT, "%.0f", r.bytesPerOp),
                            Long.toString(r.hist.percentile(0.5)), Long.toString(r.hist.percentile(0.99)),
                            Long.toString(r.hist.percentile(0.999)), Long.toString(r.hist.max()),
                            r.hist.encode()) + "\n");
                }
            }
            return lines;
        }
    }

    /** With {@code readsClock}, a 30-day lifetime: its claims read the clock and no STAMPS pass runs (CLOCKLESS). */
    private static ConnectionPool<JdbcConnection> cueballPool(List<Backend> backends, String name,
            boolean readsClock) {
        var b = JdbcBenchmark.cueballBuilder(backends, name).threadAffinity(affinity);
        return (readsClock ? b.maxLifetime(Duration.ofDays(30)) : b).build();
    }

    /** One window's result: queries per second and the operations' times. */
    record Window(double qps, WaitHistogram hist, double cpuPerOp, double bytesPerOp, long allOps) {
    }

    /** The worker threads of a point: the same threads serve both pools, a window at a time. */
    private static final class Workers implements AutoCloseable {
        /** The workers' name prefix. */
        static final String NAME = "paired-worker-";
        /** How long past a window's end the main thread waits for the workers before it gives up on the point. */
        private static final long GRACE_NANOS = 120_000_000_000L;
        /** How long {@link #close} waits, in all, for the workers to end. */
        private static final long STOP_NANOS = 10_000_000_000L;
        private final CyclicBarrier barrier;
        private final List<Thread> threads = new ArrayList<>();
        private final WaitHistogram[] hists;
        /** Each worker's CPU time and allocated bytes over its last window's whole loop; with its operation count. */
        private final long[] cpu;
        private final long[] bytes;
        private final long[] loops;
        /** What ended a worker's window early, whatever it was (an Error too); read after the window's barrier. */
        private final Throwable[] failures;
        private final String query;
        private final String pointName;
        private volatile DataSource current;
        private volatile int currentIndex;
        private volatile long settleAt;
        private volatile long endAt;
        private volatile boolean stopping;

        Workers(int n, String query, String pointName) {
            this.query = query;
            this.pointName = pointName;
            this.barrier = new CyclicBarrier(n + 1);
            this.hists = new WaitHistogram[n];
            this.cpu = new long[n];
            this.bytes = new long[n];
            this.loops = new long[n];
            this.failures = new Throwable[n];
            for (int i = 0; i < n; i++) {
                int index = i;
                hists[i] = new WaitHistogram();
                Thread t = new Thread(() -> work(index), NAME + i);
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
        }

        /** Runs one window through {@code ds} on every worker and returns what they measured. */
        Window window(DataSource ds, int index, long windowNanos, long settleNanos) throws Exception {
            current = ds;
            currentIndex = index;
            long now = System.nanoTime();
            long settle = now + settleNanos;
            long end = now + windowNanos;
            settleAt = settle;
            endAt = end;
            long timeout = windowNanos + GRACE_NANOS;
            try {
                barrier.await(timeout, TimeUnit.NANOSECONDS); // go
                barrier.await(timeout, TimeUnit.NANOSECONDS); // every worker has finished its last operation
            } catch (TimeoutException | BrokenBarrierException e) {
                throw new IllegalStateException("point " + pointName + ": the workers did not finish a window of "
                        + poolNames[index] + " within " + timeout / 1_000_000_000 + " s (the window and 120 s more)",
                        e);
            }
            WaitHistogram all = new WaitHistogram();
            long cpuSum = 0;
            long bytesSum = 0;
            long loopSum = 0;
            for (int i = 0; i < hists.length; i++) {
                if (failures[i] != null) {
                    throw new IllegalStateException("point " + pointName + ": worker " + i + " failed in a window of "
                            + poolNames[index], failures[i]);
                }
                all.add(hists[i]);
                hists[i].reset();
                cpuSum += cpu[i];
                bytesSum += bytes[i];
                loopSum += loops[i];
            }
            // the operations that started in [settle, end), over its length
            return new Window(all.total() / ((end - settle) / 1e9), all, (double) cpuSum / loopSum,
                    (double) bytesSum / loopSum, loopSum);
        }

        /**
         * Ends the workers: each is interrupted, so that it leaves the barrier it waits at, or the next one it reaches
         * (the flag makes that await throw at once), then joined, for 10 s in all; a worker still running after that
         * (stuck in a query) is named on standard error and left to end with the JVM, a daemon.
         */
        @Override
        public void close() throws InterruptedException {
            stopping = true;
            for (Thread t : threads) {
                t.interrupt();
            }
            long deadline = System.nanoTime() + STOP_NANOS;
            for (Thread t : threads) {
                t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                if (t.isAlive()) {
                    System.err.println("point " + pointName + ": " + t.getName() + " did not stop in 10 s");
                }
            }
        }

        private void work(int index) {
            // per pool, seeded alike: each pool's windows on this thread run through a prefix of the same ids
            SplittableRandom[] ids = {new SplittableRandom(0x5EED_CB11L + index),
                    new SplittableRandom(0x5EED_CB11L + index)};
            WaitHistogram hist = hists[index];
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean)
                    java.lang.management.ManagementFactory.getThreadMXBean();
            try {
                for (;;) {
                    barrier.await();
                    if (stopping) {
                        return;
                    }
                    DataSource ds = current;
                    SplittableRandom random = ids[currentIndex];
                    long settle = settleAt;
                    long end = endAt;
                    long cpu0 = mx.getCurrentThreadCpuTime();
                    long bytes0 = mx.getCurrentThreadAllocatedBytes();
                    long n = 0;
                    try {
                        // one clock read per operation: its end is the next one's start; an operation counts if it
                        // starts in [settle, end), and the last one started runs to its end
                        for (long s0 = System.nanoTime(); s0 < end; n++) {
                            if (query.equals("select1")) {
                                JdbcBenchmark.select1(ds);
                            } else {
                                JdbcBenchmark.point(ds, 1 + random.nextInt(PostgresServers.ROWS));
                            }
                            long s1 = System.nanoTime();
                            if (s0 >= settle) {
                                hist.record(s1 - s0);
                            }
                            s0 = s1;
                        }
                    } catch (Throwable t) {
                        // an Error too: the main thread reports it, rather than wait for a worker that is gone
                        failures[index] = t;
                    }
                    cpu[index] = mx.getCurrentThreadCpuTime() - cpu0; // the whole loop, settling included
                    bytes[index] = mx.getCurrentThreadAllocatedBytes() - bytes0;
                    loops[index] = n;
                    if (stopping) {
                        return;
                    }
                    barrier.await();
                }
            } catch (InterruptedException | BrokenBarrierException e) {
                // close() interrupted this worker, or another's interrupt or the main thread's timeout broke
                // the barrier
            }
        }
    }
}
