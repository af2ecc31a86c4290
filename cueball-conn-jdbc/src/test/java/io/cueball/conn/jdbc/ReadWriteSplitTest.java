package io.cueball.conn.jdbc;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.Backend;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The read/write split on a real primary and two streaming replicas: roles read from the servers, read-only work
 * on the replicas (spread over both), everything else on the primary, and nothing written to a replica.
 */
class ReadWriteSplitTest {
    private static final BackoffPolicy FAST = new BackoffPolicy(Duration.ofMillis(10), Duration.ofMillis(200), 0.2);

    private static ReplicatedCluster cluster;
    private static PostgresRoles roles;
    private static ConnectionPool<JdbcConnection> writes;
    private static ConnectionPool<JdbcConnection> reads;
    private static ReadWriteDataSource ds;
    private static int primaryPort;
    private static Set<Integer> replicaPorts;

    @BeforeAll
    static void start() {
        Awaitility.setDefaultPollDelay(Duration.ZERO);
        Awaitility.setDefaultPollInterval(Duration.ofMillis(10));
        Awaitility.setDefaultTimeout(Duration.ofSeconds(10));
        cluster = ReplicatedCluster.start(2);
        primaryPort = cluster.primary.port();
        replicaPorts = cluster.replicas.stream().map(ReplicatedCluster.Server::port).collect(Collectors.toSet());

        JdbcSettings settings = JdbcSettings.postgres(ReplicatedCluster.DB, ReplicatedCluster.USER)
                .password(() -> ReplicatedCluster.PASSWORD).applicationName("rw-split").build();
        List<Backend> all = new ArrayList<>();
        all.add(cluster.primary.backend());
        cluster.replicas.forEach(r -> all.add(r.backend()));
        roles = PostgresRoles.builder(new StaticResolver(all), settings).name("split")
                .checkInterval(Duration.ofMillis(500)).build();
        writes = ConnectionPool.builder(roles.resolver(TargetRole.PRIMARY), roles.factory(TargetRole.PRIMARY))
                .name("writes").maxConnections(2).rebalanceDelay(Duration.ofMillis(20)).backoff(FAST)
                .claimTimeout(Duration.ofSeconds(5)).build();
        reads = ConnectionPool.builder(roles.resolver(TargetRole.PREFER_REPLICA),
                        roles.factory(TargetRole.PREFER_REPLICA))
                .name("reads").maxConnections(4).rebalanceDelay(Duration.ofMillis(20)).backoff(FAST)
                .claimTimeout(Duration.ofSeconds(5)).build();
        ds = new ReadWriteDataSource(new CueballDataSource(writes), new CueballDataSource(reads));
        await().until(() -> live(writes).size() == 1 && live(reads).size() == 2 && reads.stats().idle() == 4
                && writes.stats().idle() == 2);
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {writes, reads, roles, cluster}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // the next one still closes
            }
        }
    }

    private static Set<Integer> live(ConnectionPool<JdbcConnection> pool) {
        return pool.stats().backends().stream().filter(b -> b.status() == BackendStatus.LIVE)
                .map(b -> b.backend().port()).collect(Collectors.toSet());
    }

    /** {@code inet_server_port()} and {@code pg_is_in_recovery()} where the connection runs. */
    private static Map.Entry<Integer, Boolean> where(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT inet_server_port(), pg_is_in_recovery()")) {
            rs.next();
            return Map.entry(rs.getInt(1), rs.getBoolean(2));
        }
    }

    /** Inserts a note; returns the port of the server that inserted it. */
    private static int insert(Connection c, String text) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO notes (text) VALUES (?) RETURNING port")) {
            ps.setString(1, text);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    @Test
    void theRolesAreReadFromTheServersAndEachPoolGetsItsOwn() {
        Map<Integer, ServerRole> byPort = new HashMap<>();
        for (PostgresRoles.Status s : roles.status()) {
            assertTrue(s.answering(), s.toString());
            byPort.put(s.backend().port(), s.role());
        }
        assertEquals(ServerRole.PRIMARY, byPort.get(primaryPort));
        replicaPorts.forEach(p -> assertEquals(ServerRole.REPLICA, byPort.get(p)));
        assertEquals(Set.of(primaryPort), live(writes));
        assertEquals(replicaPorts, live(reads));
    }

    @Test
    void aSpringStyleReadOnlyTransactionRunsOnAReplicaAndTheNextWriteOnThePrimary() throws SQLException {
        try (Connection c = ds.getConnection()) {
            // DataSourceTransactionManager.doBegin for @Transactional(readOnly = true):
            c.setReadOnly(true);
            if (c.getAutoCommit()) {
                c.setAutoCommit(false);
            }
            var where = where(c);
            assertTrue(replicaPorts.contains(where.getKey()), "read-only work runs on a replica: " + where);
            assertTrue(where.getValue(), "pg_is_in_recovery() inside the read-only transaction");
            // ... commit, then doCleanupAfterCompletion: auto-commit back on, read-only off.
            c.commit();
            c.setAutoCommit(true);
            c.setReadOnly(false);

            assertEquals(primaryPort, insert(c, "after a read-only transaction"),
                    "read-only off at a transaction boundary: the same connection now writes to the primary");
            assertEquals(Map.entry(primaryPort, false), where(c));
        }
        await().until(() -> writes.stats().claimed() == 0 && reads.stats().claimed() == 0);
    }

    @Test
    void readOnlyConnectionsHeldAtOnceAreSpreadOverTheReplicas() throws SQLException {
        List<Connection> held = new ArrayList<>();
        Map<Integer, Integer> perPort = new HashMap<>();
        try {
            for (int i = 0; i < 4; i++) {
                Connection c = ds.getConnection();
                held.add(c);
                c.setReadOnly(true);
                perPort.merge(where(c).getKey(), 1, Integer::sum);
            }
        } finally {
            for (Connection c : held) {
                c.close();
            }
        }
        assertEquals(replicaPorts.stream().collect(Collectors.toMap(p -> p, p -> 2)), perPort,
                "the replicas' pool spreads its four connections two and two; the primary serves no read");
    }

    @Test
    void aWriteOnAReadOnlyConnectionIsRefusedByTheReplicaAndLandsNowhere() throws SQLException {
        for (boolean autoCommit : new boolean[] {true, false}) {
            String text = "written read-only, autoCommit=" + autoCommit;
            try (Connection c = ds.getConnection()) {
                c.setReadOnly(true);
                c.setAutoCommit(autoCommit);
                SQLException e = assertThrows(SQLException.class, () -> insert(c, text));
                assertEquals("25006", e.getSQLState(), e.toString()); // read_only_sql_transaction
                if (!autoCommit) {
                    c.rollback();
                }
            }
            cluster.awaitReplayed();
            assertEquals("0", cluster.primary.query("SELECT count(*) FROM notes WHERE text = '" + text + "'"));
            for (var r : cluster.replicas) {
                assertEquals("0", r.query("SELECT count(*) FROM notes WHERE text = '" + text + "'"));
            }
        }
    }

    @Test
    void readWriteInsideAReplicaTransactionIsRefusedAndAllowedAfterIt() throws SQLException {
        try (Connection c = ds.getConnection()) {
            c.setReadOnly(true);
            c.setAutoCommit(false);
            assertTrue(where(c).getValue());
            SQLException e = assertThrows(SQLException.class, () -> c.setReadOnly(false));
            assertEquals("25001", e.getSQLState());
            assertTrue(c.isReadOnly(), "still read-only, still on the replica");
            assertTrue(where(c).getValue());

            c.rollback(); // the boundary
            c.setReadOnly(false);
            assertFalse(c.isReadOnly());
            assertEquals(primaryPort, insert(c, "after the replica's transaction"));
            c.commit();
        }
    }

    @Test
    void readOnlyOnAConnectionAlreadyOnThePrimaryStaysOnThePrimary() throws SQLException {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            insert(c, "read your own writes");
            c.commit();
            c.setReadOnly(true);
            assertEquals(Map.entry(primaryPort, false), where(c));
            assertEquals("1", one(c, "SELECT count(*) FROM notes WHERE text = 'read your own writes'"),
                    "its own write is visible at once: it did not move to a replica that may not have it yet");
            c.rollback();
        }
    }

    @Test
    void aConnectionThatNeverNeedsTheDatabaseClaimsNothing() throws SQLException {
        long writesBefore = writes.stats().claims();
        long readsBefore = reads.stats().claims();
        Connection c = ds.getConnection();
        c.setReadOnly(true);
        c.setAutoCommit(false);
        assertTrue(c.isReadOnly());
        assertFalse(c.getAutoCommit());
        c.commit();
        c.rollback();
        c.setAutoCommit(true);
        c.setReadOnly(false);
        assertTrue(c.isValid(1));
        c.close();
        assertTrue(c.isClosed());
        assertEquals(writesBefore, writes.stats().claims());
        assertEquals(readsBefore, reads.stats().claims());
    }

    @Test
    void whatWasRecordedBeforeTheClaimIsAppliedToTheClaimedConnection() throws SQLException {
        try (Connection c = ds.getConnection()) {
            assertEquals(Connection.TRANSACTION_READ_COMMITTED, c.getTransactionIsolation(), "the server's default");
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            c.setReadOnly(true);
            c.setAutoCommit(false);
            assertEquals(Connection.TRANSACTION_REPEATABLE_READ, c.getTransactionIsolation());
            assertEquals("repeatable read", one(c, "SELECT current_setting('transaction_isolation')"));
            assertEquals("on", one(c, "SELECT current_setting('transaction_read_only')"));
            c.rollback();
        }
        try (Connection c = ds.getConnection()) { // the pool reset what the last claimer changed
            assertEquals("read committed", one(c, "SELECT current_setting('transaction_isolation')"));
        }
    }

    @Test
    void aClosedConnectionRefusesUseWith08003AndUnwrapReachesTheDriver() throws SQLException {
        Connection c = ds.getConnection();
        assertTrue(c.isWrapperFor(org.postgresql.PGConnection.class));
        Connection driver = (Connection) c.unwrap(org.postgresql.PGConnection.class);
        assertEquals(primaryPort, (int) where(driver).getKey(), "not read-only: the primary's connection");
        c.close();
        c.close(); // twice is fine
        SQLException e = assertThrows(SQLException.class, c::createStatement);
        assertEquals("08003", e.getSQLState());
        assertEquals("08003", assertThrows(SQLException.class, () -> c.setReadOnly(true)).getSQLState());
    }

    @Test
    void theRoleIsReadAtBindAndAConnectionInTheWrongRoleIsRefused() throws Exception {
        Backend replica = cluster.replica().backend();
        Backend primary = cluster.primary.backend();
        SQLException e = assertThrows(SQLException.class, () -> roles.factory(TargetRole.PRIMARY).connect(replica));
        assertEquals("08004", e.getSQLState());
        assertTrue(e.getMessage().contains("backend " + replica.key() + " is a replica and this pool wants PRIMARY"),
                e.getMessage());
        e = assertThrows(SQLException.class, () -> roles.factory(TargetRole.REPLICA).connect(primary));
        assertTrue(e.getMessage().contains("is a primary"), e.getMessage());
        try (JdbcConnection r = roles.factory(TargetRole.PREFER_REPLICA).connect(replica);
                JdbcConnection p = roles.factory(TargetRole.PREFER_REPLICA).connect(primary)) {
            assertTrue(where(r.jdbc()).getValue());
            assertFalse(where(p.jdbc()).getValue());
        }
    }

    private static String one(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
