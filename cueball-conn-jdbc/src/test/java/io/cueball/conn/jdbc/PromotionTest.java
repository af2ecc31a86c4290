package io.cueball.conn.jdbc;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.BackendStatus;
import io.cueball.BackoffPolicy;
import io.cueball.ConnectionPool;
import io.cueball.resolver.fixed.StaticResolver;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A failover on real servers: the primary stops, its streaming replica is promoted with {@code pg_promote()}, and
 * a writer and a reader keep going through one {@link ReadWriteDataSource} the whole time.
 */
class PromotionTest {
    private static final Duration CHECK_INTERVAL = Duration.ofMillis(200);
    private static final Duration REBALANCE_DELAY = Duration.ofMillis(50);
    /** A probe's connect and query, the pool's connect and the write itself, on a loaded test machine. */
    private static final Duration SLACK = Duration.ofSeconds(1);
    private static final BackoffPolicy FAST = new BackoffPolicy(Duration.ofMillis(10), Duration.ofMillis(100), 0.2);

    /** One attempt: what was written or read, when it ended, and where (or the SQLState it failed with). */
    private record Outcome(String text, long endedAt, int port, boolean inRecovery, String sqlState) {
        boolean ok() {
            return sqlState == null;
        }
    }

    @BeforeAll
    static void awaitility() {
        Awaitility.setDefaultPollDelay(Duration.ZERO);
        Awaitility.setDefaultPollInterval(Duration.ofMillis(5));
        Awaitility.setDefaultTimeout(Duration.ofSeconds(10));
    }

    private static Set<Integer> live(ConnectionPool<JdbcConnection> pool) {
        return pool.stats().backends().stream().filter(b -> b.status() == BackendStatus.LIVE)
                .map(b -> b.backend().port()).collect(Collectors.toSet());
    }

    @Test
    void writesFollowThePromotedReplicaWithinACheckIntervalPlusTheRebalanceDelayAndNoWriteReachesAReplica()
            throws Exception {
        try (ReplicatedCluster cluster = ReplicatedCluster.start(1)) {
            int p = cluster.primary.port();
            int r = cluster.replica().port();
            JdbcSettings settings = JdbcSettings.postgres(ReplicatedCluster.DB, ReplicatedCluster.USER)
                    .password(() -> ReplicatedCluster.PASSWORD).applicationName("failover").build();
            PostgresRoles roles = PostgresRoles.builder(
                            StaticResolver.of(cluster.primary.backend(), cluster.replica().backend()), settings)
                    .name("failover").checkInterval(CHECK_INTERVAL).probeTimeout(Duration.ofSeconds(1)).build();
            try (var writes = ConnectionPool.builder(roles.resolver(TargetRole.PRIMARY),
                            roles.factory(TargetRole.PRIMARY))
                    .name("writes").maxConnections(2).rebalanceDelay(REBALANCE_DELAY).backoff(FAST)
                    .claimTimeout(Duration.ofSeconds(2)).build();
                    var reads = ConnectionPool.builder(roles.resolver(TargetRole.PREFER_REPLICA),
                                    roles.factory(TargetRole.PREFER_REPLICA))
                            .name("reads").maxConnections(2).rebalanceDelay(REBALANCE_DELAY).backoff(FAST)
                            .claimTimeout(Duration.ofSeconds(2)).build()) {
                var ds = new ReadWriteDataSource(new CueballDataSource(writes), new CueballDataSource(reads));
                await().until(() -> live(writes).equals(Set.of(p)) && live(reads).equals(Set.of(r)));

                Queue<Outcome> written = new ConcurrentLinkedQueue<>();
                Queue<Outcome> read = new ConcurrentLinkedQueue<>();
                AtomicBoolean running = new AtomicBoolean(true);
                Thread writer = new Thread(() -> writeUntilStopped(ds, running, written), "writer");
                Thread reader = new Thread(() -> readUntilStopped(ds, running, read), "reader");
                writer.start();
                reader.start();
                try {
                    await().until(() -> written.stream().filter(Outcome::ok).count() >= 20);

                    cluster.primary.stop(); // fast shutdown: its sessions end, WAL already sent stays on the replica
                    long stopped = System.nanoTime();
                    TimeUnit.MILLISECONDS.sleep(300); // an outage: writes fail, reads go on on the replica
                    long promoting = System.nanoTime();
                    cluster.replica().promote();
                    long promoted = System.nanoTime();

                    await().until(() -> written.stream().anyMatch(o -> o.ok() && o.port() == r));
                    long followed = written.stream().filter(o -> o.ok() && o.port() == r)
                            .mapToLong(Outcome::endedAt).min().orElseThrow();
                    Duration took = Duration.ofNanos(followed - promoted);
                    assertTrue(took.compareTo(CHECK_INTERVAL.plus(REBALANCE_DELAY).plus(SLACK)) <= 0,
                            "writes followed the new primary " + took.toMillis() + " ms after pg_promote() returned");
                    await().until(() -> written.stream().filter(o -> o.ok() && o.port() == r).count() >= 20
                            && read.stream().filter(o -> o.ok() && o.endedAt() > promoted).count() >= 20);
                    running.set(false);
                    writer.join();
                    reader.join();

                    // Nothing was written to a replica: no write was refused as one (25006), and every write that
                    // succeeded ran on a server out of recovery: the old primary before it stopped, the new one
                    // after its promotion.
                    List<Outcome> all = List.copyOf(written);
                    assertTrue(all.stream().noneMatch(o -> "25006".equals(o.sqlState())), failures(all));
                    for (Outcome o : all) {
                        if (o.ok()) {
                            assertFalse(o.inRecovery(), o.toString());
                            assertTrue(o.port() == p ? o.endedAt() < stopped : o.endedAt() > promoting, o.toString());
                        }
                    }
                    // Rows exist where expected: the new primary has every acknowledged write (the old primary's
                    // through replication), with the port that inserted it, and nothing else but writes whose
                    // outcome was lost with the connection.
                    Map<String, Integer> rows = rows(cluster.replica());
                    Map<String, Outcome> byText = all.stream().collect(Collectors.toMap(Outcome::text, o -> o));
                    for (Outcome o : all) {
                        if (o.ok()) {
                            assertEquals(o.port(), rows.get(o.text()), "acknowledged write " + o);
                        }
                    }
                    for (var row : rows.entrySet()) {
                        Outcome o = byText.get(row.getKey());
                        assertTrue(o != null && (o.ok() || inDoubt(o.sqlState())), "unexpected row " + row);
                    }

                    // Reads went on: on the replica while it was one, then on it as the primary (no replica left,
                    // so prefer-replica took the primary), never on the stopped server after it stopped.
                    for (Outcome o : read) {
                        if (o.ok()) {
                            assertTrue(o.port() == r || o.endedAt() < stopped, o.toString());
                            assertTrue(o.inRecovery() || o.endedAt() > promoting, o.toString());
                        }
                    }
                    assertEquals(Set.of(r), live(writes));
                    assertEquals(Set.of(r), live(reads));
                    var status = roles.status();
                    assertNull(status.get(0).role(), "the old primary, superseded: " + status);
                    assertEquals(ServerRole.PRIMARY, status.get(1).role(), status.toString());
                } finally {
                    running.set(false);
                    writer.join();
                    reader.join();
                }
            }
            roles.close();
        }
    }

