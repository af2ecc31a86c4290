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
 * operations; then the comparison. Each pair of windows gives a ratio (cueball / HikariCP), and each unit, two
 * consecutive pairs (pair 2k, A B, and pair 2k + 1, B A), the geometric mean of its two pairs' ratios, in which a drift
 * linear over the unit cancels. The report gives the geometric mean of the units' ratios with a 95 % interval from
 * Student's t over their logarithms (units − 1 degrees of freedom), <b>bold</b> only when the whole interval lies on
 * one side of 1. A pair with a window missing or without an operation is dropped, and with it its unit; the section
 * says how many.
 *
 * <p>Arguments: the results folder, then the commit, machine, JDK and load-average descriptions for the header.
 */
public final class JdbcPairedReport {
    static final String START = "<!-- jdbc:start -->";
    static final String END = "<!-- jdbc:end -->";
    /** Student's t, two-sided 95 %, for 1 to 30 degrees of freedom; {@link #t975} goes on beyond. */
    private static final double[] T975 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060,
        2.056, 2.052, 2.048, 2.045, 2.042};

    private JdbcPairedReport() {
    }

    /** One CSV line: one window. */
    record Row(int servers, String query, int threads, int pair, String pool, double qps, double cpuPerOp,
            double bytesPerOp, WaitHistogram hist) {
    }

    /** One pair's ratios, cueball / B: queries per second, and p99 of its two windows. */
    record PairRatio(int pair, double qps, double p99) {
    }

    /** A point's pairs with both windows measured, and how many of its pairs were dropped. */
    record Pairs(List<PairRatio> kept, int dropped) {
    }

    /** A ratio's geometric mean over the units and its 95 % interval; {@code n} units. */
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
            if (n == 1) {
                return String.format(Locale.ROOT, "%.2f (n/a)", mean);
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
        // B: HikariCP, or in an A/A run (JdbcPaired --aa, --vs-clock) the second cueball pool
        String b = rows.stream().map(Row::pool).filter(p -> !p.equals("cueball")).findFirst().orElse("hikari");
        String bName = b.equals("hikari") ? "HikariCP" : b;
        Map<String, String> settings = new LinkedHashMap<>();
        for (String kv : Files.readString(dir.resolve("paired-settings.txt")).trim().split("\\s+")) {
            settings.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        double windowS = Long.parseLong(settings.get("window_ms")) / 1e3;
        double settleS = Long.parseLong(settings.get("settle_ms")) / 1e3;
        int warmup = Integer.parseInt(settings.get("warmup"));
        // the settings name the pairs since they became even; before, the CSV's highest pair number says
        int pairs = settings.containsKey("pairs") ? Integer.parseInt(settings.get("pairs"))
                : rows.stream().mapToInt(Row::pair).max().orElse(-1) + 1;
        int units = pairs / 2;

        StringBuilder out = new StringBuilder();
        out.append(START).append('\n');
        out.append("## JDBC on real PostgreSQL: cueball against " + bName + "\n\n");
        out.append("Produced by `cueball-benchmarks/run-jdbc.sh` (`JdbcPaired`): a run of its own, apart from the ")
                .append("sections above.\n\n");
        JdbcReport.header(out, dir, args);
        out.append("- method: both pools in one JVM, the same worker threads running the query through one pool at ")
                .append("a time in windows of ").append(fmt(windowS)).append(" s (the first ").append(fmt(settleS))
                .append(" s not counted), ").append(pairs)
                .append(" pairs of windows per point in ABBA order (A B, B A, A B, ...; which pool is A alternates ")
                .append("from point to point), after ").append(warmup)
                .append(" unreported window(s) of each (B A, B A, ...: the last is A's, as if the pair before pair ")
                .append("0). The machine's speed drifts; drift slower than a window falls on both pools alike. Two ")
                .append("consecutive pairs (A B, then B A) make a unit, ").append(units)
                .append(" per point: its ratio is the geometric mean of its two pairs' ratios, in which a drift ")
                .append("linear over the unit cancels, and the interval is Student's t over the units' logarithms. ")
                .append("Queries per second: the operations that started in a window's counted span, over its length ")
                .append("(each thread's last one runs to its end after the span). Every operation is timed ")
                .append("(histograms with buckets 1.6 % wide).\n\n");
        out.append("A pool of ").append(JdbcBenchmark.POOL_SIZE)
                .append(" each, both open through the point. *cueball*: `CueballDataSource` over a ")
                .append("`ConnectionPool` with a `StaticResolver` of the servers and `JdbcConnectionFactory`, ")
                .append("`threadAffinity(10_000)` as the README advises for databases (a thread keeps its ")
                .append("connection, and so its server process, for up to 10 000 claims in a row). *HikariCP*: ")
                .append("pgjdbc's multi-host URL with `loadBalanceHosts=true`, `maximumPoolSize` and `minimumIdle` ")
                .append(JdbcBenchmark.POOL_SIZE).append(". Both connect with the same driver properties (`sslmode=disable`, `connectTimeout` and ")
                .append("`loginTimeout` 10, `socketTimeout` 0, pgjdbc's defaults otherwise, so `prepareThreshold` 5), ")
                .append("auto-commit on. `SELECT 1` runs as a `Statement`; the point query `")
                .append(JdbcBenchmark.POINT_QUERY).append("` as a `PreparedStatement` on a table of ")
                .append(PostgresServers.ROWS).append(" rows, with ids from a seeded source per thread and pool, ")
                .append("seeded alike (over a point both pools consume a prefix of the same sequence on each thread, ")
                .append("not the same ids in each window). One operation: get a connection, run the query, read the ")
                .append("row, close statement and connection.\n\n");

        out.append(("| servers | query | threads | qps cueball | qps B | qps cueball / B | units | pairs with more qps "
                + "for cueball | p99 cueball (µs) | p99 B | p99 cueball / B | p99.9 cueball | p99.9 B |\n")
                .replace("B", bName));
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        int points = 0;
        int qpsReached = 0;
        int qpsBelow = 0;
        int p99Reached = 0;
        int p99Above = 0;
        List<String> droppedNotes = new ArrayList<>();
        boolean noInterval = false;
        Map<String, List<Row>> byPoint = byPoint(rows);
        for (var e : byPoint.entrySet()) {
            List<Row> point = e.getValue();
            Row first = point.get(0);
            Pairs byPair = pairs(point, pairs);
            List<double[]> byUnit = units(byPair, pairs);
            Ratio qps = ratio(byUnit, 0);
            Ratio p99 = ratio(byUnit, 1);
            long ahead = byPair.kept().stream().filter(r -> r.qps() > 1).count();
            noInterval |= byUnit.size() < 2;
            if (byPair.dropped() > 0) {
                droppedNotes.add(String.format(Locale.ROOT, "%d server(s), %s, %d threads: %d of %d pairs dropped, "
                        + "%d of %d units left", first.servers(), JdbcReport.label(first.query()), first.threads(),
                        byPair.dropped(), pairs, byUnit.size(), units));
            }
            WaitHistogram c = merged(point, "cueball");
            WaitHistogram h = merged(point, b);
            points++;
            qpsReached += qps.mean() >= 1 ? 1 : 0;
            qpsBelow += qps.settledBelow() ? 1 : 0;
            p99Reached += p99.mean() <= 1 ? 1 : 0;
            p99Above += p99.settledAbove() ? 1 : 0;
            out.append(String.format(Locale.ROOT, "| %d | %s | %d | %.0f | %.0f | %s | %d | %d of %d | %.0f | %.0f | "
                    + "%s | %.0f | %.0f |%n", first.servers(), JdbcReport.label(first.query()), first.threads(),
                    median(point, "cueball"), median(point, b), qps.text(), byUnit.size(), ahead,
                    byPair.kept().size(),
                    c.percentile(0.99) / 1e3, h.percentile(0.99) / 1e3, p99.text(), c.percentile(0.999) / 1e3,
                    h.percentile(0.999) / 1e3));
        }
        if (!droppedNotes.isEmpty()) {
            out.append("\nPairs dropped (a window missing, or without an operation), and with each its unit: ")
                    .append(String.join("; ", droppedNotes)).append(".\n");
        }
        if (noInterval) {
            out.append("\nn/a: a point with fewer than two units has no interval; run more pairs.\n");
        }
        out.append("\nWhat the worker threads spent per operation: the pool's and the driver's work on the calling ")
                .append("thread, not the pools' own timer or housekeeping threads (the worker threads' CPU time and ")
                .append("allocation over their windows, `com.sun.management.ThreadMXBean`; the median over a pool's ")
                .append("windows):\n\n");
        out.append(("| servers | query | threads | CPU µs/op cueball | CPU µs/op B | bytes/op cueball | bytes/op B "
                + "|\n").replace("B", bName));
        out.append("|---|---|---|---|---|---|---|\n");
        for (var e : byPoint.entrySet()) {
            List<Row> point = e.getValue();
            Row first = point.get(0);
            out.append(String.format(Locale.ROOT, "| %d | %s | %d | %.1f | %.1f | %.0f | %.0f |%n", first.servers(),
                    JdbcReport.label(first.query()), first.threads(), median(point, "cueball", Row::cpuPerOp) / 1e3,
                    median(point, b, Row::cpuPerOp) / 1e3, median(point, "cueball", Row::bytesPerOp),
                    median(point, b, Row::bytesPerOp)));
        }
        out.append(String.format(Locale.ROOT, "%nOf %d points, cueball's queries per second reached " + bName
                + "'s (the geometric mean of the units' ratios at or above 1) at %d, and were settled below it at %d; "
                + "its p99 was no worse at %d, and settled worse at %d. The p99 ratio is the geometric mean of the "
                + "units' ratios, each the geometric mean of its two pairs' ratios of their windows' p99s; the p99 "
                + "columns are over all of a pool's windows.%n", points, qpsReached, qpsBelow, p99Reached, p99Above));
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

    /**
     * The pairs of a point with both windows measured, {cueball / B} for queries per second and p99 (B: HikariCP, or
     * cueball-b in an A/A run); a pair with a window missing or without an operation is dropped and counted.
     */
    static Pairs pairs(List<Row> point, int count) {
        List<PairRatio> kept = new ArrayList<>();
        for (int p = 0; p < count; p++) {
            Row c = null;
            Row h = null;
            for (Row r : point) {
                if (r.pair() == p) {
                    boolean isCueball = r.pool().equals("cueball");
                    if (isCueball ? c != null : h != null) {
                        throw new IllegalArgumentException("paired.csv has pair " + p + " of " + r.pool() + " twice at "
                                + r.servers() + " server(s), " + r.query() + ", " + r.threads() + " threads");
                    }
                    if (isCueball) {
                        c = r;
                    } else {
                        h = r;
                    }
                }
            }
            if (c != null && h != null && c.hist().total() > 0 && h.hist().total() > 0) {
                kept.add(new PairRatio(p, c.qps() / h.qps(),
                        (double) c.hist().percentile(0.99) / h.hist().percentile(0.99)));
            }
        }
        return new Pairs(kept, count - kept.size());
    }

    /**
     * Per unit (pairs 2k and 2k + 1, one with each pool first) with both pairs kept: the geometric means of the two
     * pairs' ratios, {queries per second, p99}. A unit with a pair dropped is left out, as is an odd last pair.
     */
    static List<double[]> units(Pairs pairs, int count) {
        Map<Integer, PairRatio> byIndex = new LinkedHashMap<>();
        pairs.kept().forEach(r -> byIndex.put(r.pair(), r));
        List<double[]> out = new ArrayList<>();
        for (int k = 0; 2 * k + 1 < count; k++) {
            PairRatio x = byIndex.get(2 * k);
            PairRatio y = byIndex.get(2 * k + 1);
            if (x != null && y != null) {
                out.add(new double[] {Math.sqrt(x.qps() * y.qps()), Math.sqrt(x.p99() * y.p99())});
            }
        }
        return out;
    }

    /** The geometric mean of column {@code col} of the units' ratios, with its 95 % interval (Student's t). */
    static Ratio ratio(List<double[]> byUnit, int col) {
        int n = byUnit.size();
        if (n == 0) {
            return new Ratio(Double.NaN, Double.NaN, Double.NaN, 0);
        }
        double sum = 0;
        for (double[] r : byUnit) {
            sum += Math.log(r[col]);
        }
        double mean = sum / n;
        if (n == 1) {
            return new Ratio(Math.exp(mean), 0, Double.POSITIVE_INFINITY, 1);
        }
        double ss = 0;
        for (double[] r : byUnit) {
            double d = Math.log(r[col]) - mean;
            ss += d * d;
        }
        double half = t975(n - 1) * Math.sqrt(ss / (n - 1) / n);
        return new Ratio(Math.exp(mean), Math.exp(mean - half), Math.exp(mean + half), n);
    }

    /**
     * Student's t, two-sided 95 %, for {@code df} degrees of freedom: the table up to 30, beyond it Fisher's expansion
     * z + (z³ + z) / (4 df) with z = 1.959964 (2.019 at 40, 2.000 at 60), not the normal's 1.96, which would narrow
     * the interval.
     */
    static double t975(int df) {
        if (df <= T975.length) {
            return T975[df - 1];
        }
        double z = 1.959964;
        return z + (z * z * z + z) / (4.0 * df);
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
