package io.cueball.benchmarks;

import io.cueball.PoolOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns the CSV files of one {@code run.sh} run into RESULTS.md's tables.
 *
 * <p>Arguments: the results folder, then the commit, machine and JDK descriptions to print in the header.
 */
public final class Report {
    private static final String[] POOLS = {"cueball", "cueball-fifo", "hikari", "commons-pool2"};
    private static final String[] NAMES = {"cueball", "cueball, strict FIFO", "HikariCP", "commons-pool2"};

    private Report() {
    }

    /** One CSV row of JMH's output. */
    private record Row(String benchmark, String mode, int threads, double score, double error, String unit,
            Map<String, String> params) {
    }

    /**
     * Prints the report.
     *
     * @param args results folder, commit, machine, JDK
     * @throws IOException if a file cannot be read
     */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        List<Row> thrpt = read(dir.resolve("claim-thrpt.csv"));
        List<Row> gc = read(dir.resolve("claim-gc.csv"));
        List<Row> exhaustion = read(dir.resolve("exhaustion.csv"));
        List<Row> plan = read(dir.resolve("plan.csv"));
        String scenarios = Files.readString(dir.resolve("scenarios.md"));
        String latencyBefore = Files.readString(dir.resolve("latency-before.txt")).trim();
        String latencyAfter = Files.readString(dir.resolve("latency-after.txt")).trim();

        StringBuilder out = new StringBuilder();
        out.append("# Benchmark results\n\n");
        out.append("Produced by `cueball-benchmarks/run.sh` (see the module's README); every number below is from ")
                .append("one run of it, except the JDBC section at the end, which `run-jdbc.sh` writes from a run of ")
                .append("its own.\n\n");
        out.append("- commit: `").append(args[1]).append("`\n");
        out.append("- machine: ").append(args[2]).append('\n');
        out.append("- JDK: ").append(args[3]).append('\n');
        out.append("- cross-core round trip of one cache line (`CrossCoreLatency`; it moves with where the host puts ")
                .append("the vCPUs, and so does every pool that shares state): ").append(latencyBefore)
                .append(" before the benchmarks, ").append(latencyAfter).append(" after\n");
        out.append("- JMH: 1 fork, 2 warmup iterations of 1 s, 3 measurement iterations of 2 s per point; the ")
                .append("error columns are JMH's 99.9 % intervals. On 2 cores, read differences under ~10 % as noise.\n\n");

        out.append("## Claim + release throughput (ops/µs, higher is better)\n\n");
        out.append("A claim and an immediate release, nothing in between: the pool's own cost. Connections are ")
                .append("stubs that do nothing (cueball: over 4 backends; HikariCP: a stub DataSource; commons-pool2: ")
                .append("plain objects). *cueball* runs with its defaults (`threadAffinity` ")
                .append(PoolOptions.DEFAULT_THREAD_AFFINITY).append(": a thread gets back the connection it released ")
                .append("up to that many times in a row, then takes its turn in the FIFO queue); *strict FIFO* is ")
                .append("`threadAffinity(0)`, where every claim takes the oldest idle connection.\n\n");
        out.append("| size | threads |");
        for (String n : NAMES) {
            out.append(' ').append(n).append(" |");
        }
        out.append(" cueball / HikariCP | cueball / commons-pool2 | strict FIFO / HikariCP |\n");
        out.append("|---|---|---|---|---|---|---|---|---|\n");
        for (String size : new String[] {"8", "32"}) {
            for (int threads : new int[] {1, 4, 16}) {
                double[] s = new double[POOLS.length];
                StringBuilder line = new StringBuilder("| " + size + " | " + threads + " |");
                for (int p = 0; p < POOLS.length; p++) {
                    Row r = find(thrpt, "threads" + String.format("%02d", threads), POOLS[p], size, null);
                    s[p] = r == null ? Double.NaN : r.score();
                    line.append(r == null ? " n/a |" : String.format(Locale.ROOT, " %.2f ± %.2f |", r.score(), r.error()));
                }
                out.append(line).append(String.format(Locale.ROOT, " %.2f | %.2f | %.2f |%n", s[0] / s[2], s[0] / s[3],
                        s[1] / s[2]));
            }
        }

        out.append("\n## Allocation per claim + release (bytes/op, `-prof gc`)\n\n");
        out.append("| size | threads |");
        for (String n : NAMES) {
            out.append(' ').append(n).append(" |");
        }
        out.append("\n|---|---|---|---|---|---|\n");
        for (String size : new String[] {"8", "32"}) {
            for (int threads : new int[] {1, 4, 16}) {
                StringBuilder line = new StringBuilder("| " + size + " | " + threads + " |");
                for (String pool : POOLS) {
                    Row r = find(gc, "threads" + String.format("%02d", threads), pool, size, "gc.alloc.rate.norm");
                    line.append(r == null ? " n/a |" : String.format(Locale.ROOT, " %.1f |", r.score()));
                }
                out.append(line).append('\n');
            }
        }
        out.append("\nA cueball `Claim` is 32 bytes (with compressed oops): 32 B/op is that one object and nothing else. HikariCP allocates a connection proxy per claim.\n");

        out.append("\n## Exhaustion: 16 threads on a pool of 8, each holding its connection ~1 µs of CPU\n\n");
        out.append("| pool | throughput (ops/µs) | p50 (µs) | p99 (µs) | p99.9 (µs) |\n|---|---|---|---|---|\n");
        for (int p = 0; p < POOLS.length; p++) {
            String pool = POOLS[p];
            Row t = find(exhaustion, "sixteenThreadsOnEight", pool, null, null, "thrpt");
            Row p50 = find(exhaustion, "sixteenThreadsOnEight", pool, null, "p0.50");
            Row p99 = find(exhaustion, "sixteenThreadsOnEight", pool, null, "p0.99");
            Row p999 = find(exhaustion, "sixteenThreadsOnEight", pool, null, "p0.999");
            out.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s |%n", NAMES[p], fmt(t), fmt(p50), fmt(p99),
                    fmt(p999)));
        }

        out.append("\n## The rebalance plan's cost (µs per plan, 1 000 connections, weighted, a tenth dead)\n\n");
        out.append("| backends | µs |\n|---|---|\n");
        for (String n : new String[] {"10", "1000", "10000"}) {
            Row r = plan.stream().filter(x -> n.equals(x.params().get("backends"))).findFirst().orElse(null);
            out.append("| ").append(n).append(" | ").append(fmt(r)).append(" |\n");
        }

        out.append("\n## Failover and convergence on real loopback TCP backends\n\n");
        out.append("Default timings (rebalanceDelay 100 ms, backoff from 100 ms); 8 workers each echoing a byte ")
                .append("per claim through a pool of 9 over 3 backends.\n\n");
        out.append(scenarios);
        System.out.print(out);
    }

    private static String fmt(Row r) {
        return r == null ? "n/a" : String.format(Locale.ROOT, "%.3f", r.score());
    }

    private static Row find(List<Row> rows, String method, String pool, String size, String secondary) {
        return find(rows, method, pool, size, secondary, null);
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
            if (secondary == null ? metric == null : metric != null && metric.endsWith(secondary)) {
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
