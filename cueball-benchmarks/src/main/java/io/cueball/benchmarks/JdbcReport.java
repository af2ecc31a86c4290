package io.cueball.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Turns one {@link JdbcBench} run ({@code jdbc.csv}, {@code spread.txt}, {@code postgres.txt}) into RESULTS.md's
 * section of the JMH forks ({@code run-jdbc.sh --jmh}), between the markers it replaces. The section {@code
 * run-jdbc.sh} writes by default is {@link JdbcPairedReport}'s.
 *
 * <p>Arguments: the results folder, then the commit, machine, JDK and load-average descriptions for the header.
 */
public final class JdbcReport {
    static final String START = "<!-- jdbc-jmh:start -->";
    static final String END = "<!-- jdbc-jmh:end -->";
    /** Above this 1-minute load average before the run, the section says the numbers were taken under load. */
    private static final double QUIET_LOAD = 1.5;

    private JdbcReport() {
    }

    /** One CSV line: one fork. */
    private record Row(int run, int servers, String query, int threads, String pool, String mode, double score,
            double p50, double p99, double p999, String load) {
    }

    /**
     * Prints the section.
     *
     * @param args results folder, commit, machine, JDK, the load average before the run ({@code /proc/loadavg})
     * @throws IOException if a file cannot be read
     */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        List<Row> rows = read(dir.resolve("jdbc.csv"));
        StringBuilder out = new StringBuilder();
        out.append(START).append('\n');
        out.append("## JDBC on real PostgreSQL with JMH forks (`run-jdbc.sh --jmh`)\n\n");
        out.append("Produced by `cueball-benchmarks/run-jdbc.sh --jmh` (`JdbcBench`, `JdbcBenchmark`): a run of its ")
                .append("own. One fork per pool and point on a machine whose speed drifts: see the paired section above ")
                .append("for the comparison that cancels the drift.\n\n");
        header(out, dir, args);
        out.append("- JMH: one fork per pool, query, thread count and mode (throughput, then sample time for the ")
                .append("percentiles), each with its own warmup: 3 iterations of 2 s, then 3 measured of 3 s. For each ")
                .append("point the pools run in ABBA order (throughput A B, sample time B A), and which pool is A ")
                .append("alternates from point to point and between runs. Every point ran once per run; every run ")
                .append("is shown.\n\n");
        out.append("A pool of 12. *cueball*: `CueballDataSource` over a `ConnectionPool` with a `StaticResolver` of ")
                .append("the three servers and `JdbcConnectionFactory`, `threadAffinity(10_000)` as the README advises ")
                .append("for databases: a thread keeps its connection, and so its server process, for up to 10 000 ")
                .append("claims in a row. A move to another session costs far more than its one query: `JdbcProbe`, ")
                .append("which counts how often a thread changes connections, measured cueball at 0.61–0.98× HikariCP's ")
                .append("queries per second window by window with 1000 (about one change per 1000 queries), 0.95–1.12× ")
                .append("with 10 000 (0.1 per 1000), and 0.82–1.35× (1.00–1.04 in three of its five windows) with ")
                .append("1 000 000 (no change at all); with 0 (every claim ")
                .append("takes the oldest idle session) the servers spent about 42 µs of CPU per `SELECT 1` against 25. ")
                .append("*HikariCP*: pgjdbc's multi-host URL with ")
                .append("`loadBalanceHosts=true`, `maximumPoolSize` and `minimumIdle` 12. Both connect with the same ")
                .append("driver properties (`sslmode=disable`, `connectTimeout` and `loginTimeout` 10, ")
                .append("`socketTimeout` 0, pgjdbc's defaults otherwise, so `prepareThreshold` 5), auto-commit on. ")
                .append("`SELECT 1` runs as a `Statement`; the point query `")
                .append(JdbcBenchmark.POINT_QUERY).append("` as a `PreparedStatement` on a table of ")
                .append(PostgresServers.ROWS).append(" rows, with ids from a seeded source per thread. One operation: ")
                .append("get a connection, run the query, read the row, close statement and connection.\n\n");
        out.append("Connections per server, as the servers counted them after each fork's pool filled: ")
                .append(spread(dir.resolve("spread.txt"))).append(".\n\n");
        out.append("**Where the work lands.** The last column is how the servers shared their CPU while the fork ")
                .append("ran (every `postgres` process's CPU from `/proc`, summed per server), busiest first. With 4 ")
                .append("threads only 4 of the 12 sessions are busy at a time: HikariCP's threads keep the sessions they ")
                .append("first took, on whichever servers pgjdbc picked (often two of the three); cueball's sessions are ")
                .append("spread evenly over the servers and its threads take turns over them every 10 000 claims. Here ")
                .append("the servers share two cores with the client, so piling work onto fewer servers can make ")
                .append("queries cheaper; with servers on their own hosts that pile is the hot spot a multi-node pool ")
                .append("exists to avoid. The points on **one server** take the spread out of the comparison.\n\n");

