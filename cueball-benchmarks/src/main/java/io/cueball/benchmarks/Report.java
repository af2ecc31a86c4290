package io.cueball.benchmarks;

import io.cueball.PoolOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Turns the files of one {@code run.sh} run into RESULTS.md's tables.
 *
 * <p>Arguments: the results folder, then the commit, machine and JDK descriptions to print in the header.
 */
public final class Report {
    private static final List<String> POOLS = PoolUnderTest.COMPARED;
    /** The claim + release tables' pools: the compared ones and, after strict FIFO, cueball with no turns. */
    private static final List<String> CLAIM_POOLS = PoolUnderTest.CLAIM_COMPARED;
    private static final Map<String, String> NAMES = Map.of("cueball", "cueball", "cueball-fifo",
            "cueball, strict FIFO", "cueball-pinned", "cueball, no turns", "hikari", "HikariCP", "commons-pool2",
            "commons-pool2", "stormpot", "Stormpot", "stormpot-pool", "Stormpot, `Pool.claim`", "beecp", "BeeCP",
            "vibur", "vibur");
    private static final String[] SIZES = {"8", "32"};
    private static final int[] THREADS = {1, 2, 4, 16};

    private Report() {
    }

    /** One CSV row of JMH's output. */
    private record Row(String benchmark, String mode, int threads, double score, double error, String unit,
            Map<String, String> params) {
    }

    /** A ratio a / b and the interval that the two scores' intervals allow. */
    private record Ratio(double value, double low, double high) {
        static Ratio of(double a, double errA, double b, double errB) {
            double low = (a - errA) / (b + errB);
            double high = b - errB <= 0 ? Double.POSITIVE_INFINITY : (a + errA) / (b - errB);
            return new Ratio(a / b, low, high);
        }

        /** Bold when the whole interval lies on one side of 1: only then does the ratio count. */
        String cell() {
            if (Double.isNaN(value)) {
                return "n/a";
            }
            if (Double.isNaN(low)) {
                return String.format(Locale.ROOT, "%.2f (no interval)", value);
            }
            String range = String.format(Locale.ROOT, "%.2f–%s", Math.max(0, low),
                    Double.isInfinite(high) ? "∞" : String.format(Locale.ROOT, "%.2f", high));
            boolean settled = low > 1 || high < 1;
            String v = String.format(Locale.ROOT, "%.2f", value);
            return settled ? "**" + v + "** (" + range + ")" : v + " (" + range + ")";
        }
    }

    /**
     * Prints the report.
     *
     * @param args results folder, commit, machine, JDK
     * @throws IOException if a file cannot be read
     */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        List<Row> claim = read(dir.resolve("claim.csv"));
        List<Row> exhaustion = read(dir.resolve("exhaustion.csv"));
        List<String> exhaustionWaits = Files.readAllLines(dir.resolve("exhaustion-waits.txt"));
        List<String> virtual = Files.readAllLines(dir.resolve("virtual.txt"));
        List<Row> plan = read(dir.resolve("plan.csv"));
        String scenarios = Files.readString(dir.resolve("scenarios.md"));
        String latencyBefore = Files.readString(dir.resolve("latency-before.txt")).trim();
        String latencyAfter = Files.readString(dir.resolve("latency-after.txt")).trim();

        StringBuilder out = new StringBuilder();
        out.append("# Benchmark results\n\n");
        out.append("Produced by `cueball-benchmarks/run.sh` (see the module's README); every number below is from ")
                .append("one run of it, except the two JDBC sections at the end, which `run-jdbc.sh` (and ")
                .append("`run-jdbc.sh --jmh`) write from runs of their own.\n\n");
        out.append("- commit: `").append(args[1]).append("`\n");
        out.append("- machine: ").append(args[2]).append('\n');
        out.append("- JDK: ").append(args[3].trim()).append(" (every benchmark ran on it: Stormpot 4.1 and virtual threads ")
                .append("need Java 21+, so `run.sh` refuses an older JDK)\n");
        out.append("- pools: cueball (this commit), ").append(versions()).append('\n');
        out.append("- cross-core round trip of one cache line (`CrossCoreLatency`; it moves with where the host puts ")
                .append("the vCPUs, and so does every pool that shares state): ").append(latencyBefore)
                .append(" before the benchmarks, ").append(latencyAfter).append(" after\n");
        out.append("- JMH, claim + release: ").append(jmhSettings(ClaimReleaseBenchmark.class))
                .append("; exhaustion: ").append(jmhSettings(ExhaustionBenchmark.class))
                .append(". The ± columns are JMH's 99.9 % intervals over all the forks' iterations. On 2 cores ")
                .append("shared with other work, read differences under ~10 % as noise.\n\n");

