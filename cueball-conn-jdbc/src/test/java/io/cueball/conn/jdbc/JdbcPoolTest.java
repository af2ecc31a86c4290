package io.cueball.conn.jdbc;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.cueball.Backend;
import io.cueball.BackendStats;
import io.cueball.BackendStatus;
import io.cueball.BackoffPolicy;
import io.cueball.Claim;
import io.cueball.ConnectionPool;
import io.cueball.CueballException;
import io.cueball.PoolState;
import io.cueball.resolver.fixed.StaticResolver;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Pre-bound JDBC connections from a pool over three real PostgreSQL servers. */
class JdbcPoolTest {
    private static final BackoffPolicy FAST = new BackoffPolicy(Duration.ofMillis(10), Duration.ofMillis(200), 0.2);

    private static PostgresCluster cluster;

    @BeforeAll
    static void cluster() {
        cluster = PostgresCluster.get();
        Awaitility.setDefaultPollDelay(Duration.ZERO);
        Awaitility.setDefaultPollInterval(Duration.ofMillis(10));
    }

    private static JdbcSettings.Builder settings(String applicationName) {
        return JdbcSettings.postgres(PostgresCluster.DB, PostgresCluster.USER)
                .password(() -> PostgresCluster.PASSWORD).applicationName(applicationName);
    }

    private static ConnectionPool<JdbcConnection> pool(String name, JdbcSettings settings, int max,
            List<Backend> backends) {
        return ConnectionPool.builder(new StaticResolver(backends), new JdbcConnectionFactory(settings))
                .name(name).maxConnections(max).rebalanceDelay(Duration.ofMillis(50)).backoff(FAST)
                .claimTimeout(Duration.ofSeconds(10)).build();
    }