        out.append("### Queries per second and p99\n\n");
        out.append("| servers | query | threads | run | qps cueball | qps HikariCP | qps cueball / HikariCP ")
                .append("| p99 cueball (µs) | p99 HikariCP (µs) | p99 cueball / HikariCP ")
                .append("| servers' CPU, busiest first (%): cueball | HikariCP |\n");
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        int points = 0;
        int qpsReached = 0;
        int p99Reached = 0;
        for (Key k : keys(rows)) {
            Row ct = find(rows, k, "cueball", "thrpt");
            Row ht = find(rows, k, "hikari", "thrpt");
            Row cs = find(rows, k, "cueball", "sample");
            Row hs = find(rows, k, "hikari", "sample");
            double qpsRatio = ratio(ct == null ? Double.NaN : ct.score(), ht == null ? Double.NaN : ht.score());
            double p99Ratio = ratio(cs == null ? Double.NaN : cs.p99(), hs == null ? Double.NaN : hs.p99());
            points++;
            qpsReached += qpsRatio >= 1 ? 1 : 0;
            p99Reached += p99Ratio <= 1 ? 1 : 0;
            out.append(String.format(Locale.ROOT, "| %d | %s | %d | %d | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                    k.servers(), label(k.query()), k.threads(), k.run(), fmt(ct == null ? Double.NaN : ct.score(), 0),
                    fmt(ht == null ? Double.NaN : ht.score(), 0), fmt(qpsRatio, 2),
                    fmt(cs == null ? Double.NaN : cs.p99(), 0), fmt(hs == null ? Double.NaN : hs.p99(), 0),
                    fmt(p99Ratio, 2), ct == null ? "n/a" : ct.load(), ht == null ? "n/a" : ht.load()));
        }
        out.append(String.format(Locale.ROOT, "%ncueball's queries per second reached HikariCP's in %d of %d "
                + "(point, run) pairs, and its p99 was no worse in %d of %d.%n", qpsReached, points, p99Reached,
                points));

        // Per point, over its runs: the geometric mean of the ratios (one run's drift does not decide a point).
        out.append("\nPer point, the geometric mean of the ratios over its runs:\n\n");
        out.append("| servers | query | threads | runs | qps cueball / HikariCP | p99 cueball / HikariCP |\n");
        out.append("|---|---|---|---|---|---|\n");
        Map<String, List<double[]>> perPoint = new LinkedHashMap<>();
        for (Key k : keys(rows)) {
            Row ct = find(rows, k, "cueball", "thrpt");
            Row ht = find(rows, k, "hikari", "thrpt");
            Row cs = find(rows, k, "cueball", "sample");
            Row hs = find(rows, k, "hikari", "sample");
            if (ct != null && ht != null && cs != null && hs != null) {
                perPoint.computeIfAbsent(k.servers() + " | " + label(k.query()) + " | " + k.threads(),
                        x -> new ArrayList<>())
                        .add(new double[] {ct.score() / ht.score(), cs.p99() / hs.p99()});
            }
        }
        for (var e : perPoint.entrySet()) {
            double q = 0;
            double p = 0;
            for (double[] r : e.getValue()) {
                q += Math.log(r[0]);
                p += Math.log(r[1]);
            }
            int n = e.getValue().size();
            out.append(String.format(Locale.ROOT, "| %s | %d | %s | %s |%n", e.getKey(), n, fmt(Math.exp(q / n), 2),
                    fmt(Math.exp(p / n), 2)));
        }