        claimTables(out, claim);
        exhaustionTable(out, exhaustion, exhaustionWaits);
        virtualTable(out, virtual);

        out.append("\n## The rebalance plan's cost (µs per plan, 1 000 connections, weighted, a tenth dead)\n\n");
        out.append("| backends | µs |\n|---|---|\n");
        for (String n : new String[] {"10", "1000", "10000"}) {
            Row r = plan.stream().filter(x -> n.equals(x.params().get("backends"))).findFirst().orElse(null);
            out.append("| ").append(n).append(" | ").append(r == null ? "n/a" : String.format(Locale.ROOT, "%.3f",
                    r.score())).append(" |\n");
        }

        out.append("\n## Failover and convergence on real loopback TCP backends\n\n");
        out.append("Default timings (rebalanceDelay 100 ms, backoff from 100 ms); 8 workers each echoing a byte ")
                .append("per claim through a pool of 9 over 3 backends.\n\n");
        out.append(scenarios);
        System.out.print(out);
    }

    private static void claimTables(StringBuilder out, List<Row> claim) {
        out.append("## Claim + release throughput (ops/µs, higher is better)\n\n");
        out.append("A claim and an immediate release, nothing in between: the pool's own cost. Connections are ")
                .append("stubs that do nothing. *cueball*: over 4 backends, with its defaults (`threadAffinity` ")
                .append(PoolOptions.DEFAULT_THREAD_AFFINITY).append(": a thread gets back the connection it released ")
                .append("up to that many times in a row, then takes its turn in the FIFO queue); *strict FIFO* is ")
                .append("`threadAffinity(0)`, where every claim takes the oldest idle connection; *no turns* is ")
                .append("`threadAffinity(").append(PoolOptions.MAX_THREAD_AFFINITY).append(")`, where a thread keeps ")
                .append("its connection for good: the default without its spread bound, to show what the turns ")
                .append("cost. *HikariCP* and *BeeCP*: over a stub `DataSource` (BeeCP with its defaults: its ")
                .append("thread-local cache of a thread's last connection, its borrow semaphore). *Stormpot*: ")
                .append("`Pool.from(allocator)")
                .append(".setSize(n)`, claimed through the pool (its thread-local fast path), released with ")
                .append("`Poolable.release()`. *commons-pool2*: `GenericObjectPool`; *vibur*: `ConcurrentPool` over a ")
                .append("`ConcurrentLinkedDequeCollection`, not fair; both of plain objects. Every pool is filled to ")
                .append("its size first and claims with a 30 s timeout.\n\n");
        out.append("A ratio is given with the interval the two scores' intervals allow; it is **bold** only when ")
                .append("that whole interval lies on one side of 1, and otherwise is not settled by this run.\n\n");
        out.append("| size | threads |");
        for (String p : CLAIM_POOLS) {
            out.append(' ').append(NAMES.get(p)).append(" |");
        }
        out.append(" cueball / Stormpot | no turns / Stormpot | cueball / HikariCP | strict FIFO / HikariCP |")
                .append("\n|---|---|");
        out.append("---|".repeat(CLAIM_POOLS.size() + 4)).append('\n');
        for (String size : SIZES) {
            for (int threads : THREADS) {
                String method = String.format(Locale.ROOT, "threads%02d", threads);
                Map<String, Row> rows = new HashMap<>();
                out.append("| ").append(size).append(" | ").append(threads).append(" |");
                for (String p : CLAIM_POOLS) {
                    Row r = find(claim, method, p, size, null, "thrpt");
                    rows.put(p, r);
                    out.append(r == null ? " n/a |" : " " + scoreCell(r) + " |");
                }
                out.append(' ').append(ratio(rows.get("cueball"), rows.get("stormpot")).cell()).append(" |");
                out.append(' ').append(ratio(rows.get("cueball-pinned"), rows.get("stormpot")).cell()).append(" |");
                out.append(' ').append(ratio(rows.get("cueball"), rows.get("hikari")).cell()).append(" |");
                out.append(' ').append(ratio(rows.get("cueball-fifo"), rows.get("hikari")).cell()).append(" |\n");
            }
        }

        out.append("\n## Allocation per claim + release (bytes/op, `-prof gc`)\n\n");
        out.append("From the same forks as the throughput above.\n\n| size | threads |");
        for (String p : CLAIM_POOLS) {
            out.append(' ').append(NAMES.get(p)).append(" |");
        }
        out.append("\n|---|---|").append("---|".repeat(CLAIM_POOLS.size())).append('\n');
        for (String size : SIZES) {
            for (int threads : THREADS) {
                String method = String.format(Locale.ROOT, "threads%02d", threads);
                out.append("| ").append(size).append(" | ").append(threads).append(" |");
                for (String p : CLAIM_POOLS) {
                    Row r = find(claim, method, p, size, "gc.alloc.rate.norm", null);
                    out.append(r == null ? " n/a |" : String.format(Locale.ROOT, " %.1f |", r.score()));
                }
                out.append('\n');
            }
        }
        out.append("\nA cueball `Claim` is 32 bytes (with compressed oops): 32 B/op is that one object and nothing ")
                .append("else. HikariCP and BeeCP hand out a connection proxy per claim; vibur's deque allocates a ")
                .append("node per release.\n");
    }

    /** A ratio of two JMH scores; with no interval (a single iteration) when either has none. */
    private static Ratio ratio(Row a, Row b) {
        if (a == null || b == null) {
            return new Ratio(Double.NaN, Double.NaN, Double.NaN);
        }
        return Ratio.of(a.score(), a.error(), b.score(), b.error());
    }

    private static void exhaustionTable(StringBuilder out, List<Row> exhaustion, List<String> waitLines) {
        Map<String, WaitHistogram> waits = new LinkedHashMap<>();
        Map<String, Long> timeouts = new HashMap<>();
        Map<String, Integer> forks = new HashMap<>();
        for (String line : waitLines) {
            if (line.isBlank()) {
                continue;
            }
            Map<String, String> f = fields(line);
            String pool = f.get("pool");
            waits.computeIfAbsent(pool, k -> new WaitHistogram()).add(WaitHistogram.parse(f.get("waits")));
            timeouts.merge(pool, Long.parseLong(f.get("timeouts")), Long::sum);
            forks.merge(pool, 1, Integer::sum);
        }
        out.append("\n## Exhaustion: 16 threads on a pool of 8, each holding its connection ~1 µs of CPU\n\n");
        out.append("Claims wait and are handed over. JMH measures the throughput; the benchmark times each claim's ")
                .append("wait itself (calling claim to holding a connection; two `System.nanoTime()` reads around ")
                .append("the claim, the same for every pool) into a histogram (buckets 1.6 % wide) per thread, merged ")
                .append("over the measurement iterations of all forks. *Starved*: claims that waited more than ")
                .append(ExhaustionBenchmark.STARVED_MEDIANS).append("× the median wait. *Timed out*: claims that ")
                .append("waited out the 30 s timeout (counted, not failed). On 2 cores a thread is often descheduled ")
                .append("inside a claim, for every pool; that is part of the tail.\n\n");
        out.append("| pool | throughput (ops/µs) | claims | p50 | p99 | p99.9 | p99.99 | max | starved (> ")
                .append(ExhaustionBenchmark.STARVED_MEDIANS).append("× p50) | timed out |\n")
                .append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (String pool : POOLS) {
            Row t = find(exhaustion, "sixteenThreadsOnEight", pool, null, null, "thrpt");
            WaitHistogram h = waits.get(pool);
            out.append("| ").append(NAMES.get(pool)).append(" | ")
                    .append(t == null ? "n/a" : scoreCell(t));
            if (h == null || h.total() == 0) {
                out.append(" | n/a".repeat(8)).append(" |\n");
                continue;
            }
            long median = h.percentile(0.5);
            long starved = h.countAbove(median * ExhaustionBenchmark.STARVED_MEDIANS);
            out.append(" | ").append(h.total()).append(forks.get(pool) > 1 ? " (" + forks.get(pool) + " forks)" : "")
                    .append(" | ").append(WaitHistogram.format(median))
                    .append(" | ").append(WaitHistogram.format(h.percentile(0.99)))
                    .append(" | ").append(WaitHistogram.format(h.percentile(0.999)))
                    .append(" | ").append(WaitHistogram.format(h.percentile(0.9999)))
                    .append(" | ").append(WaitHistogram.format(h.max()))
                    .append(" | ").append(starved).append(String.format(Locale.ROOT, " (%.3f %%)",
                            100.0 * starved / h.total()))
                    .append(" | ").append(timeouts.get(pool)).append(" |\n");
        }
    }

    /** One {@link VirtualThreads} run. */
    private record VirtualRun(double claimsPerSecond, int starved, int neverServed, long timeouts, int stuck,
            long holdMean, WaitHistogram waits) {
    }

    private static void virtualTable(StringBuilder out, List<String> lines) {
        Map<String, List<VirtualRun>> runs = new LinkedHashMap<>();
        for (String line : lines) {
            if (!line.startsWith("pool=")) {
                continue;
            }
            Map<String, String> f = fields(line);
            double seconds = Double.parseDouble(f.get("seconds"));
            runs.computeIfAbsent(f.get("pool"), k -> new ArrayList<>()).add(new VirtualRun(
                    Long.parseLong(f.get("claims")) / seconds, Integer.parseInt(f.get("starved")),
                    Integer.parseInt(f.get("neverServed")), Long.parseLong(f.get("timeouts")),
                    Integer.parseInt(f.get("stuck")), Long.parseLong(f.get("holdMeanNs")),
                    WaitHistogram.parse(f.get("waits"))));
        }
        out.append("\n## Virtual threads: ").append(VirtualThreads.THREADS).append(" on a pool of ")
                .append(VirtualThreads.SIZE).append(", each holding its connection ")
                .append(TimeUnit.NANOSECONDS.toMicros(VirtualThreads.HOLD_NANOS)).append(" µs\n\n");
        out.append("`VirtualThreads`, one JVM per pool and run, the pools interleaved between runs: each virtual ")
                .append("thread claims, parks ").append(TimeUnit.NANOSECONDS.toMicros(VirtualThreads.HOLD_NANOS))
                .append(" µs holding the connection (a query waiting on the network; a busy spin would make the two ")
                .append("carrier threads the limit instead of the pool), releases, and again; 2 s of warmup, then a ")
                .append("5 s window. *Starved*: threads that went ").append(VirtualThreads.STARVED_SECONDS)
                .append(" s or more of the window without a claim; *never served*: no claim at all in it. The waits ")
                .append("are those that overlapped the window, including a starved thread's that ended after it. ")
                .append("A parked virtual thread is woken by the JDK's timer and then needs a free carrier, so a hold ")
                .append("lasts longer than asked: the ceiling is ").append(VirtualThreads.SIZE)
                .append(" / mean hold, not ").append(VirtualThreads.SIZE).append(" / 50 µs. Stormpot claims through ")
                .append("`getVirtualThreadSafeTap()` and BeeCP runs without its thread-local cache, as their docs ask ")
                .append("for virtual threads; *Stormpot, `Pool.claim`* is Stormpot's thread-local path. One value ")
                .append("per run, separated by `/`.\n\n");
        out.append("| pool | claims/s | starved threads | never served | p50 wait | p99.9 wait | max wait | mean hold ")
                .append("| timed out |\n|---|---|---|---|---|---|---|---|---|\n");
        List<String> order = new ArrayList<>(POOLS);
        for (String pool : runs.keySet()) {
            if (!order.contains(pool)) {
                order.add(pool);
            }
        }
        for (String pool : order) {
            List<VirtualRun> rs = runs.get(pool);
            if (rs == null) {
                continue;
            }
            out.append("| ").append(NAMES.getOrDefault(pool, pool))
                    .append(" | ").append(join(rs, r -> String.format(Locale.ROOT, "%.0f k", r.claimsPerSecond() / 1e3)))
                    .append(" | ").append(join(rs, r -> r.starved() + (r.stuck() > 0 ? " (" + r.stuck() + " stuck)" : "")))
                    .append(" | ").append(join(rs, r -> String.valueOf(r.neverServed())))
                    .append(" | ").append(join(rs, r -> WaitHistogram.format(r.waits().percentile(0.5))))
                    .append(" | ").append(join(rs, r -> WaitHistogram.format(r.waits().percentile(0.999))))
                    .append(" | ").append(join(rs, r -> WaitHistogram.format(r.waits().max())))
                    .append(" | ").append(join(rs, r -> WaitHistogram.format(r.holdMean())))
                    .append(" | ").append(join(rs, r -> String.valueOf(r.timeouts()))).append(" |\n");
        }
        for (String other : new String[] {"hikari", "stormpot"}) {
            List<VirtualRun> a = runs.get("cueball");
            List<VirtualRun> b = runs.get(other);
            if (a == null || b == null) {
                continue;
            }
            double aMin = a.stream().mapToDouble(VirtualRun::claimsPerSecond).min().orElseThrow();
            double aMax = a.stream().mapToDouble(VirtualRun::claimsPerSecond).max().orElseThrow();
            double bMin = b.stream().mapToDouble(VirtualRun::claimsPerSecond).min().orElseThrow();
            double bMax = b.stream().mapToDouble(VirtualRun::claimsPerSecond).max().orElseThrow();
            double mid = Math.sqrt(aMin * aMax) / Math.sqrt(bMin * bMax);
            Ratio r = new Ratio(mid, aMin / bMax, aMax / bMin);
            out.append("\nClaims per second, cueball / ").append(NAMES.get(other)).append(": ").append(r.cell())
                    .append(" (the geometric means of the runs; the interval spans every pair of runs).\n");
        }
    }

    private static String scoreCell(Row r) {
        return Double.isNaN(r.error()) ? String.format(Locale.ROOT, "%.2f", r.score())
                : String.format(Locale.ROOT, "%.2f ± %.2f", r.score(), r.error());
    }

    private static String join(List<VirtualRun> runs, java.util.function.Function<VirtualRun, String> cell) {
        StringBuilder s = new StringBuilder();
        for (VirtualRun r : runs) {
            s.append(s.length() == 0 ? "" : " / ").append(cell.apply(r));
        }
        return s.toString();
    }

    /** {@code key=value} fields separated by spaces; the last field ({@code waits=}) takes the rest of the line. */
    private static Map<String, String> fields(String line) {
        Map<String, String> f = new HashMap<>();
        int waits = line.indexOf(" waits=");
        String head = waits < 0 ? line : line.substring(0, waits);
        if (waits >= 0) {
            f.put("waits", line.substring(waits + " waits=".length()));
        }
        for (String part : head.trim().split(" ")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                f.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        return f;
    }

    private static String jmhSettings(Class<?> benchmark) {
        Fork fork = benchmark.getAnnotation(Fork.class);
        Warmup warmup = benchmark.getAnnotation(Warmup.class);
        Measurement measurement = benchmark.getAnnotation(Measurement.class);
        return String.format(Locale.ROOT, "%d forks per point, each %d warmup iterations of %d s and %d measured of "
                + "%d s", fork.value(), warmup.iterations(), warmup.time(), measurement.iterations(),
                measurement.time());
    }

    /** The other pools' versions, from the Maven metadata the benchmarks jar carries. */
    private static String versions() {
        String[][] libraries = {
            {"HikariCP", "com.zaxxer", "HikariCP"},
            {"commons-pool2", "org.apache.commons", "commons-pool2"},
            {"Stormpot", "com.github.chrisvest", "stormpot"},
            {"BeeCP", "com.github.chris2018998", "beecp"},
            {"vibur-object-pool", "org.vibur", "vibur-object-pool"},
        };
        StringBuilder s = new StringBuilder();
        for (String[] lib : libraries) {
            String path = "/META-INF/maven/" + lib[1] + "/" + lib[2] + "/pom.properties";
            String version = "?";
            try (InputStream in = Report.class.getResourceAsStream(path)) {
                if (in != null) {
                    Properties p = new Properties();
                    p.load(in);
                    version = p.getProperty("version", "?");
                }
            } catch (IOException e) {
                version = "?";
            }
            s.append(s.length() == 0 ? "" : ", ").append(lib[0]).append(' ').append(version);
        }
        return s.toString();
    }

    private static Row find(List<Row> rows, String method, String pool, String size, String secondary,
            String mode) {
        for (Row r : rows) {
            String b = r.benchmark();
            int colon = b.indexOf(':');
            String name = colon < 0 ? b : b.substring(0, colon);
            String metric = colon < 0 ? null : b.substring(colon + 1);
            if (!name.endsWith("." + method) || !pool.equals(r.params().get("pool"))) {
                continue;
            }
            if (size != null && !size.equals(r.params().get("size"))) {
                continue;
            }
            if (mode != null && !mode.equals(r.mode())) {
                continue;
            }
            if (secondary == null ? metric == null : metric != null && metric.equals(secondary)) {
                return r;
            }
        }
        return null;
    }

    private static List<Row> read(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        List<String> header = split(lines.get(0));
        List<Row> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            List<String> f = split(line);
            Map<String, String> params = new HashMap<>();
            for (int i = 7; i < header.size() && i < f.size(); i++) {
                params.put(header.get(i).replace("Param: ", ""), f.get(i));
            }
            rows.add(new Row(f.get(0), f.get(1), Integer.parseInt(f.get(2)), number(f.get(4)), number(f.get(5)),
                    f.get(6), params));
        }
        return rows;
    }

    private static double number(String s) {
        return s.isEmpty() || s.equals("NaN") ? Double.NaN : Double.parseDouble(s);
    }

    private static List<String> split(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                fields.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        fields.add(cur.toString());
        return fields;
    }
}
