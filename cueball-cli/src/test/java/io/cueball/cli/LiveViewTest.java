package io.cueball.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.Backend;
import io.cueball.BackendStats;
import io.cueball.BackendStatus;
import io.cueball.BackoffPolicy;
import io.cueball.Claim;
import io.cueball.ConnectionPool;
import io.cueball.CueballException;
import io.cueball.PoolState;
import io.cueball.PoolStats;
import io.cueball.conn.tcp.TcpConnection;
import io.cueball.conn.tcp.TcpConnectionFactory;
import io.cueball.resolver.fixed.StaticResolver;
import io.cueball.testing.TestTcpServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** What the live view and its event log show of a backend's state and the reason for it. */
class LiveViewTest {
    private static final Backend LIVE = Backend.of("127.0.0.1", 5001);
    private static final Backend DEAD = Backend.of("127.0.0.1", 5002);
    private static final Backend EJECTED = Backend.of("127.0.0.1", 5003);
    private static final String DEAD_REASON = "3 connect failures in a row; last: java.io.IOException: connect to "
            + "127.0.0.1:5002 failed: Connection refused";
    private static final String EJECTED_REASON = "use failure rate 92% over 13 outcomes (threshold 85%); last "
            + "failure: java.net.SocketTimeoutException: Read timed out";

    /** Stats as the engine reports them for one live, one dead and one ejected backend. */
    private static PoolStats threeBackends() {
        return new PoolStats("test", PoolState.RUNNING, 5, 6, 1, 0, 0, 1_000, 0, 4, List.of(
                new BackendStats(LIVE, BackendStatus.LIVE, 10, 4, 6, 0, 0, 12, 0, 900, null, 0.93, 900, 7, 0, null),
                new BackendStats(DEAD, BackendStatus.DEAD, 1, 0, 0, 1, 3, 3, 3, 80, new IOException(
                        "connect to 127.0.0.1:5002 failed: Connection refused"), 1.0, 80, 2, 0, DEAD_REASON),
                new BackendStats(EJECTED, BackendStatus.EJECTED, 1, 1, 0, 0, 0, 15, 0, 20, null, 0.08, 33, 13, 1,
                        EJECTED_REASON)));
    }

    private static EventLog seen(Backend... backends) {
        EventLog events = new EventLog();
        for (Backend b : backends) {
            events.backendAdded(b);
        }
        return events;
    }

    private static List<String> frame(EventLog events, int width, Supplier<PoolStats> stats) {
        StringWriter screen = new StringWriter();
        new LiveView(new PrintWriter(screen), true, width, "cueball test", null, events).draw(stats, null);
        return screen.toString().lines().toList();
    }

    private static String lineAfter(List<String> lines, String prefix) {
        for (int i = 0; i < lines.size() - 1; i++) {
            if (lines.get(i).startsWith(prefix)) {
                return lines.get(i + 1);
            }
        }
        throw new AssertionError("no line starts with " + prefix + ":\n" + String.join("\n", lines));
    }

