package io.cueball.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.testing.TestDnsServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.cueball.testing.TestTcpServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/** The command line, run in this JVM with its output captured. */
class CliTest {

    private record Result(int exit, String out, String err) {
        List<String> outLines() {
            return out.lines().toList();
        }
    }

    private static Result run(String... args) {
        return runWith(System.getenv(), args);
    }

    /** Runs with the environment given: the commands read it instead of the process's. */
    private static Result runWith(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env);
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void demoTellsItsStoryAndSummarises() {
        Result r = run("demo", "--plain", "--duration", "10s");
        assertEquals(0, r.exit(), r.err());
        List<String> status = r.outLines().stream().filter(l -> l.matches("\\s+\\d+\\.\\ds .*")).toList();
        assertTrue(status.size() >= 6, "one plain status line per second:\n" + r.out());
        assertTrue(status.stream().allMatch(l -> l.contains("claims/s") && l.contains("p99")), r.out());

        Matcher summary = Pattern.compile("summary after [\\d.]+ s: ([\\d,]+) claims? served, ([\\d,]+) failed "
                + "\\(([\\d,]+) while (\\S+) was down, ([\\d,]+) uses? of the silent (\\S+), ([\\d,]+) uses? answered "
                + "BUSY by (\\S+), ([\\d,]+) otherwise\\)").matcher(r.out());
        assertTrue(summary.find(), r.out());
        assertTrue(Long.parseLong(summary.group(1).replace(",", "")) > 1_000, "claims served: " + summary.group(1));
        assertEquals("0", summary.group(9), "no failed claims outside the kill window, the silent backend and the "
                + "busy one:\n" + r.out());
        String killed = summary.group(4);
        String silent = summary.group(6);
        assertTrue(Long.parseLong(summary.group(5).replace(",", "")) >= 10,
                "the silent backend failed uses until it was ejected:\n" + r.out());
        String busy = summary.group(8);
        assertTrue(Long.parseLong(summary.group(7).replace(",", "")) >= 1, "uses of connections the busy backend "
                + "refused failed:\n" + r.out());

        List<String> backends = r.outLines().stream().filter(l -> l.matches("\\s+127\\.0\\.0\\.1:\\d+ .*")).toList();
        assertEquals(7, backends.size(), "four backends, the added one, the silent one and the busy one:\n" + r.out());
        for (String line : backends) {
            long claims = Long.parseLong(line.trim().split("\\s+")[2].replace(",", ""));
            assertTrue(claims > 0 || line.contains(silent), "every backend but the silent one served claims: " + line);
        }
        String killedLine = backends.stream().filter(l -> l.contains(killed)).findFirst().orElseThrow();
        assertTrue(killedLine.matches(".*killed at [\\d.]+ s, dead at [\\d.]+ s, back at [\\d.]+ s.*"),
                "the killed backend went dead and came back: " + killedLine);
        assertTrue(killedLine.contains(" live "), killedLine);
        String silentLine = backends.stream().filter(l -> l.contains(silent)).findFirst().orElseThrow();
        assertTrue(silentLine.matches("\\s+\\S+ +ejected +0 +1/12 +silent, added at [\\d.]+ s, ejected at [\\d.]+ s"),
                "the silent backend was ejected and keeps its monitor connection: " + silentLine);
        assertTrue(backends.stream().anyMatch(l -> l.contains(" removed ") && l.contains("removed at")
                && !l.contains(busy)), r.out());
        String busyLine = backends.stream().filter(l -> l.contains(busy)).findFirst().orElseThrow();
        Matcher busyStory = Pattern.compile("\\s+\\S+ +removed +[\\d,]+ +0/12 +room for 1, added at [\\d.]+ s, ([\\d,]+) "
                + "connections? answered BUSY(, ejected at [\\d.]+ s)?, removed at [\\d.]+ s").matcher(busyLine);
        assertTrue(busyStory.matches(), "the busy backend served one connection, refused others, was removed: "
                + busyLine);
        assertTrue(Integer.parseInt(busyStory.group(1).replace(",", "")) >= 1, busyLine);
        assertTrue(status.stream().anyMatch(l -> l.matches(".*" + busy + " (live|ejected) \\d+ score 0\\.\\d\\d "
                + "use-fails [1-9].*")), "the live view showed the busy backend's score below 1:\n" + r.out());
        assertTrue(backends.stream().anyMatch(l -> l.contains("added at") && !l.contains(silent)), r.out());
        List<Integer> liveShares = backends.stream().filter(l -> l.contains(" live "))
                .map(l -> Integer.parseInt(l.replaceAll(".* (\\d+)/12 .*", "$1"))).toList();
        assertEquals(4, liveShares.size(), r.out());
        assertEquals(11, liveShares.stream().mapToInt(Integer::intValue).sum(),
                "the four live backends share what the ejected one's monitor leaves of the 12:\n" + r.out());
        assertTrue(liveShares.stream().allMatch(n -> n == 2 || n == 3), "evenly:\n" + r.out());
        assertTrue(status.stream().anyMatch(l -> l.contains(silent + " ejected 1 score 0.00 use-fails ")
                && l.contains("(use failure rate 100% over ")), "the live view showed the ejection and why:\n"
                + r.out());
        assertTrue(status.stream().anyMatch(l -> l.matches(".*" + killed + " dead 0 score \\S+ use-fails \\d+ "
                + "\\(\\d+ connect failures in a row; last: IOException: .*Connection refused\\).*")),
                "the live view showed the death and why:\n" + r.out());
        assertTrue(r.out().contains("host selection round-robin"), "the story names the strategy:\n" + r.out());
        Steering steering = steering(r.out(), busy);
        assertTrue(steering.line().contains("; round-robin does not steer by score (see --strategy softmax:0.1)"),
                steering.line());
        if (busyStory.group(2) == null) {
            // Round-robin gives the busy backend its turns whatever its score: at least its working connection's
            // (1 of 12), and its failing ones come back fast, so it gets about its even share or more (19-40%
            // measured, against an even 20%).
            assertTrue(steering.share() > steering.even() / 3, "round-robin does not steer: " + steering.line());
        } else {
            // Its failure rate is close to the ejection threshold (2 or 3 connections, one of which works), and some
            // runs go over it: then health, not the strategy, moved its share away, and the line says so.
            assertTrue(steering.line().contains("; but it was ejected at "), steering.line());
        }
        assertFalse(r.out().contains("null"), r.out());
    }