    private static String one(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void connectionsSpreadEvenlyOverTheThreeServers() {
        try (var pool = pool("spread", settings("cueball-spread").build(), 9, cluster.backends())) {
            await().atMost(20, TimeUnit.SECONDS).until(() -> pool.stats().idle() == 9);
            for (PostgresCluster.Node node : cluster.nodes) {
                assertEquals(3, node.sessions("cueball-spread"), "server " + node.index + " counts 3 sessions");
            }
        }
        await().atMost(10, TimeUnit.SECONDS)
                .until(() -> cluster.nodes.stream().allMatch(n -> n.sessions("cueball-spread") == 0));
    }

    @Test
    void aStoppedServersConnectionsAreDiscardedTheSurvivorsTakeItsShareAndItRegainsItWhenBack() throws Exception {
        PostgresCluster.Node victim = cluster.nodes.get(2);
        String victimKey = victim.backend().key();
        try (var pool = pool("failover", settings("cueball-failover").build(), 9, cluster.backends())) {
            await().atMost(20, TimeUnit.SECONDS).until(() -> pool.stats().idle() == 9);
            Map<String, AtomicInteger> failedOn = new ConcurrentHashMap<>();
            AtomicLong served = new AtomicLong();
            List<Throwable> claimErrors = new java.util.concurrent.CopyOnWriteArrayList<>();
            List<Thread> workers = new ArrayList<>();
            boolean[] stop = {false};
            for (int i = 0; i < 8; i++) {
                Thread t = new Thread(() -> {
                    while (!stop[0]) {
                        try (Claim<JdbcConnection> claim = pool.claim()) {
                            try {
                                one(claim.connection().jdbc(), "SELECT 1");
                                served.incrementAndGet();
                            } catch (SQLException e) {
                                failedOn.computeIfAbsent(claim.backend().key(), k -> new AtomicInteger())
                                        .incrementAndGet();
                                JdbcConnection.discardIfGone(claim, e);
                            }
                        } catch (CueballException e) {
                            claimErrors.add(e);
                        }
                    }
                }, "test-query-" + i);
                t.setDaemon(true);
                workers.add(t);
                t.start();
            }
            try {
                await().atMost(10, TimeUnit.SECONDS).until(() -> served.get() > 500);
                victim.stop();
                await().atMost(20, TimeUnit.SECONDS).until(() -> {
                    BackendStats v = pool.stats().backend(victimKey).orElseThrow();
                    int survivors = pool.stats().backends().stream().filter(b -> !b.backend().key().equals(victimKey))
                            .mapToInt(BackendStats::open).sum();
                    return v.status() == BackendStatus.DEAD && survivors == 8;
                });
                long afterFailover = served.get();
                await().atMost(10, TimeUnit.SECONDS).until(() -> served.get() > afterFailover + 500);
                assertEquals(List.of(victimKey), List.copyOf(failedOn.keySet()),
                        "only queries holding a connection to the stopped server failed");
                int failed = failedOn.get(victimKey).get();
                assertTrue(failed >= 1 && failed <= 3 + 8, "failed queries: " + failed);
                assertTrue(claimErrors.isEmpty(), "claims kept succeeding: " + claimErrors);

                victim.start();
                await().atMost(20, TimeUnit.SECONDS).until(() -> {
                    BackendStats v = pool.stats().backend(victimKey).orElseThrow();
                    return v.status() == BackendStatus.LIVE && v.open() == 3;
                });
                await().atMost(10, TimeUnit.SECONDS).until(() -> victim.sessions("cueball-failover") == 3);
            } finally {
                stop[0] = true;
                for (Thread t : workers) {
                    t.join(10_000);
                }
            }
            assertTrue(claimErrors.isEmpty(), "claims kept succeeding: " + claimErrors);
        } finally {
            victim.ensureRunning();
        }
    }

    @Test
    void aWrongPasswordMarksTheBackendDeadWithTheServersMessageAndNeverLeaksThePassword() {
        String wrong = "not-the-Pw-8c1d";
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger cueball = (Logger) LoggerFactory.getLogger("io.cueball");
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        Level before = cueball.getLevel();
        cueball.setLevel(Level.DEBUG);
        try (var pool = pool("wrong-pw", settings("cueball-wrong").password(() -> wrong).build(), 2,
                List.of(cluster.nodes.get(0).backend()))) {
            await().atMost(20, TimeUnit.SECONDS).until(() -> pool.state() == PoolState.FAILED);
            BackendStats b = pool.stats().backend(cluster.nodes.get(0).backend().key()).orElseThrow();
            assertEquals(BackendStatus.DEAD, b.status());
            Throwable error = b.lastError();
            assertNotNull(error);
            assertTrue(error.getMessage().contains("password authentication failed for user \"app_user\""),
                    error.getMessage());
            assertTrue(error.getMessage().contains("[SQLState 28P01]"), error.getMessage());
            assertInstanceOf(SQLException.class, error);
            assertEquals("28P01", ((SQLException) error).getSQLState());

            var claim = assertThrows(CueballException.class, pool::claim);
            for (Throwable t = claim; t != null; t = t.getCause()) {
                assertFalse(String.valueOf(t.getMessage()).contains(wrong), "no password in " + t);
            }
        } finally {
            root.detachAppender(logs);
            cueball.setLevel(before);
        }
        assertFalse(logs.list.isEmpty(), "the failures were logged");
        for (ILoggingEvent e : logs.list) {
            assertFalse(e.getFormattedMessage().contains(wrong), "no password in the log: " + e.getFormattedMessage());
            if (e.getThrowableProxy() != null) {
                assertFalse(e.getThrowableProxy().getMessage().contains(wrong));
            }
        }
        assertTrue(logs.list.stream().anyMatch(e -> e.getFormattedMessage().contains("28P01")), "with the SQLState");
    }

    @Test
    void initStatementsAndTheApplicationNameAreVisibleInTheBoundSession() throws SQLException {
        var s = settings("cueball-init").initStatements("SET search_path TO reports, public",
                "SET statement_timeout TO '5s'").build();
        try (var pool = pool("init", s, 3, cluster.backends())) {
            for (int i = 0; i < 3; i++) {
                try (var claim = pool.claim()) {
                    Connection c = claim.connection().jdbc();
                    assertEquals("reports, public", one(c, "SHOW search_path"));
                    assertEquals("cueball-init", one(c, "SHOW application_name"));
                    assertEquals("5s", one(c, "SHOW statement_timeout"));
                }
            }
        }
    }

    @Test
    void aFailedInitStatementFailsTheConnectAndClosesTheHalfOpenConnection() {
        var s = settings("cueball-badinit").initStatements("SET search_path TO reports", "SELEKT 1").build();
        try (var pool = pool("badinit", s, 1, List.of(cluster.nodes.get(1).backend()))) {
            String key = cluster.nodes.get(1).backend().key();
            await().atMost(20, TimeUnit.SECONDS).until(() -> pool.stats().backend(key)
                    .map(b -> b.connectsFailed() >= 1).orElse(false));
            String message = pool.stats().backend(key).orElseThrow().lastError().getMessage();
            assertTrue(message.startsWith("cannot bind (init statement 'SELEKT 1') to backend "), message);
            assertTrue(message.contains("[SQLState 42601]"), message);
            assertEquals(0, pool.stats().idle(), "never handed out");
            await().atMost(10, TimeUnit.SECONDS).until(() -> cluster.nodes.get(1).sessions("cueball-badinit") == 0);
        }
    }

    @Test
    void stateLeftBehindByOneClaimerIsNotSeenByTheNext() throws SQLException {
        try (var pool = pool("reset", settings("cueball-reset").build(), 1, List.of(cluster.nodes.get(0).backend()))) {
            String firstPid;
            try (var claim = pool.claim()) {
                Connection c = claim.connection().jdbc();
                firstPid = one(c, "SELECT pg_backend_pid()");
                c.setAutoCommit(false);
                c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO public.notes (text) VALUES (?)")) {
                    ps.setString(1, "uncommitted");
                    ps.executeUpdate();
                }
                c.setSchema("reports");
            } // released with a transaction open, isolation, auto-commit and schema changed
            try (var claim = pool.claim()) {
                claim.connection().jdbc().setReadOnly(true);
            }
            try (var claim = pool.claim()) {
                Connection c = claim.connection().jdbc();
                assertEquals(firstPid, one(c, "SELECT pg_backend_pid()"),
                        "the same physical connection (a pool of one)");
                assertTrue(c.getAutoCommit());
                assertFalse(c.isReadOnly());
                assertEquals(Connection.TRANSACTION_READ_COMMITTED, c.getTransactionIsolation());
                assertEquals("read committed", one(c, "SHOW transaction_isolation"));
                assertEquals("public", c.getSchema());
                assertEquals("0", one(c, "SELECT count(*) FROM notes WHERE text = 'uncommitted'"),
                        "the open transaction was rolled back");

                try (Statement st = c.createStatement()) { // a BEGIN sent as SQL, in auto-commit mode
                    st.execute("BEGIN");
                    st.execute("INSERT INTO notes (text) VALUES ('begun')");
                }
            }
            try (var claim = pool.claim()) {
                assertEquals("0", one(claim.connection().jdbc(), "SELECT count(*) FROM notes WHERE text = 'begun'"));
            }
        }
    }

    @Test
    void theDataSourceServesPlainJdbcCode() throws SQLException {
        try (var pool = pool("datasource", settings("cueball-ds").build(), 2, cluster.backends())) {
            var ds = new CueballDataSource(pool);
            for (int i = 0; i < 5; i++) {
                try (Connection c = ds.getConnection();
                        PreparedStatement ps = c.prepareStatement("SELECT ? + 1")) {
                    ps.setInt(1, i);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        assertEquals(i + 1, rs.getInt(1));
                    }
                }
            }
            Connection c = ds.getConnection();
            assertEquals(1, pool.stats().claimed());
            c.close();
            c.close(); // a second close is a no-op
            assertTrue(c.isClosed());
            assertEquals(0, pool.stats().claimed(), "closing released the claim");
            var e = assertThrows(SQLException.class, c::createStatement);
            assertTrue(e.getMessage().contains("already closed"), e.getMessage());
            assertEquals("08003", e.getSQLState());
            assertTrue(ds.isWrapperFor(ConnectionPool.class));
            assertThrows(java.sql.SQLFeatureNotSupportedException.class, () -> ds.getConnection("u", "p"));
        }
    }
}
