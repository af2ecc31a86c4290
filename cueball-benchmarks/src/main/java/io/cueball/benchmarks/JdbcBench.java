package io.cueball.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.util.Statistics;

/**
 * Runs {@link JdbcBenchmark}: starts three PostgreSQL servers once, then runs every point (query, threads) for
 * both pools in both modes, each in its own JMH fork (with its own warmup), and writes one CSV line per fork.
 * {@link JdbcReport} turns the CSV into RESULTS.md's section.
 *
 * <p><b>Order.</b> Neither pool may gain from going first or last (the machine is shared and its speed drifts):
 * for each point, throughput runs A then B and sample time B then A (ABBA), and A alternates from one point to
 * the next and from one run to the next. Every point is run {@code --runs} times (default 2); each run is
 * reported on its own.
 *
 * <p><b>Where the work lands.</b> Each fork's line also records how the servers shared their CPU while it ran
 * ({@link ServerLoad}): a pool that puts its busy sessions on fewer servers gets cheaper queries here, where the
 * servers share two cores, though it is the wrong thing to do for servers on their own hosts. The points on one
 * server (4 threads by default) compare the pools with that taken away.
 *
 * <p>Options: {@code --out DIR} (default {@code cueball-benchmarks/target/results-jdbc}), {@code --runs N},
 * {@code --threads 4,16} (on three servers), {@code --one-server-threads 4} (the points on one server; {@code
 * none} for none), {@code --queries select1,point}, {@code --pools cueball,hikari}, {@code --modes
 * thrpt,sample}, {@code --jvm-args "..."} (appended to each fork's JVM, e.g. a flight recording), {@code --smoke} (one
 * iteration of 1 s each: to see that it runs, not to measure).
 */
public final class JdbcBench {
    /** The CSV's header; {@link JdbcReport} reads it by these names. */
    static final String HEADER = "run,servers,query,threads,pool,mode,score,error,unit,p50,p99,p999,samples,load";

    private JdbcBench() {
    }