    @Test
    void demoWithSoftmaxSteersClaimsAwayFromTheBusyBackend() {
        Result r = run("demo", "--plain", "--duration", "10s", "--strategy", "softmax:0.1");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("host selection softmax:0.1"), "the story names the strategy:\n" + r.out());
        Matcher summary = Pattern.compile("([\\d,]+) uses? answered BUSY by (\\S+),").matcher(r.out());
        assertTrue(summary.find(), r.out());
        String busy = summary.group(2);
        Steering steering = steering(r.out(), busy);
        assertTrue(steering.line().contains("; softmax:0.1 steered claims away from its failing uses"),
                steering.line());
        assertTrue(steering.total() > 1_000, "claims while the busy backend was present: " + steering.line());
        // Measured 3% against an even 20% (and under two CPU hogs on two cores); round-robin gives it 19-40%.
        assertTrue(steering.share() < steering.even() / 3,
                "softmax sends the busy backend well under its even share: " + steering.line());
        assertTrue(steering.busy() > 0, "it was tried: " + steering.line());
        assertFalse(r.out().contains("null"), r.out());
    }

    /** The summary's line on where the claims went while the busy backend was present. */
    private record Steering(String line, long busy, long total, double even) {
        double share() {
            return (double) busy / total;
        }
    }

    private static Steering steering(String out, String busy) {
        Matcher m = Pattern.compile("(?m)^  while the busy backend " + Pattern.quote(busy)
                + " was present \\([\\d.]+ s to [\\d.]+ s\\), it got \\d+% of the claims \\(([\\d,]+) of ([\\d,]+)\\), the (\\d+) others? \\d+% "
                + "each on average \\(an even split: \\d+%\\); .*$").matcher(out);
        assertTrue(m.find(), "the summary tells where the claims went while the busy backend was there:\n" + out);
        return new Steering(m.group().trim(), Long.parseLong(m.group(1).replace(",", "")),
                Long.parseLong(m.group(2).replace(",", "")), 1.0 / (Integer.parseInt(m.group(3)) + 1));
    }

    @Test
    void resolvePrintsTheBackendsOfAStaticSpec() {
        Result r = run("resolve", "static:db1.internal:5432,[::1]:6432");
        assertEquals(0, r.exit(), r.err());
        assertEquals(List.of("db1.internal:5432  weight=1 priority=0", "[::1]:6432  weight=1 priority=0"),
                r.outLines());
    }

    @Test
    void resolveFollowPrintsEachEventWithATimestamp() {
        Result r = run("resolve", "-f", "--duration", "300ms", "static:a.example:1,b.example:2");
        assertEquals(0, r.exit(), r.err());
        assertEquals(2, r.outLines().size(), r.out());
        assertTrue(r.outLines().get(0).matches("\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z  added    a\\.example:1 .*"),
                r.outLines().get(0));
    }

    @Test
    void resolvePrintsWhatADnsServerAnswers() {
        try (TestDnsServer dns = TestDnsServer.start()) {
            dns.a("db1.test", 60, "10.0.0.1");
            dns.a("db2.test", 60, "10.0.0.2");
            dns.srv("_pg._tcp.db.test", 60, new TestDnsServer.Srv(0, 5, 5432, "db1.test"),
                    new TestDnsServer.Srv(0, 1, 5433, "db2.test"));
            Result r = run("resolve", "dns:_pg._tcp.db.test@" + dns.address());
            assertEquals(0, r.exit(), r.err());
            assertEquals(List.of("10.0.0.1:5432  weight=5 priority=0 {dns.name=_pg._tcp.db.test, dns.target=db1.test}",
                    "10.0.0.2:5433  weight=1 priority=0 {dns.name=_pg._tcp.db.test, dns.target=db2.test}"),
                    r.outLines());
        }
    }

    @Test
    void anUnreachableNameServerIsOneLineAndExitCodeTwo() {
        TestDnsServer dns = TestDnsServer.start();
        String address = dns.address();
        dns.close(); // nothing listens there any more
        Result r = run("resolve", "dns:_pg._tcp.db.test@" + address + "?timeout=300ms&search=");
        assertEquals(2, r.exit(), r.err());
        // what was asked of whom, and the kind of failure: the kernel's ICMP reply, which Java gives no message
        assertEquals("cueball: resolving dns:_pg._tcp.db.test@" + address + "?timeout=300ms&search= failed: no answer "
                + "from " + address + " for _pg._tcp.db.test. SRV (port unreachable)", r.err().strip());
        assertFalse(r.err().contains("null"), r.err());
    }

    @Test
    void aNameThatDoesNotExistIsNxdomainAtOnce() {
        try (TestDnsServer dns = TestDnsServer.start()) {
            long start = System.nanoTime();
            Result r = run("resolve", "dns:_nope._tcp.db.test@" + dns.address() + "?search=");
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(2, r.exit(), r.err());
            assertEquals("cueball: resolving dns:_nope._tcp.db.test@" + dns.address() + "?search= failed: NXDOMAIN: "
                    + "no such name _nope._tcp.db.test (asked _nope._tcp.db.test SRV)", r.err().strip());
            assertTrue(millis < 2_000, "at once, not after the 5 s --timeout: " + millis + " ms");
        }
    }

    @Test
    void resolveShowsWhichNameOfTheSearchListAnswered() {
        try (TestDnsServer dns = TestDnsServer.start()) {
            dns.a("db-0.db.ns1.svc.cluster.local", 30, "10.1.0.1");
            dns.srv("_postgres._tcp.db.ns1.svc.cluster.local", 30,
                    new TestDnsServer.Srv(0, 1, 5432, "db-0.db.ns1.svc.cluster.local"));
            Result r = run("resolve", "dns:_postgres._tcp.db@" + dns.address()
                    + "?search=ns1.svc.cluster.local,svc.cluster.local&ndots=5");
            assertEquals(0, r.exit(), r.err());
            assertEquals(List.of("10.1.0.1:5432  weight=1 priority=0 {dns.name=_postgres._tcp.db.ns1.svc.cluster.local,"
                    + " dns.target=db-0.db.ns1.svc.cluster.local}"), r.outLines());
        }
    }

    @Test
    void watchShowsAPoolAgainstARealService() {
        try (TestTcpServer a = TestTcpServer.start(); TestTcpServer b = TestTcpServer.start()) {
            Result r = run("watch", "static:" + a.backend().key() + "," + b.backend().key(), "--tcp", "--max", "4",
                    "--workers", "2", "--duration", "2500ms", "--plain");
            assertEquals(0, r.exit(), r.err());
            String last = r.outLines().get(r.outLines().size() - 1);
            assertTrue(last.contains(a.backend().key() + " live 2") && last.contains(b.backend().key() + " live 2"),
                    r.out());
            assertTrue(a.acceptedTotal() >= 2 && b.acceptedTotal() >= 2);
        }
    }

    @Test
    void watchShowsWhyABackendIsDead() {
        try (TestTcpServer live = TestTcpServer.start(); TestTcpServer gone = TestTcpServer.start()) {
            gone.kill(); // refuses connections
            Result r = run("watch", "static:" + live.backend().key() + "," + gone.backend().key(), "--tcp", "--max",
                    "4", "--duration", "2500ms", "--plain");
            assertEquals(0, r.exit(), "the pool ran on the live backend: " + r.err());
            String last = r.outLines().get(r.outLines().size() - 1);
            assertTrue(last.matches(".*" + Pattern.quote(gone.backend().key()) + " dead 0 score \\S+ use-fails 0 "
                    + "\\(\\d+ connect failures in a row; last: .*Connection refused\\).*"), last);
        }
    }

    @Test
    void watchExitsOneWhenThePoolNeverRuns() {
        try (TestTcpServer gone = TestTcpServer.start()) {
            gone.kill();
            Result r = run("watch", "static:" + gone.backend().key(), "--tcp", "--duration", "2s", "--plain");
            assertEquals(1, r.exit(), r.err());
            assertTrue(r.err().strip().matches("cueball: pool 'watch' never reached RUNNING in 2s \\(it is FAILED\\): "
                    + Pattern.quote(gone.backend().key()) + " dead: \\d+ connect failures in a row; last: "
                    + ".*Connection refused"), r.err());
        }
    }

    @Test
    void watchJdbcWithoutThePasswordVariableIsBadInputBeforeThePoolStarts() {
        try (TestTcpServer db = TestTcpServer.start()) {
            Result r = runWith(Map.of(), "watch", "static:" + db.backend().key(), "--jdbc", "app:app_user",
                    "--duration", "2s", "--plain");
            assertEquals(2, r.exit(), r.err());
            assertEquals("cueball: --jdbc: $CUEBALL_JDBC_PASSWORD is not set (the password is read from it, never from"
                    + " the command line; set it empty for a server that asks for none)", r.err().strip());
            assertEquals("", r.out(), "no live view: the pool never started");
            assertEquals(0, db.acceptedTotal(), "no connect was tried");
        }
    }

    @Test
    void watchRunsAJdbcPoolAgainstARealPostgres() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setOutputRedirector(ProcessBuilder.Redirect.DISCARD)
                .setErrorRedirector(ProcessBuilder.Redirect.DISCARD).start()) {
            // zonky's superuser logs in without a password (trust): the variable is set, and empty
            Result r = runWith(Map.of("CUEBALL_JDBC_PASSWORD", ""), "watch", "static:127.0.0.1:" + pg.getPort(),
                    "--jdbc", "postgres:postgres", "--max", "2", "--workers", "2", "--duration", "2500ms", "--plain");
            assertEquals(0, r.exit(), r.err());
            String last = r.outLines().get(r.outLines().size() - 1);
            assertTrue(last.contains("127.0.0.1:" + pg.getPort() + " live 2"), r.out());
            assertTrue(last.contains("failed 0"), last);
            assertTrue(r.outLines().stream().anyMatch(l -> l.matches(".*claims/s +[1-9]\\d*.*")), r.out());
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "nope | cueball: unknown command 'nope': choose demo, resolve, watch or simulate",
        "resolve static:db1                    | cueball: bad static spec: invalid backend 'db1' in 'db1'",
        "resolve static:db1:70000              | cueball: bad static spec: port 70000 out of range",
        "resolve http://x                      | cueball: unknown resolver spec 'http://x': expected static:",
        "resolve dns:_pg._tcp.db@127.0.0.1:0   | cueball: bad dns spec: port 0 out of range in name server",
        "resolve consul:pg@127.0.0.1:0         | cueball: bad consul spec: port 0 out of range in agent",
        "resolve consul:pg?tag=a&token=x       | cueball: bad consul spec: a token in Consul spec",
        "resolve                               | cueball: Missing required parameter: 'SPEC'",
        "demo --duration soon                  | cueball: --duration: 'soon' (expected: a duration such as 250ms, 5s,",
        "demo --duration 30                    | cueball: --duration: '30' (expected: a duration such as 250ms, 5s,",
        "demo --duration 2s                    | cueball: --duration: 2s (expected: at least 3s, the story needs time)",
        "resolve static:a:1 --timeout -1s      | cueball: --timeout: '-1s' (expected: a duration such as 250ms, 5s,",
        "watch static:a:1 --tcp --duration 1x  | cueball: --duration: '1x' (expected: a duration such as 250ms, 5s,",
        "resolve dns:_a._tcp.b@127.0.0.1?timeout=1x | cueball: bad dns spec: timeout: '1x' (expected: a duration such",
        "resolve consul:pg?wait=1x             | cueball: bad consul spec: wait: '1x' (expected: a duration such as",
        "demo --workers 0                      | cueball: --workers: 0 (expected: 1..1000)",
        "demo --strategy fastest               | cueball: --strategy: 'fastest': host selection 'fastest': expected",
        "demo --strategy softmax:0             | cueball: --strategy: 'softmax:0': temperature: 0.0 (expected: > 0",
        "demo --mux --strategy softmax:0.1     | cueball: --strategy: 'softmax:0.1' (not with --mux",
        "watch static:127.0.0.1:1 --tcp --strategy epsilon-greedy | cueball: --strategy: 'epsilon-greedy': host selection",
        "watch static:127.0.0.1:1 --max 4      | cueball: choose one connection type: --tcp or --jdbc DATABASE:USER",
        "watch static:127.0.0.1:1 --jdbc app   | cueball: --jdbc: 'app' (expected: DATABASE:USER",
        "watch static:127.0.0.1:1 --tcp --max x| cueball: Invalid value for option '--max'",
    })
    void badInputIsOneLineAndExitCodeTwo(String args, String message) {
        Result r = run(args.trim().split("\\s+"));
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().startsWith(message), r.err());
        assertEquals(1, r.err().lines().count(), "one line:\n" + r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace");
        assertEquals("", r.out());
    }

    @Test
    void verboseAddsTheStackTrace() {
        Result r = run("--verbose", "resolve", "static:db1");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("\tat io.cueball"), r.err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"demo", "resolve", "watch"})
    void everyCommandHasHelp(String command) {
        Result r = run(command, "--help");
        assertEquals(0, r.exit());
        assertTrue(r.out().startsWith("Usage: cueball " + command), r.out());
        assertTrue(Arrays.asList(r.out().split("\\s+")).contains("--help"), r.out());
    }

    @Test
    void theCommandListSummarisesEachCommandInACompleteSentence() {
        Result r = run("--help");
        assertEquals(0, r.exit());
        String commands = r.out().substring(r.out().indexOf("Commands:") + "Commands:".length());
        // Each command's summary is the first line of its description, wrapped: join it back before judging it.
        Matcher m = Pattern.compile("(?m)^  (demo|resolve|watch|simulate|help)\\s+(.*(?:\\n {13,}.*)*)")
                .matcher(commands);
        int found = 0;
        while (m.find()) {
            found++;
            String summary = m.group(2).replaceAll("\\s+", " ").trim();
            assertTrue(summary.endsWith("."), m.group(1) + "'s summary is cut mid-sentence: " + summary);
        }
        assertEquals(5, found, r.out());
    }

    /**
     * Every paragraph of every command's description and every option's description is whole: picocli wraps a
     * paragraph as it is, so one that does not end a sentence shows as cut off (and a sentence split over two
     * paragraphs as two broken lines).
     */
    @Test
    void everyHelpParagraphAndOptionDescriptionEndsASentence() {
        CommandLine root = new CommandLine(new Main(Map.of()));
        List<CommandLine> commands = new ArrayList<>(root.getSubcommands().values());
        commands.add(root);
        List<String> cut = new ArrayList<>();
        for (CommandLine command : commands) {
            CommandSpec spec = command.getCommandSpec();
            assertTrue(spec.usageMessage().description().length > 0, spec.name() + " has no description");
            for (String paragraph : spec.usageMessage().description()) {
                if (!paragraph.replace("%n", "").strip().endsWith(".")) { // picocli's help command ends in %n
                    cut.add(spec.name() + ": " + paragraph);
                }
            }
            List<ArgSpec> args = new ArrayList<>(spec.options());
            args.addAll(spec.positionalParameters());
            for (ArgSpec arg : args) {
                String text = String.join(" ", arg.description()).strip();
                if (!text.endsWith(".")) {
                    cut.add(spec.name() + " " + arg.paramLabel() + ": " + text);
                }
            }
        }
        assertEquals(List.of(), cut);
        assertTrue(commands.size() >= 6, "cueball, demo, resolve, watch, simulate, help: " + commands.size());
    }

    @Test
    void countsAreSingularForOne() {
        assertEquals("1 connection", Words.count(1, "connection"));
        assertEquals("2 connections", Words.count(2, "connection"));
        assertEquals("0 connections", Words.count(0, "connection"));
        assertEquals("1,000 runs", Words.count(1_000, "run"));
    }

    @Test
    void theFleetHeaderSaysOnePoolOfOneConnection(@TempDir Path dir) {
        Result r = run("simulate", "--scenario", "fleet", "--pools", "1", "--max", "1", "--backends", "1", "--runs",
                "1", "--out", dir.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("scenario fleet: 1 pool of 1 connection over 1 backend (mean 1 per backend), "
                + "1 run, seed 1"), r.out());
        Result trials = run("simulate", "--runs", "1", "--horizon", "1", "--out", dir.toString());
        assertEquals(0, trials.exit(), trials.err());
        assertTrue(trials.out().startsWith("scenario pooly: 1 run of 1 trial, seed 1"), trials.out());
    }
}
