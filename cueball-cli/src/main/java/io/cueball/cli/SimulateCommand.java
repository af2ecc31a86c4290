package io.cueball.cli;

import io.cueball.HostSelection;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cueball simulate}: a Monte Carlo comparison of the pool's backend-selection strategies
 * ({@link HostSelection}), after pooly's simulations ({@code egreedy_test.go}, {@code softmax_test.go}).
 *
 * <p><b>The model</b> ({@link BanditModel}, scenarios {@code pooly} and {@code custom}). Backends have a success
 * probability p, a latency (exponentially distributed with the given mean) and a capacity (requests in flight;
 * one more fails at once as "busy"). Requests arrive as a Poisson process; for each, the strategy, the pool's own
 * {@link HostSelection#choose}, picks a backend from the backends' current scores; the outcome (1 success, 0
 * failure) updates that backend's score when the request completes. The score is the pool's: the
 * recency-weighted mean of the outcomes over the last minute (of simulated time), 1.0 before any outcome, so an
 * untried backend gets tried (the pool's own {@link io.cueball.internal.Score}, whose notes say how it relates to
 * pooly's). Every draw is seeded; every strategy meets the same arrivals, outcomes and latencies run by run.
 *
 * <p><b>Scenarios.</b> {@code pooly}: pooly's own, three backends succeeding with probability 0.1, 0.1 and 0.9,
 * one request at a time (they answer at once, so latency and capacity play no part and the score is the mean of
 * all the backend's outcomes so far), horizon 250. {@code custom}: the backends given with {@code --backend},
 * requests at {@code --rate} per second. {@code tcp}: {@link TcpComparison}, the same comparison through a real
 * {@code ConnectionPool} over loopback TCP servers that fail requests with the set probabilities, one request at
 * a time at {@code --rate} per second (default 1000), the pool's score decay 200 ms so that it learns within a
 * run. {@code fleet}: {@link FleetSimulation}, pools over shared backends planned by the pool's rebalance plan,
 * ranking backends by key order, shuffled or by deterministic subsetting.
 *
 * <p><b>Output.</b> A table: per strategy the mean score (mean outcome over all trials and runs), the regret
 * ({@code horizon * best p − successes}, averaged over the runs) and each backend's share of the trials; and two
 * PNG plots in {@code --out}: the average score against the trials (pooly's plot) and each backend's share over
 * time.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true, sortOptions = false,
        // One element per paragraph: picocli wraps each, and the command list shows the first alone.
        description = {"Compares the pool's backend-selection strategies by Monte Carlo simulation, with plots.",
            "The model: backends succeed with probability p, take an exponentially distributed time with the given"
                + " mean latency, and hold at most `capacity` requests in flight (one more fails at once as busy)."
                + " Requests arrive as a Poisson process; for each, the strategy (the pool's own code) picks a"
                + " backend from the backends' current scores, and the outcome (1 success, 0 failure) updates that"
                + " backend's score when the request completes. The score is the pool's: the recency-weighted mean"
                + " of the outcomes of the last minute, 1.0 before any outcome so an untried backend gets tried.",
            "Scenarios: pooly (pooly's simulations: three backends succeeding with p = 0.1, 0.1 and 0.9, one"
                + " request at a time, horizon 250); custom (the --backend list, requests at --rate per second); tcp"
                + " (the same comparison through a real pool over loopback TCP servers that fail requests with the"
                + " set probabilities, one request at a time at --rate per second, the pool's score decay 200 ms so"
                + " it learns within a run); fleet (--pools pools of --max connections over --backends backends, each"
                + " planned by the pool's own rebalance plan: the connections each backend gets when pools rank"
                + " backends by key order, by a shuffled order of their own (the default) or by deterministic"
                + " subsetting, and what adding one backend moves).",
            "Prints per strategy the mean score (mean outcome over all trials and runs), the regret (horizon x best"
                + " p - successes, averaged over runs) and each backend's share of the trials; writes two PNGs to"
                + " --out: average score against trials, and each backend's share over time. For fleet: per method"
                + " the backends left empty, the fewest and most connections per backend, and two PNGs: connections"
                + " per backend, and their distribution over the runs.",
            "Seeded: in the pooly, custom and fleet scenarios the same options print the same table (tcp runs on"
                + " real time and sockets, so its numbers vary a little)."})
final class SimulateCommand implements Callable<Integer> {
    static final String DEFAULT_STRATEGIES =
            "round-robin,epsilon-greedy:0.1,epsilon-greedy:0.5,softmax:0.1,softmax:0.2,least-in-use";
    /** pooly's hosts: echo1, echo2 and echo3 succeed with these probabilities. */
    static final double[] POOLY_P = {0.1, 0.1, 0.9};
    /** pooly's simulations take about a millisecond a trial; with zero latency only the score's clock sees it. */
    private static final double POOLY_RATE = 1_000;
    /** The tcp scenario's pace: a run of 250 requests lasts 250 ms, 25 of the pool's score ticks. */
    private static final double TCP_RATE = 1_000;
    /** The most requests per strategy the tcp scenario sends over real sockets. */
    private static final long MAX_TCP_REQUESTS = 100_000;
    private static final int MAX_RUNS = 100_000;
    private static final int MAX_HORIZON = 1_000_000;
    private static final long MAX_TRIALS = 100_000_000L;
    private static final int MAX_BACKENDS = 20;
    private static final int MAX_POOLS = 100_000;
    private static final int MAX_FLEET_CONNECTIONS = 10_000;

    @Spec
    CommandSpec spec;

    @Option(names = "--scenario", defaultValue = "pooly", paramLabel = "NAME",
            description = "pooly, custom, fleet or tcp (default: ${DEFAULT-VALUE}).")
    String scenario;

    @Option(names = "--strategies", paramLabel = "LIST",
            description = "Comma-separated: round-robin, weighted, epsilon-greedy:EPSILON, softmax:TEMPERATURE,"
                    + " least-in-use (default: " + DEFAULT_STRATEGIES + ").")
    String strategies;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N",
            description = "Seed of every random draw (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--runs", paramLabel = "N",
            description = "Monte Carlo runs averaged per strategy or fleet method (default: 200; 5 for tcp).")
    Integer runs;

    @Option(names = "--horizon", paramLabel = "N",
            description = "Trials (requests) per run (default: 250; 1000 for custom).")
    Integer horizon;

    @Option(names = "--out", defaultValue = "simulate-out", paramLabel = "DIR",
            description = "Where the PNG plots go (default: ${DEFAULT-VALUE}).")
    String out;

    @Option(names = "--backend", paramLabel = "SPEC",
            description = "custom: one backend, repeated: p=PROBABILITY[,latency=MEAN (250us, 5ms, 1s)]"
                    + "[,capacity=IN_FLIGHT][,weight=N], e.g. p=0.9,latency=5ms,capacity=4. tcp: p=PROBABILITY"
                    + " (default: pooly's 0.1, 0.1, 0.9).")
    List<String> backendSpecs;

    @Option(names = "--pools", paramLabel = "N",
            description = "fleet: pools in the fleet (default: 500).")
    Integer pools;

    @Option(names = "--max", paramLabel = "N",
            description = "fleet: maxConnections of each pool (default: 10).")
    Integer max;

    @Option(names = "--backends", paramLabel = "N",
            description = "fleet: backends the pools share (default: 100).")
    Integer fleetBackends;

    @Option(names = "--rate", paramLabel = "PER_SECOND",
            description = "custom: mean arrival rate of requests, per second (default: 100). tcp: requests"
                    + " started per second, one at a time (default: 1000).")
    Double rate;

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter stdout = spec.commandLine().getOut();
        String name = scenario.trim().toLowerCase(Locale.ROOT);
        if (!Set.of("pooly", "custom", "fleet", "tcp").contains(name)) {
            throw new UsageException("--scenario: '" + scenario + "' (expected: pooly, custom, fleet or tcp)");
        }
        Path dir = outDir(out);
        if (name.equals("fleet")) {
            return fleet(stdout, dir);
        }
        refuse("--pools", pools, "only the fleet scenario takes it");
        refuse("--max", max, "only the fleet scenario takes it");
        refuse("--backends", fleetBackends, "only the fleet scenario takes it");
        List<HostSelection> chosen = strategies(strategies == null ? DEFAULT_STRATEGIES : strategies);
        int h = horizon == null ? (name.equals("custom") ? 1_000 : 250) : horizon;
        int r = runs == null ? (name.equals("tcp") ? 5 : 200) : runs;
        if (h < 1 || h > MAX_HORIZON) {
            throw new UsageException("--horizon: " + h + " (expected: 1 to " + MAX_HORIZON + " trials)");
        }
        if (r < 1 || r > MAX_RUNS) {
            throw new UsageException("--runs: " + r + " (expected: 1 to " + MAX_RUNS + ")");
        }
        if ((long) r * h > MAX_TRIALS) {
            throw new UsageException("--runs " + r + " with --horizon " + h + ": " + (long) r * h
                    + " trials per strategy (expected: at most " + MAX_TRIALS + ")");
        }
        if (name.equals("tcp") && (long) r * h > MAX_TCP_REQUESTS) {
            throw new UsageException("--runs " + r + " with --horizon " + h + ": " + (long) r * h + " requests per "
                    + "strategy over real sockets (expected: at most " + MAX_TCP_REQUESTS + ", about "
                    + (long) (MAX_TCP_REQUESTS / TCP_RATE) + " s each at the default rate)");
        }
        if (rate != null && !name.equals("custom") && !name.equals("tcp")) {
            throw new UsageException("--rate: " + rate + " (only the custom and tcp scenarios take a rate)");
        }
        if (rate != null && !(rate > 0 && rate <= 1e9)) {
            throw new UsageException("--rate: " + rate + " (expected: > 0 and at most 1e9 requests per second)");
        }
        List<SimBackend> backends = backends(name);
        switch (name) {
            case "pooly", "custom" -> {
                BanditModel model = new BanditModel(backends, name.equals("pooly") ? POOLY_RATE
                        : rate == null ? 100 : rate);
                List<Tally.Result> results = new ArrayList<>();
                for (HostSelection s : chosen) {
                    results.add(model.run(s, h, r, seed));
                }
                String header = String.format(Locale.ROOT, "scenario %s: %s of %s, seed %d", name,
                        Words.count(r, "run"), Words.count(h, "trial"), seed) + (name.equals("custom")
                        ? String.format(Locale.ROOT, ", %s requests/s", SimBackend.plain(rate == null ? 100 : rate))
                        : "");
                report(stdout, name, header, backends, results, dir);
            }
            case "tcp" -> {
                double perSecond = rate == null ? TCP_RATE : rate;
                List<Tally.Result> results = TcpComparison.run(backends, chosen, h, r, seed, perSecond);
                String header = String.format(Locale.ROOT, "scenario tcp: %s of %s through a "
                        + "ConnectionPool over loopback TCP servers, seed %d, %s requests/s", Words.count(r, "run"),
                        Words.count(h, "request"), seed, SimBackend.plain(perSecond));
                report(stdout, name, header, backends, results, dir);
            }
            default -> throw new AssertionError(name);
        }
        return 0;
    }

    /** The fleet scenario: validates its options, runs {@link FleetSimulation}, prints and plots. */
    private int fleet(PrintWriter stdout, Path dir) throws IOException {
        String why = "the fleet scenario does not take it: it compares how pools rank backends, not strategies";
        refuse("--strategies", strategies, why);
        refuse("--horizon", horizon, why);
        refuse("--rate", rate, why);
        if (backendSpecs != null && !backendSpecs.isEmpty()) {
            throw new UsageException("--backend '" + backendSpecs.get(0) + "': the fleet scenario takes a number of "
                    + "backends (--backends N)");
        }
        int n = pools == null ? 500 : pools;
        int c = max == null ? 10 : max;
        int b = fleetBackends == null ? 100 : fleetBackends;
        int r = runs == null ? 200 : runs;
        if (n < 1 || n > MAX_POOLS) {
            throw new UsageException("--pools: " + n + " (expected: 1 to " + MAX_POOLS + ")");
        }
        if (c < 1 || c > MAX_FLEET_CONNECTIONS) {
            throw new UsageException("--max: " + c + " (expected: 1 to " + MAX_FLEET_CONNECTIONS + ")");
        }
        if (b < 1 || b > MAX_POOLS) {
            throw new UsageException("--backends: " + b + " (expected: 1 to " + MAX_POOLS + ")");
        }
        if (r < 1 || r > MAX_RUNS) {
            throw new UsageException("--runs: " + r + " (expected: 1 to " + MAX_RUNS + ")");
        }
        if ((long) r * n * (b + 1) > MAX_TRIALS) {
            throw new UsageException("--runs " + r + " with --pools " + n + " and --backends " + b + ": "
                    + (long) r * n * (b + 1) + " plan entries per method (expected: at most " + MAX_TRIALS + ")");
        }
        FleetSimulation fleet = new FleetSimulation(n, c, b);
        List<FleetSimulation.Result> results = fleet.run(r, seed);
        stdout.println(String.format(Locale.ROOT, "scenario fleet: %s of %s over %s (mean %s per backend), %s,"
                + " seed %d", Words.count(n, "pool"), Words.count(c, "connection"), Words.count(b, "backend"),
                SimBackend.plain(Math.round(fleet.mean() * 100) / 100.0), Words.count(r, "run"), seed));
        stdout.print(fleetTable(results, n, c, b));
        Path connections = dir.resolve("fleet-connections.png");
        Path spread = dir.resolve("fleet-spread.png");
        Plots.fleetConnections(connections, "cueball simulate fleet: connections per backend", results,
                fleet.mean());
        Plots.fleetSpread(spread, "cueball simulate fleet: spread over " + Words.count(r, "run"), results,
                fleet.mean());
        stdout.println("wrote " + connections);
        stdout.println("wrote " + spread);
        stdout.flush();
        return 0;
    }

    /** Fails if an option that this scenario does not take was given. */
    private static void refuse(String option, Object value, String why) {
        if (value != null) {
            throw new UsageException(option + ": " + value + " (" + why + ")");
        }
    }

    /** The fleet's table: per method, the spread of connections over the backends and the moves. */
    static String fleetTable(List<FleetSimulation.Result> results, int pools, int connections, int backends) {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
                "%-13s  %6s  %7s  %7s  %8s  %7s  %9s  %10s%n", "method", "empty", "min", "max", "max/mean", "stddev",
                "new gets", "moved/pool"));
        for (FleetSimulation.Result r : results) {
            s.append(String.format(Locale.ROOT, "%-13s  %6.1f  %7.1f  %7.1f  %8.2f  %7.1f  %9.1f  %10.3f%n",
                    r.method().label, r.empty(), r.min(), r.max(), r.maxOverMean(), r.stddev(), r.added(), r.moved()));
        }
        s.append(String.format(Locale.ROOT, "(averages per run; new gets: connections a backend added to the fleet"
                + " gets, its share is %.1f;%n moved/pool: connections each pool moves off the others for it, its"
                + " share needs %.3f)%n", (double) pools * connections / (backends + 1),
                (double) connections / (backends + 1)));
        return s.toString();
    }

    /** Prints the table and writes the two plots. */
    private static void report(PrintWriter stdout, String name, String header, List<SimBackend> backends,
            List<Tally.Result> results, Path dir) throws IOException {
        stdout.println(header);
        stdout.println("backends: " + String.join(", ", backends.stream().map(SimBackend::describe).toList()));
        stdout.print(table(backends, results));
        double bestP = backends.stream().mapToDouble(SimBackend::p).max().orElseThrow();
        Path score = dir.resolve(name + "-score.png");
        Path share = dir.resolve(name + "-share.png");
        Plots.averageScore(score, "cueball simulate " + name + ": average score", results, bestP);
        Plots.shareOverTime(share, "cueball simulate " + name + ": share per backend", results,
                backends.stream().map(SimBackend::name).toList());
        stdout.println("wrote " + score);
        stdout.println("wrote " + share);
        stdout.flush();
    }

    /**
     * The table: per strategy its mean score, regret, busy share (when a backend has a capacity) and the share of
     * the trials each backend got.
     */
    static String table(List<SimBackend> backends, List<Tally.Result> results) {
        boolean busy = backends.stream().anyMatch(b -> b.capacity() != SimBackend.UNBOUNDED);
        int width = Math.max("strategy".length(), results.stream().mapToInt(r -> r.strategy().toString().length())
                .max().orElse(0));
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "%-" + width + "s  %10s  %8s", "strategy", "mean score", "regret"));
        if (busy) {
            s.append(String.format(Locale.ROOT, "  %6s", "busy"));
        }
        for (SimBackend b : backends) {
            s.append(String.format(Locale.ROOT, "  %6s", b.name()));
        }
        s.append('\n');
        for (Tally.Result r : results) {
            s.append(String.format(Locale.ROOT, "%-" + width + "s  %10.3f  %8.1f", r.strategy(), r.meanScore(),
                    r.regret()));
            if (busy) {
                s.append(String.format(Locale.ROOT, "  %5.1f%%", 100 * r.busy()));
            }
            for (double share : r.shares()) {
                s.append(String.format(Locale.ROOT, "  %5.1f%%", 100 * share));
            }
            s.append('\n');
        }
        return s.toString();
    }

    /** Parses {@code --strategies}. */
    static List<HostSelection> strategies(String text) {
        Set<HostSelection> parsed = new LinkedHashSet<>();
        for (String part : text.split(",", -1)) {
            if (part.isBlank()) {
                throw new UsageException("--strategies: '" + text + "' has an empty entry (expected a comma-"
                        + "separated list such as round-robin,softmax:0.2)");
            }
            HostSelection s;
            try {
                s = HostSelection.parse(part);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--strategies: '" + part.trim() + "': " + e.getMessage());
            }
            if (!parsed.add(s)) {
                throw new UsageException("--strategies: '" + part.trim() + "' is given twice");
            }
        }
        return List.copyOf(parsed);
    }

    private List<SimBackend> backends(String name) {
        List<String> specs = backendSpecs == null ? List.of() : backendSpecs;
        if (specs.size() > MAX_BACKENDS) {
            throw new UsageException("--backend: given " + specs.size() + " times (expected: at most "
                    + MAX_BACKENDS + ")");
        }
        switch (name) {
            case "custom" -> {
                if (specs.isEmpty()) {
                    throw new UsageException("--backend: the custom scenario needs at least one, e.g. --backend "
                            + "p=0.9,latency=5ms,capacity=4 --backend p=0.5,latency=1ms");
                }
                return parse(specs, Set.of("p", "latency", "capacity", "weight"));
            }
            case "tcp" -> {
                return specs.isEmpty() ? pooly() : parse(specs, Set.of("p"));
            }
            default -> {
                if (!specs.isEmpty()) {
                    throw new UsageException("--backend '" + specs.get(0) + "': the " + name + " scenario has its "
                            + "own backends (use --scenario custom)");
                }
                return pooly();
            }
        }
    }

    private static List<SimBackend> parse(List<String> specs, Set<String> keys) {
        List<SimBackend> list = new ArrayList<>();
        for (String spec : specs) {
            list.add(SimBackend.parse(spec, "b" + (list.size() + 1), keys));
        }
        return list;
    }

    private static List<SimBackend> pooly() {
        List<SimBackend> list = new ArrayList<>();
        for (double p : POOLY_P) {
            list.add(SimBackend.bernoulli("b" + (list.size() + 1), p));
        }
        return list;
    }

    private static Path outDir(String text) {
        if (text.isBlank()) {
            throw new UsageException("--out: '" + text + "' (expected: a directory)");
        }
        Path dir;
        try {
            dir = Path.of(text);
        } catch (InvalidPathException e) {
            throw new UsageException("--out: '" + text + "' is not a path: " + e.getReason());
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new UsageException("--out: '" + text + "' exists and is not a directory");
        }
        try {
            Files.createDirectories(dir); // before the run, so that a directory it cannot write fails at once
        } catch (IOException | SecurityException e) {
            throw new UsageException("--out: '" + text + "' cannot be created (" + e + ")");
        }
        if (!Files.isWritable(dir)) {
            throw new UsageException("--out: '" + text + "' is not writable");
        }
        return dir;
    }
}
