package io.cueball.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns one {@link JdbcPaired} run ({@code paired.csv}, {@code postgres.txt}) into RESULTS.md's JDBC section,
 * between the markers {@code run-jdbc.sh} replaces.
 *
 * <p>Per point: each pool's median queries per second over its windows, and its p99 and p99.9 over all its windows'
 * operations; then the comparison, pair by pair: the geometric mean of the pairs' ratios (cueball / HikariCP) with a
 * 95 % interval from Student's t over their logarithms, <b>bold</b> only when the whole interval lies on one side
 * of 1.
 *
 * <p>Arguments: the results folder, then the commit, machine, JDK and load-average descriptions for the header.
 */
public final class JdbcPairedReport {
    static final String START = "<!-- jdbc:start -->";
    static final String END = "<!-- jdbc:end -->";
    /** Above this 1-minute load average before the run, the section says the numbers were taken under load. */
    private static final double QUIET_LOAD = 1.5;
    /** Student's t, two-sided 95 %, for 1 to 30 degrees of freedom; 1.96 beyond. */
    private static final double[] T975 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060,
        2.056, 2.052, 2.048, 2.045, 2.042};

    private JdbcPairedReport() {
    }

    /** One CSV line: one window. */
    record Row(int servers, String query, int threads, int pair, String pool, double qps, double cpuPerOp,
            double bytesPerOp, WaitHistogram hist) {
    }

    /** A ratio's geometric mean over the pairs and its 95 % interval. */
    record Ratio(double mean, double low, double high, int n) {
        boolean settledAbove() {
            return low > 1;
        }

        boolean settledBelow() {
            return high < 1;
        }

        String text() {
            if (n == 0) {
                return "n/a";
            }
            String s = String.format(Locale.ROOT, "%.2f (%.2f–%.2f)", mean, low, high);
            return settledAbove() || settledBelow() ? "**" + s.replace(" (", "** (") : s;
        }
    }

    /**
     * Prints the section.
     *
     * @param args results folder, commit, machine, JDK, the load average before the run ({@code /proc/loadavg})
     * @throws IOException if a file cannot be read
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 5) {
            throw new IllegalArgumentException("usage: JdbcPairedReport DIR COMMIT MACHINE JDK LOADAVG");
        }
        Path dir = Path.of(args[0]);
        List<Row> rows = read(dir.resolve("paired.csv"));
        String load = args[4].trim();
        double load1 = Double.parseDouble(load.split("\\s+")[0]);
        int pairs = rows.stream().mapToInt(Row::pair).max().orElse(-1) + 1;
        // B: HikariCP, or in an A/A run (JdbcPaired --aa) the second cueball pool
        String b = rows.stream().map(Row::pool).filter(p -> !p.equals("cueball")).findFirst().orElse("hikari");
        String bName = b.equals("hikari") ? "HikariCP" : b;
        Map<String, String> settings = new LinkedHashMap<>();
        for (String kv : Files.readString(dir.resolve("paired-settings.txt")).trim().split("\\s+")) {
            settings.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        double windowS = Long.parseLong(settings.get("window_ms")) / 1e3;
        double settleS = Long.parseLong(settings.get("settle_ms")) / 1e3;
        int warmup = Integer.parseInt(settings.get("warmup"));

        StringBuilder out = new StringBuilder();
        out.append(START).append('\n');
        out.append("## JDBC on real PostgreSQL: cueball against " + bName + "\n\n");
        out.append("Produced by `cueball-benchmarks/run-jdbc.sh` (`JdbcPaired`): a run of its own, apart from the ")
                .append("sections above.\n\n");
        out.append("- commit: `").append(args[1]).append("`\n");
        out.append("- machine: ").append(args[2]).append('\n');
        out.append("- JDK: ").append(args[3]).append('\n');
        out.append("- PostgreSQL ").append(JdbcBench.postgresVersion(dir)).append(" (zonky's embedded binaries): ")
                .append("three servers on 127.0.0.1, started once for the whole run (the points on one server use the ")
                .append("first). They and the benchmark's JVM share the 2 cores, so every microsecond a pool spends ")
                .append("is a microsecond the servers do not get.\n");
        out.append("- load average before the run (1, 5, 15 min): ").append(load);
        if (load1 >= QUIET_LOAD) {
            out.append(" — **taken under load**: other work was running on the machine (the 1-minute average ")
                    .append("was at or above ").append(QUIET_LOAD).append("); read the numbers with that in mind");
        }
        out.append('\n');
        out.append("- method: both pools in one JVM, the same worker threads running the query through one pool at ")
                .append("a time in windows of ").append(fmt(windowS)).append(" s (the first ").append(fmt(settleS))
                .append(" s not counted), ").append(pairs)
                .append(" pairs of windows per point in ABBA order (A B, B A, A B, ...; which pool is A alternates ")
                .append("from point to point), after ").append(warmup)
                .append(" unreported window(s) of each. Drift slower than a window ")
                .append("(on this VM the speed moves by up to 2× within a minute) falls on both pools alike, and ")
                .append("each pair gives one ratio. Every operation is timed (histograms with buckets 1.6 % ")
                .append("wide).\n\n");
        out.append("A pool of 12 each, both open through the point. *cueball*: `CueballDataSource` over a ")
                .append("`ConnectionPool` with a `StaticResolver` of the servers and `JdbcConnectionFactory`, ")
                .append("`threadAffinity(10_000)` as the README advises for databases (a thread keeps its ")
                .append("connection, and so its server process, for up to 10 000 claims in a row). *HikariCP*: ")
                .append("pgjdbc's ")
                .append("multi-host URL with `loadBalanceHosts=true`, `maximumPoolSize` and `minimumIdle` 12. Both ")
                .append("connect with the same driver properties (`sslmode=disable`, `connectTimeout` and ")
                .append("`loginTimeout` 10, `socketTimeout` 0, pgjdbc's defaults otherwise, so `prepareThreshold` 5), ")
                .append("auto-commit on. `SELECT 1` runs as a `Statement`; the point query `")
                .append(JdbcBenchmark.POINT_QUERY).append("` as a `PreparedStatement` on a table of ")
                .append(PostgresServers.ROWS).append(" rows, with ids from a seeded source per thread (the same ")
                .append("sequence for both pools). One operation: get a connection, run the query, read the row, ")
                .append("close ")
                .append("statement and connection.\n\n");

        out.append(("| servers | query | threads | qps cueball | qps B | qps cueball / B | pairs cueball ahead | p99 "
                + "cueball (µs) | p99 B | p99 cueball / B | p99.9 cueball | p99.9 B |\n").replace("B", bName));
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        int points = 0;
        int qpsReached = 0;
        int qpsBelow = 0;
        int p99Reached = 0;
        int p99Above = 0;
        for (var e : byPoint(rows).entrySet()) {
            List<Row> point = e.getValue();
            Row first = point.get(0);
            List<double[]> byPair = pairs(point);
            Ratio qps = ratio(byPair, 0);
            Ratio p99 = ratio(byPair, 1);
            long ahead = byPair.stream().filter(r -> r[0] > 1).count();
            WaitHistogram c = merged(point, "cueball");
            WaitHistogram h = merged(point, b);
            points++;
            qpsReached += qps.mean() >= 1 ? 1 : 0;
            qpsBelow += qps.settledBelow() ? 1 : 0;
            p99Reached += p99.mean() <= 1 ? 1 : 0;
            p99Above += p99.settledAbove() ? 1 : 0;
            out.append(String.format(Locale.ROOT, "| %d | %s | %d | %.0f | %.0f | %s | %d of %d | %.0f | %.0f | %s | "
                    + "%.0f | %.0f |%n", first.servers(), label(first.query()), first.threads(),
                    median(point, "cueball"), median(point, b), qps.text(), ahead, byPair.size(),
                    c.percentile(0.99) / 1e3, h.percentile(0.99) / 1e3, p99.text(), c.percentile(0.999) / 1e3,
                    h.percentile(0.999) / 1e3));
        }
        out.append("\nWhat the client spent per operation, pool and driver together (the worker threads' CPU time and ")
                .append("allocation over their windows, `com.sun.management.ThreadMXBean`; the median over a pool's ")
                .append("windows):\n\n");
        out.append(("| servers | query | threads | CPU µs/op cueball | CPU µs/op B | bytes/op cueball | bytes/op B "
                + "|\n").replace("B", bName));
        out.append("|---|---|---|---|---|---|---|\n");
        for (var e : byPoint(rows).entrySet()) {
            List<Row> point = e.getValue();
            Row first = point.get(0);
            out.append(String.format(Locale.ROOT, "| %d | %s | %d | %.1f | %.1f | %.0f | %.0f |%n", first.servers(),
                    label(first.query()), first.threads(), median(point, "cueball", Row::cpuPerOp) / 1e3,
                    median(point, b, Row::cpuPerOp) / 1e3, median(point, "cueball", Row::bytesPerOp),
                    median(point, b, Row::bytesPerOp)));
        }
        out.append(String.format(Locale.ROOT, "%nOf %d points, cueball's queries per second reached " + bName
                + "'s (the "
                + "geometric mean of the pairs' ratios at or above 1) at %d, and were settled below it at %d; its p99 "
                + "was no worse at %d, and settled worse at %d. The p99 ratio is the geometric mean of the pairs' "
                + "ratios of their windows' p99s; the p99 columns are over all of a pool's windows.%n", points,
                qpsReached, qpsBelow, p99Reached, p99Above));
        out.append(END).append('\n');
        System.out.print(out);
    }

    /** The rows of each point, in the order the run measured them. */
    static Map<String, List<Row>> byPoint(List<Row> rows) {
        Map<String, List<Row>> points = new LinkedHashMap<>();
        for (Row r : rows) {
            points.computeIfAbsent(r.servers() + "/" + r.query() + "/" + r.threads(), k -> new ArrayList<>()).add(r);
        }
        return points;
    }

    /** Per pair with both windows: {qps cueball / B, p99 cueball / B} (B: HikariCP, or cueball-b in an A/A run). */
    static List<double[]> pairs(List<Row> point) {
        List<double[]> out = new ArrayList<>();
        int max = point.stream().mapToInt(Row::pair).max().orElse(-1);
        for (int p = 0; p <= max; p++) {
            Row c = null;
            Row h = null;
            for (Row r : point) {
                if (r.pair() == p) {
                    if (r.pool().equals("cueball")) {
                        c = r;
                    } else {
                        h = r;
                    }
                }
            }
            if (c != null && h != null && c.hist().total() > 0 && h.hist().total() > 0) {
                out.add(new double[] {c.qps() / h.qps(),
                    (double) c.hist().percentile(0.99) / h.hist().percentile(0.99)});
            }
        }
        return out;
    }

    /** The geometric mean of column {@code col} of the pairs' ratios, with its 95 % interval (Student's t). */
    static Ratio ratio(List<double[]> byPair, int col) {
        int n = byPair.size();
        if (n == 0) {
            return new Ratio(Double.NaN, Double.NaN, Double.NaN, 0);
        }
        double sum = 0;
        for (double[] r : byPair) {
            sum += Math.log(r[col]);
        }
        double mean = sum / n;
        if (n == 1) {
            return new Ratio(Math.exp(mean), 0, Double.POSITIVE_INFINITY, 1);
        }
        double ss = 0;
        for (double[] r : byPair) {
            double d = Math.log(r[col]) - mean;
            ss += d * d;
        }
        double half = (n - 1 <= T975.length ? T975[n - 2] : 1.96) * Math.sqrt(ss / (n - 1) / n);
        return new Ratio(Math.exp(mean), Math.exp(mean - half), Math.exp(mean + half), n);
    }

    private static double median(List<Row> point, String pool) {
        return median(point, pool, Row::qps);
    }

    private static double median(List<Row> point, String pool, java.util.function.ToDoubleFunction<Row> what) {
        double[] qps = point.stream().filter(r -> r.pool().equals(pool)).mapToDouble(what).sorted().toArray();
        if (qps.length == 0) {
            return Double.NaN;
        }
        int m = qps.length / 2;
        return qps.length % 2 == 1 ? qps[m] : (qps[m - 1] + qps[m]) / 2;
    }

    private static WaitHistogram merged(List<Row> point, String pool) {
        WaitHistogram all = new WaitHistogram();
        point.stream().filter(r -> r.pool().equals(pool)).forEach(r -> all.add(r.hist()));
        return all;
    }

    /** 2, 0.25: no trailing zeros. */
    private static String fmt(double seconds) {
        return java.math.BigDecimal.valueOf(seconds).stripTrailingZeros().toPlainString();
    }

    private static String label(String query) {
        return switch (query) {
            case "select1" -> "`SELECT 1`";
            case "point" -> "point";
            default -> query;
        };
    }

    static List<Row> read(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        List<String> header = Arrays.asList(lines.get(0).split(","));
        List<Row> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            // the histogram, last, has commas of its own
            String[] f = line.split(",", header.size());
            Map<String, String> v = new LinkedHashMap<>();
            for (int i = 0; i < header.size(); i++) {
                v.put(header.get(i), f[i]);
            }
            rows.add(new Row(Integer.parseInt(v.get("servers")), v.get("query"), Integer.parseInt(v.get("threads")),
                    Integer.parseInt(v.get("pair")), v.get("pool"), Double.parseDouble(v.get("qps")),
                    Double.parseDouble(v.get("cpu_ns_per_op")), Double.parseDouble(v.get("bytes_per_op")),
                    WaitHistogram.parse(v.get("histogram"))));
        }
        return rows;
    }
}
