package io.cueball.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.HostSelection;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code cueball simulate}, run in this JVM with its output captured, and the model behind it. */
class SimulateCommandTest {

    @TempDir
    Path dir;

    private record Result(int exit, String out, String err) {
    }

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The table's rows: strategy to its numbers (mean score, regret, [busy,] shares in percent). */
    private static Map<String, double[]> rows(String out) {
        Map<String, double[]> rows = new LinkedHashMap<>();
        List<String> lines = out.lines().toList();
        int header = lines.indexOf(lines.stream().filter(l -> l.startsWith("strategy")).findFirst().orElseThrow());
        for (String line : lines.subList(header + 1, lines.size())) {
            if (line.startsWith("wrote ")) {
                break;
            }
            String[] cells = line.trim().split("\\s+");
            rows.put(cells[0], Arrays.stream(cells, 1, cells.length)
                    .mapToDouble(c -> Double.parseDouble(c.replace("%", ""))).toArray());
        }
        return rows;
    }

    @Test
    void poolyScenarioPrintsTheSameTableForTheSameSeed() {
        Result r = run("simulate", "--runs", "20", "--horizon", "100", "--seed", "7", "--out", dir.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("""
                scenario pooly: 20 runs of 100 trials, seed 7
                backends: b1 p=0.10, b2 p=0.10, b3 p=0.90
                strategy            mean score    regret      b1      b2      b3
                round-robin              0.354      54.6   34.0%   33.0%   33.0%
                epsilon-greedy:0.1       0.832       6.8    4.0%    4.0%   92.1%
                epsilon-greedy:0.5       0.645      25.5   15.5%   16.4%   68.2%
                softmax:0.1              0.874       2.6    2.0%    1.1%   97.0%
                softmax:0.2              0.853       4.7    3.5%    2.4%   94.1%
                least-in-use             0.369      53.1   33.5%   32.2%   34.4%
                wrote OUT/pooly-score.png
                wrote OUT/pooly-share.png
                """, r.out().replace(dir.toString(), "OUT"));
    }

    @Test
    void customScenarioShowsRequestsTurnedAwayAtCapacity() {
        Result r = run("simulate", "--scenario", "custom", "--runs", "10", "--horizon", "200", "--seed", "7",
                "--rate", "50", "--backend", "p=0.95,latency=30ms,capacity=2", "--backend", "p=0.8,latency=5ms",
                "--strategies", "round-robin,softmax:0.1,least-in-use", "--out", dir.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("""
                scenario custom: 10 runs of 200 trials, seed 7, 50 requests/s
                backends: b1 p=0.95 latency=30ms capacity=2, b2 p=0.80 latency=5ms
                strategy      mean score    regret    busy      b1      b2
                round-robin        0.839      22.2    3.8%   50.0%   50.0%
                softmax:0.1        0.817      26.6    8.9%   51.6%   48.4%
                least-in-use       0.854      19.2    0.1%   34.0%   66.1%
                wrote OUT/custom-score.png
                wrote OUT/custom-share.png
                """, r.out().replace(dir.toString(), "OUT"));
    }

    /**
     * pooly's scenario with the defaults (200 runs of 250 trials): round-robin's mean score is the mean of the
     * three probabilities, about 0.367; the bandits learn the good backend and score far above it.
     */
    @Test
    void epsilonGreedyAndSoftmaxBeatRoundRobinOnPoolysScenario() {
        BanditModel model = new BanditModel(List.of(SimBackend.bernoulli("b1", 0.1), SimBackend.bernoulli("b2", 0.1),
                SimBackend.bernoulli("b3", 0.9)), 1_000);
        Map<String, Double> mean = new LinkedHashMap<>();
        for (HostSelection s : SimulateCommand.strategies(SimulateCommand.DEFAULT_STRATEGIES)) {
            mean.put(s.toString(), model.run(s, 250, 200, 1).meanScore());
        }
        double roundRobin = mean.get("round-robin");
        assertEquals(0.367, roundRobin, 0.01, mean.toString());
        assertEquals(0.367, mean.get("least-in-use"), 0.01, "one request at a time: no load to balance " + mean);
        for (String bandit : List.of("epsilon-greedy:0.1", "softmax:0.1", "softmax:0.2")) {
            assertTrue(mean.get(bandit) > 0.8, bandit + " learns the 0.9 backend: " + mean);
        }
        assertTrue(mean.get("epsilon-greedy:0.5") > roundRobin + 0.2, "half the trials still explore: " + mean);
        assertTrue(mean.get("softmax:0.1") > mean.get("epsilon-greedy:0.1"), mean.toString());
    }

    @Test
    void plotsAreWrittenAsImagesOfTheDocumentedSize() throws IOException {
        Path out = dir.resolve("new/dir");
        Result r = run("simulate", "--runs", "5", "--horizon", "60", "--strategies", "round-robin,softmax:0.2",
                "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        Path score = out.resolve("pooly-score.png");
        Path share = out.resolve("pooly-share.png");
        assertTrue(r.out().contains("wrote " + score + "\n") && r.out().contains("wrote " + share + "\n"), r.out());
        BufferedImage scoreImage = ImageIO.read(score.toFile());
        assertNotNull(scoreImage, "a PNG that ImageIO reads: " + score);
        assertEquals(Plots.WIDTH, scoreImage.getWidth());
        assertEquals(Plots.SCORE_HEIGHT, scoreImage.getHeight());
        BufferedImage shareImage = ImageIO.read(share.toFile());
        assertNotNull(shareImage, "a PNG that ImageIO reads: " + share);
        assertEquals(Plots.WIDTH, shareImage.getWidth());
        assertEquals(Plots.shareHeight(2), shareImage.getHeight());
        assertTrue(colours(scoreImage) > 10, "a chart, not a blank image");
    }

    /** How many distinct colours a sample of the image's pixels has. */
    private static int colours(BufferedImage image) {
        Set<Integer> seen = new java.util.HashSet<>();
        for (int x = 0; x < image.getWidth(); x += 7) {
            for (int y = 0; y < image.getHeight(); y += 7) {
                seen.add(image.getRGB(x, y));
            }
        }
        return seen.size();
    }

    /**
     * The tcp scenario through a real pool on loopback: every request is served and counted, round-robin spreads
     * them evenly over the pool's connections, and softmax, with which the pool chooses each claim's backend from
     * the scores, moves the requests to the backend that succeeds (about 0.87 against 0.36 over 150 requests here;
     * the margin asked is smaller, because the pool learns in real time).
     */
    @Test
    void tcpScenarioLearnsThroughARealPool() {
        Result r = run("simulate", "--scenario", "tcp", "--runs", "2", "--horizon", "150", "--strategies",
                "round-robin,softmax:0.1", "--out", dir.toString());
        assertEquals(0, r.exit(), r.err());
        Map<String, double[]> rows = rows(r.out());
        assertEquals(List.of("round-robin", "softmax:0.1"), new ArrayList<>(rows.keySet()), r.out());
        for (double[] row : rows.values()) {
            assertEquals(100, row[2] + row[3] + row[4], 0.2, "every request went to one of the backends: " + r.out());
            assertEquals(150 * 0.9 - 150 * row[0], row[1], 0.15, "regret = horizon x best p - reward: " + r.out());
        }
        double[] roundRobin = rows.get("round-robin");
        for (int b = 2; b <= 4; b++) {
            assertEquals(33.3, roundRobin[b], 3, "round-robin over the pool's connections: " + r.out());
        }
        assertEquals(0.367, roundRobin[0], 0.12, "the servers fail with p = 0.1, 0.1, 0.9: " + r.out());
        double[] softmax = rows.get("softmax:0.1");
        assertTrue(softmax[0] > roundRobin[0] + 0.1 && softmax[4] > 50, "softmax learns b3: " + r.out());
        assertTrue(Files.isRegularFile(dir.resolve("tcp-score.png")), r.out());
    }

    @Test
    void fleetScenarioPrintsTheSameTableForTheSameSeed() throws IOException {
        Result r = run("simulate", "--scenario", "fleet", "--pools", "50", "--max", "10", "--backends", "100",
                "--runs", "20", "--seed", "3", "--out", dir.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("""
                scenario fleet: 50 pools of 10 connections over 100 backends (mean 5 per backend), 20 runs, seed 3
                method          empty      min      max  max/mean   stddev   new gets  moved/pool
                key order        90.0      0.0     50.0     10.00     15.0        0.0       0.000
                shuffled          0.6      0.6     11.1      2.21      2.1        4.4       0.087
                deterministic     0.0      5.0      5.0      1.00      0.0        5.0       0.480
                (averages per run; new gets: connections a backend added to the fleet gets, its share is 5.0;
                 moved/pool: connections each pool moves off the others for it, its share needs 0.099)
                wrote OUT/fleet-connections.png
                wrote OUT/fleet-spread.png
                """, r.out().replace(dir.toString(), "OUT"));
        for (String png : List.of("fleet-connections.png", "fleet-spread.png")) {
            BufferedImage image = ImageIO.read(dir.resolve(png).toFile());
            assertNotNull(image, png);
            assertEquals(Plots.WIDTH, image.getWidth(), png);
            assertEquals(Plots.SCORE_HEIGHT, image.getHeight(), png);
        }
    }

    /**
     * The issue's fleet: 500 pools of 10 over 100 backends. By key order 90 backends get nothing; shuffled (the
     * default) leaves none empty with max/mean at most 1.6 (about 1.36); deterministic subsetting gives every
     * backend the mean within one, and a backend added to the fleet its share within one per ten pools.
     */
    @Test
    void shuffledAndDeterministicSubsettingSpreadTheIssuesFleet() {
        FleetSimulation fleet = new FleetSimulation(500, 10, 100);
        Map<FleetSimulation.Method, FleetSimulation.Result> by = new LinkedHashMap<>();
        fleet.run(20, 1).forEach(r -> by.put(r.method(), r));
        FleetSimulation.Result keyOrder = by.get(FleetSimulation.Method.KEY_ORDER);
        assertEquals(90, keyOrder.empty(), "every pool picks the same ten backends");
        assertEquals(500, keyOrder.max());
        FleetSimulation.Result shuffled = by.get(FleetSimulation.Method.SHUFFLED);
        assertEquals(0, shuffled.empty(), "no backend empty in any run");
        assertTrue(shuffled.maxOverMean() <= 1.6, "max/mean " + shuffled.maxOverMean());
        assertEquals(49.5, shuffled.added(), 50 / 10.0, "running pools give an added backend its share");
        assertTrue(shuffled.moved() <= 1, "and each moves at most one connection for it: " + shuffled.moved());
        FleetSimulation.Result subset = by.get(FleetSimulation.Method.DETERMINISTIC);
        assertTrue(subset.min() >= 49 && subset.max() <= 51, subset.min() + ".." + subset.max());
        assertEquals(49.5, subset.added(), 50 / 10.0, "the added backend gets its share");
        assertTrue(subset.moved() <= 1 + 10 / 101.0, "at most one connection per pool beyond its share: "
                + subset.moved());
    }

    @Test
    void theModelTurnsRequestsAwayOnlyBeyondCapacity() {
        // one backend, one request in flight, requests every 10 ms on average that each take 10 ms
        List<SimBackend> busy = List.of(new SimBackend("b1", 1, 10, 1, 1));
        Tally.Result r = new BanditModel(busy, 100).run(HostSelection.roundRobin(), 2_000, 2, 3);
        // M/M/1/1 loss: the share blocked is rho / (1 + rho), rho = 1
        assertEquals(0.5, r.busy(), 0.03);
        assertEquals(1 - r.busy(), r.meanScore(), 1e-9, "every request it took succeeded");
        Tally.Result roomy = new BanditModel(List.of(new SimBackend("b1", 1, 10, SimBackend.UNBOUNDED, 1)), 100)
                .run(HostSelection.roundRobin(), 2_000, 2, 3);
        assertEquals(0, roomy.busy());
        assertEquals(1, roomy.meanScore());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "--scenario nope                        | --scenario: 'nope' (expected: pooly, custom, fleet or tcp)",
        "--strategies round-robin,bandit        | --strategies: 'bandit': host selection 'bandit': expected",
        "--strategies softmax:0                 | --strategies: 'softmax:0': temperature: 0.0 (expected: > 0",
        "--strategies epsilon-greedy:2          | --strategies: 'epsilon-greedy:2': epsilon: 2.0 (expected: 0 to 1)",
        "--strategies round-robin,,softmax:0.1  | --strategies: 'round-robin,,softmax:0.1' has an empty entry",
        "--strategies softmax:0.1,softmax:0.1   | --strategies: 'softmax:0.1' is given twice",
        "--runs 0                               | --runs: 0 (expected: 1 to 100000)",
        "--runs many                            | Invalid value for option '--runs': 'many' is not an int",
        "--horizon -5                           | --horizon: -5 (expected: 1 to 1000000 trials)",
        "--runs 1000 --horizon 1000000          | --runs 1000 with --horizon 1000000: 1000000000 trials per strategy",
        "--seed x                               | Invalid value for option '--seed': 'x' is not a long",
        "--rate 10                              | --rate: 10.0 (only the custom and tcp scenarios take a rate)",
        "--scenario custom                      | --backend: the custom scenario needs at least one",
        "--backend p=0.5                        | --backend 'p=0.5': the pooly scenario has its own backends",
        "--scenario custom --backend p=1.5      | --backend 'p=1.5': p: 1.5 (expected: a probability, 0 to 1)",
        "--scenario custom --backend latency=5ms | --backend 'latency=5ms': p is missing",
        "--scenario custom --backend p=1,latency=5 | --backend 'p=1,latency=5': latency: '5' (expected: a duration such as",
        "--scenario custom --backend p=1,capacity=0 | --backend 'p=1,capacity=0': capacity: 0 (expected: >= 1",
        "--scenario custom --backend p=1,speed=2 | --backend 'p=1,speed=2': unknown key 'speed' (expected: p, latency",
        "--scenario custom --backend p=1,p=0    | --backend 'p=1,p=0': p given twice",
        "--scenario custom --backend p=1 --rate 0 | --rate: 0.0 (expected: > 0 and at most 1e9 requests per second)",
        "--scenario tcp --backend p=1,latency=1ms | --backend 'p=1,latency=1ms': unknown key 'latency' (expected: p)",
        "--pools 10                             | --pools: 10 (only the fleet scenario takes it)",
        "--scenario tcp --backends 10           | --backends: 10 (only the fleet scenario takes it)",
        "--scenario fleet --pools 0             | --pools: 0 (expected: 1 to 100000)",
        "--scenario fleet --max 0               | --max: 0 (expected: 1 to 10000)",
        "--scenario fleet --backends -1         | --backends: -1 (expected: 1 to 100000)",
        "--scenario fleet --strategies softmax:0.1 | --strategies: softmax:0.1 (the fleet scenario does not take it",
        "--scenario fleet --horizon 10          | --horizon: 10 (the fleet scenario does not take it",
        "--scenario fleet --backend p=1         | --backend 'p=1': the fleet scenario takes a number of backends",
        "--scenario fleet --pools 100000 --backends 100000 | --runs 200 with --pools 100000 and --backends 100000:",
    })
    void badOptionsFailWithTheOptionAndTheValue(String args, String message) throws IOException {
        List<String> argv = new ArrayList<>(List.of("simulate", "--out", dir.toString()));
        argv.addAll(Arrays.asList(args.trim().split("\\s+")));
        Result r = run(argv.toArray(String[]::new));
        assertEquals(2, r.exit(), r.out() + r.err());
        assertTrue(r.err().startsWith("cueball: ") && r.err().contains(message), r.err());
        assertEquals("", r.out(), "nothing printed before the failure");
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count(), "no plot written");
        }
    }

    @Test
    void anOutThatIsAFileIsRefused() throws IOException {
        Path file = Files.writeString(dir.resolve("taken"), "x");
        Result r = run("simulate", "--out", file.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--out: '" + file + "' exists and is not a directory"), r.err());
    }

    @Test
    void helpDescribesTheModel() {
        Result r = run("simulate", "--help");
        assertEquals(0, r.exit(), r.err());
        String help = r.out().replaceAll("\\s+", " ");
        for (String fact : List.of("exponentially distributed", "Poisson process", "1.0 before any outcome",
                "0.1, 0.1 and 0.9", "--backend", "--strategies", "--horizon", "--runs", "--seed", "--out")) {
            assertTrue(help.contains(fact), fact + " in:\n" + r.out());
        }
    }

    @Test
    void anOutputDirectoryThatCannotBeCreatedAndAnOverlongTcpRunFailBeforeAnyWork() throws IOException {
        Path file = Files.createFile(dir.resolve("plain-file"));
        Result r = run("simulate", "--runs", "1", "--out", file.resolve("below").toString());
        assertEquals(2, r.exit(), r.out());
        assertTrue(r.err().contains("--out: '" + file.resolve("below") + "' cannot be created"), r.err());
        assertEquals("", r.out(), "nothing was simulated");
        r = run("simulate", "--scenario", "tcp", "--runs", "1000", "--out", dir.toString());
        assertEquals(2, r.exit(), r.out());
        assertTrue(r.err().contains("--runs 1000 with --horizon 250: 250000 requests per strategy"), r.err());
    }
}