    private static boolean inDoubt(String sqlState) {
        return sqlState != null && (sqlState.startsWith("08") || sqlState.startsWith("57P"));
    }

    private static String failures(List<Outcome> all) {
        return all.stream().filter(o -> !o.ok()).collect(Collectors.groupingBy(Outcome::sqlState,
                Collectors.counting())).toString();
    }

    private static void writeUntilStopped(ReadWriteDataSource ds, AtomicBoolean running, Queue<Outcome> out) {
        for (int i = 0; running.get(); i++) {
            String text = "write " + i;
            try (Connection c = ds.getConnection()) {
                c.setAutoCommit(false);
                int port;
                boolean inRecovery;
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO notes (text) VALUES (?) RETURNING port, pg_is_in_recovery()")) {
                    ps.setString(1, text);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        port = rs.getInt(1);
                        inRecovery = rs.getBoolean(2);
                    }
                }
                c.commit();
                out.add(new Outcome(text, System.nanoTime(), port, inRecovery, null));
            } catch (SQLException e) {
                out.add(new Outcome(text, System.nanoTime(), -1, false, String.valueOf(e.getSQLState())));
                pause();
            }
        }
    }

    private static void readUntilStopped(ReadWriteDataSource ds, AtomicBoolean running, Queue<Outcome> out) {
        for (int i = 0; running.get(); i++) {
            try (Connection c = ds.getConnection()) {
                c.setReadOnly(true);
                c.setAutoCommit(false);
                try (Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT inet_server_port(), pg_is_in_recovery()")) {
                    rs.next();
                    out.add(new Outcome("read " + i, System.nanoTime(), rs.getInt(1), rs.getBoolean(2), null));
                }
                c.commit();
            } catch (SQLException e) {
                out.add(new Outcome("read " + i, System.nanoTime(), -1, false, String.valueOf(e.getSQLState())));
                pause();
            }
            pause();
        }
    }

    private static void pause() {
        try {
            TimeUnit.MILLISECONDS.sleep(2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Map<String, Integer> rows(ReplicatedCluster.Server server) throws SQLException {
        Map<String, Integer> rows = new HashMap<>();
        try (Connection c = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + server.port()
                        + "/" + ReplicatedCluster.DB, "postgres", "");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT text, port FROM notes WHERE text LIKE 'write %'")) {
            while (rs.next()) {
                rows.put(rs.getString(1), rs.getInt(2));
            }
        }
        return rows;
    }
}