        out.append("\n### p50 and p99.9 (µs, sample time)\n\n");
        out.append("| servers | query | threads | run | p50 cueball | p50 HikariCP | p99.9 cueball | p99.9 HikariCP |\n");
        out.append("|---|---|---|---|---|---|---|---|\n");
        for (Key k : keys(rows)) {
            Row cs = find(rows, k, "cueball", "sample");
            Row hs = find(rows, k, "hikari", "sample");
            out.append(String.format(Locale.ROOT, "| %d | %s | %d | %d | %s | %s | %s | %s |%n", k.servers(),
                    label(k.query()), k.threads(), k.run(), fmt(cs == null ? Double.NaN : cs.p50(), 0),
                    fmt(hs == null ? Double.NaN : hs.p50(), 0), fmt(cs == null ? Double.NaN : cs.p999(), 0),
                    fmt(hs == null ? Double.NaN : hs.p999(), 0)));
        }
        out.append(END).append('\n');
        System.out.print(out);
    }

    /**
     * The run's header lines, the same for both JDBC sections: commit, machine, JDK, the servers, and the load
     * average before the run, flagged when other work was running.
     *
     * @param args results folder, commit, machine, JDK, the load average before the run ({@code /proc/loadavg})
     */
    static void header(StringBuilder out, Path dir, String[] args) throws IOException {
        String load = args[4].trim();
        double load1 = Double.parseDouble(load.split("\\s+")[0]);
        out.append("- commit: `").append(args[1]).append("`\n");
        out.append("- machine: ").append(args[2]).append('\n');
        out.append("- JDK: ").append(args[3]).append('\n');
        out.append("- PostgreSQL ").append(JdbcBench.postgresVersion(dir)).append(" (zonky's embedded binaries): ")
                .append("three servers on 127.0.0.1, started once for the whole run (the points on one server use the ")
                .append("first). ");
        Path cpus = dir.resolve("cpus.txt");
        if (Files.exists(cpus)) {
            String[] split = Files.readString(cpus).trim().split("/");
            out.append("The benchmark's JVM ran on CPU(s) ").append(split[0]).append(" and the servers on CPU(s) ")
                    .append(split[1]).append(" (`--cpus`), as servers on hosts of their own would: neither side's ")
                    .append("threads queue for a CPU behind the other's.\n");
        } else {
            out.append("They and the benchmark's JVM share this machine's cores, so every microsecond a pool spends is ")
                    .append("a microsecond the servers do not get.\n");
        }
        out.append("- load average before the run (1, 5, 15 min): ").append(load);
        if (load1 >= QUIET_LOAD) {
            out.append(" — **taken under load**: other work was running on the machine (the 1-minute average ")
                    .append("was at or above ").append(QUIET_LOAD).append("); read the numbers with that in mind");
        }
        out.append('\n');
    }

    private record Key(int servers, String query, int threads, int run) {
    }

    /** Points in the order servers (most first), query, threads, run: the runs of a point side by side. */
    private static List<Key> keys(List<Row> rows) {
        List<String> queries = rows.stream().map(Row::query).distinct().toList();
        TreeSet<Integer> servers = new TreeSet<>(java.util.Comparator.reverseOrder());
        TreeSet<Integer> threads = new TreeSet<>();
        TreeSet<Integer> runs = new TreeSet<>();
        rows.forEach(r -> {
            servers.add(r.servers());
            threads.add(r.threads());
            runs.add(r.run());
        });
        List<Key> keys = new ArrayList<>();
        for (int sv : servers) {
            for (String q : queries) {
                for (int t : threads) {
                    for (int run : runs) {
                        Key k = new Key(sv, q, t, run);
                        if (rows.stream().anyMatch(r -> r.servers() == sv && r.query().equals(q)
                                && r.threads() == t && r.run() == run)) {
                            keys.add(k);
                        }
                    }
                }
            }
        }
        return keys;
    }

    private static Row find(List<Row> rows, Key k, String pool, String mode) {
        for (Row r : rows) {
            if (r.servers() == k.servers() && r.query().equals(k.query()) && r.threads() == k.threads()
                    && r.run() == k.run()
                    && r.pool().equals(pool) && r.mode().equals(mode)) {
                return r;
            }
        }
        return null;
    }

    /** A query's name as the JDBC sections print it. */
    static String label(String query) {
        return switch (query) {
            case "select1" -> "`SELECT 1`";
            case "point" -> "point";
            default -> query;
        };
    }

    private static double ratio(double a, double b) {
        return a / b;
    }

    private static String fmt(double d, int decimals) {
        return Double.isNaN(d) ? "n/a" : String.format(Locale.ROOT, "%." + decimals + "f", d);
    }

    /** "cueball 4/4/4 in all 16 forks; HikariCP 6/4/2, 2/5/5, ..." */
    private static String spread(Path file) throws IOException {
        if (!Files.exists(file)) {
            return "not recorded";
        }
        Map<String, List<String>> byPool = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            String[] f = line.trim().split(" ");
            if (f.length == 2 && f[1].contains("/")) { // the points on one server have nothing to spread
                byPool.computeIfAbsent(f[0], x -> new ArrayList<>()).add(f[1]);
            }
        }
        List<String> parts = new ArrayList<>();
        for (var e : byPool.entrySet()) {
            String name = e.getKey().equals("hikari") ? "HikariCP" : e.getKey();
            List<String> spreads = e.getValue();
            if (spreads.stream().distinct().count() == 1) {
                parts.add(name + " " + spreads.get(0) + " in all " + spreads.size() + " forks");
            } else {
                parts.add(name + " " + String.join(", ", spreads));
            }
        }
        return String.join("; ", parts);
    }

    private static List<Row> read(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        List<String> header = Arrays.asList(lines.get(0).split(","));
        List<Row> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            Map<String, String> v = new HashMap<>();
            for (int i = 0; i < header.size(); i++) {
                v.put(header.get(i), i < f.length ? f[i] : "");
            }
            String servers = v.getOrDefault("servers", "");
            rows.add(new Row(Integer.parseInt(v.get("run")), servers.isEmpty() ? 3 : Integer.parseInt(servers),
                    v.get("query"), Integer.parseInt(v.get("threads")), v.get("pool"), v.get("mode"),
                    number(v.get("score")), number(v.get("p50")), number(v.get("p99")), number(v.get("p999")),
                    v.getOrDefault("load", "")));
        }
        return rows;
    }

    private static double number(String s) {
        return s == null || s.isEmpty() || s.equals("NaN") ? Double.NaN : Double.parseDouble(s);
    }
}