    private static String row(List<String> lines, Backend b) {
        return lines.stream().filter(l -> l.startsWith(b.key() + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no row for " + b.key() + ":\n" + String.join("\n", lines)));
    }

    @Test
    void eachBackendShowsItsStateScoreAndFailedUses() {
        List<String> lines = frame(seen(LIVE, DEAD, EJECTED), 100, LiveViewTest::threeBackends);
        String all = String.join("\n", lines);
        assertTrue(all.contains("state     open  idle  claimed  score  use fails"), all);
        assertTrue(row(lines, LIVE).matches("\\S+ +live +10 +4 +6 +0\\.93 +7  #{6}-{4}"), row(lines, LIVE));
        assertTrue(row(lines, DEAD).matches("\\S+ +dead +0 +0 +0 +1\\.00 +2"), row(lines, DEAD));
        assertTrue(row(lines, EJECTED).matches("\\S+ +ejected +1 +1 +0 +0\\.08 +13  -"), row(lines, EJECTED));
        assertTrue(lineAfter(lines, LIVE.key()).startsWith(DEAD.key()), "a live backend has no reason line:\n" + all);
    }

    @Test
    void aDeadBackendShowsWhyUnderItsRow() {
        List<String> lines = frame(seen(LIVE, DEAD, EJECTED), 100, LiveViewTest::threeBackends);
        String reason = lineAfter(lines, DEAD.key());
        // 100 columns leave 68 for the reason: its head (how many failures) and its tail (the root cause)
        assertEquals(" ".repeat(23) + "reason: 3 connect failures in a row; last ... failed: Connection refused",
                reason);
    }

    @Test
    void anEjectedBackendShowsWhyUnderItsRow() {
        List<String> lines = frame(seen(LIVE, DEAD, EJECTED), 100, LiveViewTest::threeBackends);
        assertEquals(" ".repeat(23) + "reason: use failure rate 92% over 13 outcomes ... Read timed out",
                lineAfter(lines, EJECTED.key()));
    }

    @Test
    void aWideScreenShowsTheWholeReasonWithShortClassNames() {
        List<String> lines = frame(seen(LIVE, DEAD, EJECTED), 200, LiveViewTest::threeBackends);
        assertEquals(" ".repeat(23) + "reason: use failure rate 92% over 13 outcomes (threshold 85%); last failure: "
                + "SocketTimeoutException: Read timed out", lineAfter(lines, EJECTED.key()));
        assertEquals(" ".repeat(23) + "reason: 3 connect failures in a row; last: IOException: connect to "
                + "127.0.0.1:5002 failed: Connection refused", lineAfter(lines, DEAD.key()));
    }

    @Test
    void tableLinesFitTheScreen() {
        List<String> lines = frame(seen(LIVE, DEAD, EJECTED), 100, LiveViewTest::threeBackends);
        // the events below the table are printed whole; everything above them fits in 100 columns
        for (String line : lines.subList(0, lines.indexOf(""))) {
            assertTrue(line.length() < 100, line.length() + " columns: " + line);
        }
        for (String line : lines.stream().filter(l -> l.contains("reason: ")).toList()) {
            assertTrue(line.length() < 100, line.length() + " columns: " + line);
        }
    }

    @Test
    void aPlainLineCarriesStateScoreFailedUsesAndAShortReason() {
        StringWriter out = new StringWriter();
        new LiveView(new PrintWriter(out), false, 100, "cueball test", null, seen(LIVE, DEAD, EJECTED))
                .draw(LiveViewTest::threeBackends, null);
        String line = out.toString().strip();
        assertTrue(line.contains(" | 127.0.0.1:5001 live 10 score 0.93 use-fails 7 | "), line);
        assertTrue(line.contains(" | 127.0.0.1:5002 dead 0 score 1.00 use-fails 2 (3 connect failures in a row; "
                + "last: IOException: connect to 127.0.0.1:5002 failed: Connection refused) | "), line);
        assertTrue(line.contains(" | 127.0.0.1:5003 ejected 1 score 0.08 use-fails 13 (use failure rate 92% over 13 "
                + "outcomes (threshold 85%); last failure: SocketTimeoutException: Read timed out) | "), line);
    }

    @Test
    void aRemovedBackendHasNoScoreAndNoReason() {
        Backend gone = Backend.of("127.0.0.1", 5004);
        List<String> lines = frame(seen(LIVE, DEAD, EJECTED, gone), 100, LiveViewTest::threeBackends);
        assertTrue(row(lines, gone).matches("\\S+ +removed +0 +0 +0 +- +-"), row(lines, gone));
        assertEquals("", lineAfter(lines, gone.key()), "no reason line for a removed backend");
    }

    @Test
    void aDeadBackendWithoutAReasonFallsBackToItsLastErrorAndNeverSaysNull() {
        PoolStats stats = new PoolStats("test", PoolState.RUNNING, 0, 0, 0, 0, 0, 0, 0, 1, List.of(
                new BackendStats(DEAD, BackendStatus.DEAD, 1, 0, 0, 0, 3, 0, 3, 0,
                        new ConnectException("Connection refused"))));
        List<String> lines = frame(seen(DEAD), 100, () -> stats);
        assertEquals(" ".repeat(23) + "reason: Connection refused", lineAfter(lines, DEAD.key()));
        assertFalse(String.join("\n", lines).contains("null"), String.join("\n", lines));
    }

    @Test
    void clipKeepsWholeWordsAtBothEnds() {
        String text = "one two three four five six seven eight nine ten eleven twelve";
        assertEquals(text, LiveView.clip(text, text.length()));
        String clipped = LiveView.clip(text, 40);
        assertEquals("one two three four ... eleven twelve", clipped);
        assertTrue(clipped.length() <= 40);
        String word = "x".repeat(50);
        assertEquals(37, LiveView.clip(word, 40).length() - 3, "one long word is cut inside: " + word);
    }

    @Test
    void theEventLogTellsEjectionsRestoresAndDeathsInFull() {
        EventLog events = seen(EJECTED);
        events.backendEjected(EJECTED, EJECTED_REASON, Duration.ofSeconds(30));
        assertTrue(events.last().endsWith("backend 127.0.0.1:5003 ejected for 30 s: " + EJECTED_REASON), events.last());
        events.backendEjected(EJECTED, EJECTED_REASON, Duration.ofMillis(2_500));
        assertTrue(events.last().contains("ejected for 2.5 s: "), events.last());
        events.backendRestored(EJECTED);
        assertTrue(events.last().endsWith("backend 127.0.0.1:5003 restored"), events.last());
        events.backendDead(DEAD, new SocketTimeoutException()); // no message
        assertTrue(events.last().endsWith("backend 127.0.0.1:5002 is dead: SocketTimeoutException"), events.last());
        events.backendDead(DEAD, new IOException(new ConnectException("Connection refused")));
        assertTrue(events.last().endsWith("is dead: java.net.ConnectException: Connection refused"), events.last());
        assertEquals(EventLog.KEPT, events.recent().size());
        assertTrue(events.recent().stream().noneMatch(e -> e.contains("null")), events.recent().toString());
    }

    /**
     * A real pool over three echo servers: one is killed (its connects are refused until it is dead), one
     * answers every use wrongly (its uses fail until it is ejected), one is fine.
     */
    @Test
    void aRealPoolsDeadAndEjectedBackendsShowTheirReasons() throws Exception {
        try (TestTcpServer fine = TestTcpServer.start(); TestTcpServer killed = TestTcpServer.start();
                TestTcpServer wrong = TestTcpServer.start()) {
            EventLog events = new EventLog();
            try (ConnectionPool<TcpConnection> pool = ConnectionPool.builder(
                            new StaticResolver(List.of(fine.backend(), killed.backend(), wrong.backend())),
                            TcpConnectionFactory.builder().readTimeout(Duration.ofSeconds(2)).build())
                    .name("view").maxConnections(6).claimTimeout(Duration.ofSeconds(2))
                    .backoff(new BackoffPolicy(Duration.ofMillis(10), Duration.ofMillis(50), 0))
                    .scoreDecay(Duration.ofSeconds(2)).ejectionMinOutcomes(5).listener(events).build()) {
                await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().idle() == 6);
                killed.kill();
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ZERO).until(() -> {
                    useOnce(pool, wrong.backend());
                    PoolStats s = pool.stats();
                    return status(s, killed) == BackendStatus.DEAD && status(s, wrong) == BackendStatus.EJECTED;
                });
                List<String> lines = frame(events, 300, pool::stats);
                String all = String.join("\n", lines);
                assertTrue(row(lines, killed.backend()).matches("\\S+ +dead .*"), all);
                assertTrue(lineAfter(lines, killed.backend().key()).matches(
                        " +reason: \\d+ connect failures in a row; last: .*Connection refused"), all);
                assertTrue(row(lines, wrong.backend()).matches("\\S+ +ejected +[01] +[01] +0 +0\\.\\d\\d +\\d+( .*)?"),
                        all);
                assertTrue(lineAfter(lines, wrong.backend().key()).matches(
                        " +reason: use failure rate \\d+% over \\d+ outcomes .*IOException: a wrong answer"), all);
                assertTrue(row(lines, fine.backend()).matches("\\S+ +live .*"), all);
                assertTrue(events.ejectedAt.containsKey(wrong.backend().key()), "the log saw the ejection");
                assertTrue(events.deadAt.containsKey(killed.backend().key()), "the log saw the death");
                assertFalse(all.contains("null"), all);
            }
        }
    }

    /** One claim: a failed use on {@code wrong} (the application rejects its answer), else an echo. */
    private static void useOnce(ConnectionPool<TcpConnection> pool, Backend wrong) {
        Claim<TcpConnection> claim;
        try {
            claim = pool.claim();
        } catch (CueballException e) {
            return; // the pool is between states; try again
        }
        if (claim.backend().equals(wrong)) {
            claim.fail(new IOException("a wrong answer"));
            return;
        }
        try {
            TcpConnection c = claim.connection();
            c.output().write(7);
            c.output().flush();
            if (c.input().read() != 7) {
                throw new IOException("connection closed by the backend");
            }
            claim.close();
        } catch (IOException e) {
            claim.fail(e); // not close(): the use failed
        }
    }

    private static BackendStatus status(PoolStats stats, TestTcpServer server) {
        return stats.backend(server.backend().key()).map(BackendStats::status).orElse(BackendStatus.REMOVED);
    }
}