    /**
     * Starts the servers, runs the forks, writes {@code jdbc.csv}, {@code spread.txt} and {@code postgres.txt}
     * into the output folder.
     *
     * @param args see the class comment
     * @throws Exception if the servers cannot start or a fork fails
     */
    public static void main(String[] args) throws Exception {
        Path out = Path.of("cueball-benchmarks/target/results-jdbc");
        int runs = 2;
        List<String> threads = List.of("4", "16");
        List<String> oneServerThreads = List.of("4");
        List<String> queries = List.of("select1", "point");
        List<String> pools = List.of("cueball", "hikari");
        List<String> modes = List.of("thrpt", "sample");
        List<String> jvmArgs = new ArrayList<>();
        boolean smoke = false;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--smoke")) {
                smoke = true;
                continue;
            }
            String value = i + 1 < args.length ? args[i + 1] : null;
            if (value == null) {
                throw new IllegalArgumentException(args[i] + ": a value expected");
            }
            switch (args[i++]) {
                case "--out" -> out = Path.of(value);
                case "--runs" -> runs = Integer.parseInt(value);
                case "--threads" -> threads = List.of(value.split(","));
                case "--one-server-threads" -> oneServerThreads = value.equals("none") ? List.of()
                        : List.of(value.split(","));
                case "--queries" -> queries = List.of(value.split(","));
                case "--pools" -> pools = List.of(value.split(","));
                case "--modes" -> modes = List.of(value.split(","));
                case "--jvm-args" -> jvmArgs.addAll(Arrays.asList(value.trim().split("\\s+")));
                default -> throw new IllegalArgumentException("unknown option " + args[i - 1]
                        + " (expected: --out, --runs, --threads, --one-server-threads, --queries, --pools, --modes, "
                        + "--jvm-args, --smoke)");
            }
        }
        Files.createDirectories(out);
        Path csv = out.resolve("jdbc.csv");
        Path spread = out.resolve("spread.txt");
        Path loadFile = out.resolve("load.txt");
        Files.deleteIfExists(spread);
        Files.writeString(csv, HEADER + "\n");

        try (PostgresServers servers = PostgresServers.start(3)) {
            String addresses = servers.backends().stream().map(b -> b.key()).collect(Collectors.joining(","));
            Files.writeString(out.resolve("postgres.txt"), servers.version() + "\n");
            System.out.println("PostgreSQL " + servers.version() + " on " + addresses);
            // The points on one server use the first of the three; the other two sit idle.
            List<Map.Entry<Integer, String>> points = new ArrayList<>();
            threads.forEach(t -> points.add(Map.entry(3, t)));
            oneServerThreads.forEach(t -> points.add(Map.entry(1, t)));
            int point = 0;
            for (int run = 1; run <= runs; run++) {
                for (Map.Entry<Integer, String> at : points) {
                    int serverCount = at.getKey();
                    String t = at.getValue();
                    String used = servers.backends().stream().limit(serverCount).map(b -> b.key())
                            .collect(Collectors.joining(","));
                    List<String> forkArgs = new ArrayList<>(List.of(JdbcBenchmark.HEAP_MIN, JdbcBenchmark.HEAP_MAX,
                            "-D" + JdbcBenchmark.SERVERS_PROPERTY + "=" + used,
                            "-D" + JdbcBenchmark.SPREAD_PROPERTY + "=" + spread.toAbsolutePath(),
                            "-D" + JdbcBenchmark.LOAD_PROPERTY + "=" + loadFile.toAbsolutePath()));
                    forkArgs.addAll(jvmArgs);
                    for (String q : queries) {
                        List<String> order = new ArrayList<>(pools);
                        if ((run + point) % 2 == 0) {
                            Collections.reverse(order);
                        }
                        point++;
                        for (String m : modes) {
                            for (String p : order) {
                                Files.deleteIfExists(loadFile);
                                RunResult r = runOne(p, q, Integer.parseInt(t), m, forkArgs, smoke);
                                String load = Files.exists(loadFile) ? Files.readString(loadFile).trim() : "";
                                Files.writeString(csv, line(run, serverCount, q, t, p, m, r, load) + "\n",
                                        StandardOpenOption.APPEND);
                            }
                            Collections.reverse(order); // ABBA: the next mode starts with the other
                        }
                    }
                }
            }
        }
        System.out.println("wrote " + csv);
    }

    private static RunResult runOne(String pool, String query, int threads, String mode, List<String> forkArgs,
            boolean smoke) throws RunnerException {
        Mode m = Mode.deepValueOf(mode);
        ChainedOptionsBuilder o = new OptionsBuilder()
                .include(JdbcBenchmark.class.getName() + "\\." + query + "$")
                .param("pool", pool)
                .threads(threads)
                .mode(m)
                .timeUnit(m == Mode.Throughput ? TimeUnit.SECONDS : TimeUnit.MICROSECONDS)
                .jvmArgsAppend(forkArgs.toArray(String[]::new))
                .shouldFailOnError(true);
        if (smoke) { // does it run at all: one short iteration each, numbers meaningless
            o.warmupIterations(1).warmupTime(TimeValue.seconds(1)).measurementIterations(1)
                    .measurementTime(TimeValue.seconds(1));
        }
        System.out.printf(Locale.ROOT, "%n=== %s %s %d threads %s ===%n", pool, query, threads, mode);
        var results = new Runner(o.build()).run();
        if (results.size() != 1) {
            throw new IllegalStateException("expected one result for " + pool + " " + query + ", got "
                    + results.size());
        }
        return results.iterator().next();
    }

    private static String line(int run, int servers, String query, String threads, String pool, String mode,
            RunResult r, String load) {
        Result<?> primary = r.getPrimaryResult();
        Statistics s = primary.getStatistics();
        boolean sample = "sample".equals(mode);
        return String.join(",", Integer.toString(run), Integer.toString(servers), query, threads, pool, mode,
                number(primary.getScore()), number(primary.getScoreError()), primary.getScoreUnit(),
                sample ? number(s.getPercentile(50)) : "", sample ? number(s.getPercentile(99)) : "",
                sample ? number(s.getPercentile(99.9)) : "", Long.toString(s.getN()), load);
    }

    private static String number(double d) {
        return String.format(Locale.ROOT, "%.4f", d);
    }

    /** For the report's header: the servers' version as the run recorded it. */
    static String postgresVersion(Path out) throws IOException {
        Path f = out.resolve("postgres.txt");
        return Files.exists(f) ? Files.readString(f).trim() : "unknown";
    }
}
