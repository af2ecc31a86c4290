package io.cueball.conn.jdbc;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.Backend;
import io.cueball.BackendStats;
import io.cueball.BackoffPolicy;
import io.cueball.Claim;
import io.cueball.ConnectionPool;
import io.cueball.resolver.fixed.StaticResolver;
import io.cueball.testing.TestTcpServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A server that stops answering: a real PostgreSQL frozen with SIGSTOP (its postmaster and every process under
 * it), and a socket that accepts and never answers. Neither may hold a thread for longer than its timeout.
 */
class FrozenServerTest {
    private static final BackoffPolicy FAST = new BackoffPolicy(Duration.ofMillis(10), Duration.ofMillis(200), 0.2);

    private static PostgresCluster cluster;

    @BeforeAll
    static void cluster() {
        cluster = PostgresCluster.get();
        Awaitility.setDefaultPollDelay(Duration.ZERO);
        Awaitility.setDefaultPollInterval(Duration.ofMillis(10));
    }

    private static ConnectionPool<JdbcConnection> pool(String name, JdbcSettings settings, Backend backend) {
        return ConnectionPool.builder(new StaticResolver(List.of(backend)), new JdbcConnectionFactory(settings))
                .name(name).maxConnections(1).backoff(FAST).claimTimeout(Duration.ofSeconds(10)).build();
    }

    private static String one(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void aQueryOnAFrozenServerFailsWithinTheSocketTimeoutAndIsAUseFailureOfItsBackend() throws Exception {
        PostgresCluster.Node node = cluster.nodes.get(1);
        String key = node.backend().key();
        JdbcSettings settings = JdbcSettings.postgres(PostgresCluster.DB, PostgresCluster.USER)
                .password(() -> PostgresCluster.PASSWORD).applicationName("cueball-frozen")
                .socketTimeout(Duration.ofSeconds(2)).build();
        long postmaster = postmasterPid(node);
        try (var pool = pool("frozen", settings, node.backend())) {
            SQLException failure;
            long tookMs;
            try (Claim<JdbcConnection> claim = pool.claim()) {
                Connection c = claim.connection().jdbc();
                long session = Long.parseLong(one(c, "SELECT pg_backend_pid()"));
                try (Frozen frozen = Frozen.stop(postmaster)) {
                    assertTrue(frozen.pids.contains(session), "the session's backend " + session + " is among the "
                            + "stopped processes " + frozen.pids);
                    long start = System.nanoTime();
                    failure = assertThrows(SQLException.class, () -> one(c, "SELECT 1"));
                    tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                }
            } // released: the connection is gone, so the pool discards it
            assertTrue(tookMs >= 1_800 && tookMs < 2_000 + 3_000, "failed after " + tookMs + " ms, expected about "
                    + "the 2 s socket timeout: " + failure);
            assertEquals("08006", failure.getSQLState(), failure.toString());
            assertTrue(failure.getMessage().contains("An I/O error occurred"), failure.getMessage());
            assertTrue(JdbcConnection.isConnectionGone(failure));

            await().atMost(5, TimeUnit.SECONDS).until(() -> stats(pool, key).useFailures() == 1);
            BackendStats b = stats(pool, key);
            assertEquals(1, b.uses(), "the one claim, counted as failed");
            try (Claim<JdbcConnection> claim = pool.claim()) { // thawed: a new connection serves again
                assertEquals("1", one(claim.connection().jdbc(), "SELECT 1"));
            }
        }
    }

    @Test
    void aServerThatAcceptsAndNeverAnswersFailsTheConnectWithinTheConnectTimeout() {
        try (TestTcpServer silent = TestTcpServer.start()) {
            silent.silence();
            String key = silent.backend().key();
            JdbcSettings settings = JdbcSettings.postgres(PostgresCluster.DB, PostgresCluster.USER)
                    .password(() -> PostgresCluster.PASSWORD).connectTimeout(Duration.ofSeconds(2)).build();
            long start = System.nanoTime();
            // The pool's own connect watchdog stays at its 10 s default: the driver's login timeout must end it.
            try (var pool = pool("silent", settings, silent.backend())) {
                await().atMost(10, TimeUnit.SECONDS).until(() -> pool.stats().backend(key)
                        .map(b -> b.connectsFailed() >= 1).orElse(false));
                long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertTrue(silent.acceptedTotal() >= 1, "the socket accepted");
                assertTrue(tookMs >= 1_800 && tookMs < 2_000 + 3_000, "failed after " + tookMs + " ms, expected "
                        + "about the 2 s connect timeout");
                Throwable error = stats(pool, key).lastError();
                SQLException e = assertInstanceOf(SQLException.class, error, "the driver's failure, as a connect "
                        + "failure: " + error);
                assertEquals("08001", e.getSQLState(), e.getMessage());
                assertEquals("cannot connect to backend " + key + " (jdbc:postgresql://" + key + "/app, user app_user): "
                        + "Connection attempt timed out. [SQLState 08001]", e.getMessage());
                assertEquals(0, stats(pool, key).uses(), "a connect failure, not a use failure");
            }
        }
    }

    private static BackendStats stats(ConnectionPool<JdbcConnection> pool, String key) {
        return pool.stats().backend(key).orElseThrow();
    }

    /** The postmaster's pid, from {@code postmaster.pid} in the server's data directory. */
    private static long postmasterPid(PostgresCluster.Node node) throws SQLException, IOException {
        Properties superuser = new Properties();
        superuser.setProperty("user", "postgres"); // trusted on 127.0.0.1 by the cluster's pg_hba.conf
        String dataDirectory;
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + node.backend().key() + "/postgres",
                superuser)) {
            dataDirectory = one(c, "SHOW data_directory");
        }
        return Long.parseLong(Files.readAllLines(Path.of(dataDirectory, "postmaster.pid")).get(0).trim());
    }

    /** A server stopped with SIGSTOP, postmaster first (so it forks nothing new); close() sends SIGCONT to all. */
    private static final class Frozen implements AutoCloseable {
        final List<Long> pids = new ArrayList<>();

        static Frozen stop(long postmaster) {
            Frozen f = new Frozen();
            f.pids.add(postmaster);
            try {
                signal("-STOP", List.of(postmaster));
                ProcessHandle.of(postmaster).orElseThrow().descendants().forEach(p -> f.pids.add(p.pid()));
                signal("-STOP", f.pids);
            } catch (RuntimeException e) {
                f.close();
                throw e;
            }
            return f;
        }

        @Override
        public void close() {
            signal("-CONT", pids);
        }

        private static void signal(String signal, List<Long> pids) {
            List<String> command = new ArrayList<>(List.of("kill", signal));
            pids.forEach(p -> command.add(Long.toString(p)));
            try {
                Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
                String output = new String(p.getInputStream().readAllBytes());
                if (p.waitFor() != 0) {
                    throw new IllegalStateException(command + " failed: " + output);
                }
            } catch (IOException e) {
                throw new IllegalStateException(command + " could not run", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(command + " interrupted", e);
            }
        }
    }
}
