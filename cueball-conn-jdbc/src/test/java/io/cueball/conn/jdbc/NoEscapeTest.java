package io.cueball.conn.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.Backend;
import io.cueball.BackendStats;
import io.cueball.BackoffPolicy;
import io.cueball.ConnectionPool;
import io.cueball.resolver.fixed.StaticResolver;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.postgresql.PGConnection;
import org.postgresql.PGStatement;

/**
 * The escape list against a real PostgreSQL, through a pool of one connection: every path back to the
 * connection leads to the pool's wrapper, never to pgjdbc's {@code PgConnection}; closing through any of them
 * releases the claim; state set through any of them is gone for the next claimer.
 */
class NoEscapeTest {
    private static final BackoffPolicy FAST = new BackoffPolicy(Duration.ofMillis(10), Duration.ofMillis(200), 0.2);
    private static final String APP = "cueball-escape";
    private static final Executor SAME_THREAD = Runnable::run;

    private PostgresCluster.Node node;
    private Backend backend;
    private ConnectionPool<JdbcConnection> pool;
    private CueballDataSource ds;

    @BeforeEach
    void poolOfOne() {
        node = PostgresCluster.get().nodes.get(0);
        backend = node.backend();
        JdbcSettings settings = JdbcSettings.postgres(PostgresCluster.DB, PostgresCluster.USER)
                .password(() -> PostgresCluster.PASSWORD).applicationName(APP).build();
        // A short claim timeout: a claim left held by an escape fails the next getConnection within 2 s.
        pool = ConnectionPool.builder(new StaticResolver(List.of(backend)), new JdbcConnectionFactory(settings))
                .name("escape").maxConnections(1).rebalanceDelay(Duration.ofMillis(50)).backoff(FAST)
                .claimTimeout(Duration.ofSeconds(2)).build();
        ds = new CueballDataSource(pool);
    }

    @AfterEach
    void close() {
        pool.close();
    }

    private static String one(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** The next claimer gets the connection at once, and it is the same physical one (it was not closed). */
    private void nextClaimerGetsTheSameSession(String pid) throws SQLException {
        assertEquals(0, pool.stats().claimed(), "the claim was released");
        try (Connection next = ds.getConnection()) {
            assertEquals(pid, one(next, "SELECT pg_backend_pid()"), "the physical connection was kept");
        }
    }

    @Test
    void everyPathBackToTheConnectionLeadsToThePoolsWrapper() throws SQLException {
        try (Connection c = ds.getConnection()) {
            assertFalse(c instanceof PGConnection, "the pool's own object");
            Statement s = c.createStatement();
            assertSame(c, s.getConnection());
            DatabaseMetaData md = c.getMetaData();
            assertSame(c, md.getConnection());
            PreparedStatement ps = c.prepareStatement("SELECT ?::int + 1");
            assertSame(c, ps.getConnection());
            CallableStatement cs = c.prepareCall("{? = call upper(?)}");
            assertSame(c, cs.getConnection());

            ResultSet rs = s.executeQuery("SELECT 1");
            assertSame(s, rs.getStatement());
            assertSame(c, rs.getStatement().getConnection());
            ps.setInt(1, 41);
            ResultSet prs = ps.executeQuery();
            assertSame(ps, prs.getStatement());
            prs.next();
            assertEquals(42, prs.getInt(1));
            assertTrue(s.execute("SELECT 2"));
            assertSame(s, s.getResultSet().getStatement());

            cs.registerOutParameter(1, Types.VARCHAR);
            cs.setString(2, "abc");
            cs.execute();
            assertEquals("ABC", cs.getString(1));

            ResultSet tables = md.getTables(null, "public", "notes", null);
            assertTrue(tables.next());
            Statement behindMetadata = tables.getStatement(); // pgjdbc reports its own statement: wrapped
            if (behindMetadata != null) {
                assertSame(c, behindMetadata.getConnection());
                assertSame(behindMetadata, tables.getStatement(), "one wrapper per result set");
            }
            for (Object o : List.of(s, md, ps, cs, rs, prs, tables)) {
                assertTrue(o.getClass().getName().startsWith("io.cueball."), "a wrapper: " + o.getClass());
            }
        }
    }

    @Test
    void closingTheConnectionOfAStatementReleasesTheClaim() throws SQLException {
        Connection c = ds.getConnection();
        String pid = one(c, "SELECT pg_backend_pid()");
        c.createStatement().getConnection().close();
        assertTrue(c.isClosed());
        nextClaimerGetsTheSameSession(pid);

        c = ds.getConnection();
        c.getMetaData().getConnection().close();
        nextClaimerGetsTheSameSession(pid);

        c = ds.getConnection();
        c.prepareStatement("SELECT 1").getConnection().close();
        nextClaimerGetsTheSameSession(pid);

        c = ds.getConnection();
        c.prepareCall("{call pg_sleep(0)}").getConnection().close();
        nextClaimerGetsTheSameSession(pid);

        c = ds.getConnection();
        c.createStatement().executeQuery("SELECT 1").getStatement().getConnection().close();
        nextClaimerGetsTheSameSession(pid);

        c = ds.getConnection();
        c.getMetaData().getTables(null, "public", "notes", null).getStatement().getConnection().close();
        nextClaimerGetsTheSameSession(pid);
    }

    @Test
    void stateSetThroughAStatementsConnectionIsNotInForceForTheNextClaimer() throws SQLException {
        String pid;
        int boundNetworkTimeout;
        int boundHoldability;
        try (Connection c = ds.getConnection()) {
            pid = one(c, "SELECT pg_backend_pid()");
            boundNetworkTimeout = c.getNetworkTimeout();
            boundHoldability = c.getHoldability();
            Statement s = c.createStatement();
            s.getConnection().setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
            c.getMetaData().getConnection().setReadOnly(true);
            ResultSet rs = s.executeQuery("SELECT 1");
            rs.getStatement().getConnection().setSchema("reports");
            c.prepareStatement("SELECT 1").getConnection().setHoldability(
                    boundHoldability == ResultSet.HOLD_CURSORS_OVER_COMMIT
                            ? ResultSet.CLOSE_CURSORS_AT_COMMIT : ResultSet.HOLD_CURSORS_OVER_COMMIT);
            s.getConnection().setNetworkTimeout(SAME_THREAD, 12_345);
            s.getConnection().setClientInfo("ApplicationName", "changed-by-holder");
            s.getConnection().setAutoCommit(false);

            // In force for this claimer:
            assertEquals("serializable", one(c, "SHOW transaction_isolation"));
            assertEquals("on", one(c, "SHOW transaction_read_only"));
            assertEquals("reports", one(c, "SELECT current_schema()"));
            assertEquals("changed-by-holder", one(c, "SHOW application_name"));
            assertEquals(12_345, c.getNetworkTimeout());
        }
        try (Connection c = ds.getConnection()) {
            assertEquals(pid, one(c, "SELECT pg_backend_pid()"), "the same physical connection");
            assertTrue(c.getAutoCommit());
            assertEquals(Connection.TRANSACTION_READ_COMMITTED, c.getTransactionIsolation());
            assertEquals("read committed", one(c, "SHOW transaction_isolation"));
            assertFalse(c.isReadOnly());
            assertEquals("public", c.getSchema());
            assertEquals(boundHoldability, c.getHoldability());
            assertEquals(boundNetworkTimeout, c.getNetworkTimeout());
            assertEquals(APP, one(c, "SHOW application_name"));
            c.setAutoCommit(false);
            assertEquals("off", one(c, "SHOW transaction_read_only"));
            try (Statement s = c.createStatement()) {
                assertEquals(1, s.executeUpdate("INSERT INTO notes (text) VALUES ('writable again')"));
            }
            c.rollback();
        }
    }

    @Test
    void statementsLeftOpenAreClosedWhenTheConnectionIsClosed() throws SQLException {
        Connection c = ds.getConnection();
        JdbcConnection owner = ownerOf(c);
        Statement s = c.createStatement();
        PreparedStatement ps = c.prepareStatement("SELECT generate_series(1, 10)");
        ResultSet rs = ps.executeQuery();
        CallableStatement cs = c.prepareCall("{call pg_sleep(0)}");
        Statement closedByHolder = c.createStatement();
        closedByHolder.close();
        assertEquals(3, owner.openStatements(), "a statement closed by its holder is forgotten");
        Statement driverS = (Statement) s.unwrap(PGStatement.class);
        Statement driverPs = (Statement) ps.unwrap(PGStatement.class);
        Statement driverCs = (Statement) cs.unwrap(PGStatement.class);
        ResultSet driverRs = rs.unwrap(org.postgresql.jdbc.PgResultSet.class);

        c.close();
        for (Statement each : List.of(s, ps, cs, driverS, driverPs, driverCs)) {
            assertTrue(each.isClosed(), each + " closed");
        }
        assertTrue(rs.isClosed());
        assertTrue(driverRs.isClosed(), "the driver's result set closed with its statement");
        assertEquals(0, owner.openStatements());
        s.close(); // closing again after the connection closed them does nothing
    }

    @Test
    void aClaimersOwnStatementsAreClosedOnReleaseAndForgottenOnClose() throws SQLException {
        try (var claim = pool.claim()) {
            Connection c = claim.connection().jdbc();
            for (int i = 0; i < 1000; i++) {
                try (PreparedStatement ps = c.prepareStatement("SELECT ?::int")) {
                    ps.setInt(1, i);
                    ps.executeQuery().close();
                }
            }
            assertEquals(0, claim.connection().openStatements(), "closed statements do not pile up");
        }
        Statement left;
        Statement leftDriver;
        try (var claim = pool.claim()) {
            left = claim.connection().jdbc().createStatement();
            leftDriver = (Statement) left.unwrap(PGStatement.class);
        }
        assertTrue(left.isClosed());
        assertTrue(leftDriver.isClosed(), "the release closed the statement the claimer left open");
    }

    @Test
    void useAfterCloseThrows08003NamingTheBackend() throws SQLException {
        Connection c = ds.getConnection();
        Statement s = c.createStatement();
        PreparedStatement ps = c.prepareStatement("SELECT 1");
        DatabaseMetaData md = c.getMetaData();
        ResultSet rs = md.getTables(null, "public", "notes", null);
        c.close();
        c.close(); // idempotent
        try (Connection next = ds.getConnection()) { // another claim holds the physical connection now
            for (Executable use : List.<Executable>of(c::createStatement, () -> c.prepareStatement("SELECT 1"),
                    () -> c.setReadOnly(true), c::commit, c::getMetaData, () -> c.unwrap(PGConnection.class),
                    () -> s.executeQuery("SELECT 1"), s::getConnection, ps::executeQuery,
                    () -> md.getTables(null, null, null, null), md::getConnection, rs::next, rs::getStatement)) {
                SQLException e = assertThrows(SQLException.class, use);
                assertEquals("08003", e.getSQLState(), e.toString());
                assertTrue(e.getMessage().contains(backend.key()), e.getMessage());
            }
            assertTrue(c.isClosed());
            assertFalse(c.isValid(1));
            assertTrue(s.isClosed());
            assertTrue(rs.isClosed());
            assertEquals("1", one(next, "SELECT 1"), "the new claimer's connection was not disturbed");
        }
    }

    @Test
    void unwrapReachesTheDriversClasses() throws SQLException {
        try (Connection c = ds.getConnection()) {
            assertTrue(c.isWrapperFor(PGConnection.class));
            PGConnection pg = c.unwrap(PGConnection.class);
            assertInstanceOf(org.postgresql.jdbc.PgConnection.class, pg);
            assertTrue(pg.getBackendPID() > 0);
            assertSame(c, c.unwrap(Connection.class), "its own interface: the wrapper itself");
            assertTrue(c.isWrapperFor(Connection.class));
            try (Statement s = c.createStatement()) {
                assertTrue(s.isWrapperFor(PGStatement.class));
                assertInstanceOf(org.postgresql.jdbc.PgStatement.class, s.unwrap(PGStatement.class));
                assertSame(s, s.unwrap(Statement.class));
            }
            DatabaseMetaData md = c.getMetaData();
            assertInstanceOf(org.postgresql.jdbc.PgDatabaseMetaData.class,
                    md.unwrap(org.postgresql.jdbc.PgDatabaseMetaData.class));
            assertFalse(c.isWrapperFor(String.class));
            assertThrows(SQLException.class, () -> c.unwrap(String.class));
        }
    }

    @Test
    void aTerminatedBackendMarksTheConnectionBrokenAndThePoolDiscardsIt() throws SQLException {
        String pid;
        long failuresBefore;
        try (Connection c = ds.getConnection()) {
            failuresBefore = stats().useFailures();
            pid = one(c, "SELECT pg_backend_pid()");
            PreparedStatement ps = c.prepareStatement("SELECT 1");
            node.admin("SELECT pg_terminate_backend(" + pid + ")");
            SQLException e = assertThrows(SQLException.class, ps::executeQuery);
            assertTrue(JdbcConnection.isConnectionGone(e), e.getSQLState() + ": " + e);
            assertTrue(ownerOf(c).isBroken(), "the statement's error marked the connection broken");
        } // released without being told: the pool sees isBroken and discards it
        assertEquals(failuresBefore + 1, stats().useFailures(), "a use failure of its backend");
        try (Connection c = ds.getConnection()) {
            assertNotEquals(pid, one(c, "SELECT pg_backend_pid()"), "a new physical connection");
        }
    }

    @Test
    void jdbcIsOneWrapperPerClaimThatDiesWithTheClaim() throws SQLException {
        Connection stale;
        try (var claim = pool.claim()) {
            Connection c = claim.connection().jdbc();
            assertSame(c, claim.connection().jdbc(), "one wrapper per claim");
            assertSame(c, c.createStatement().getConnection());
            c.close(); // ends the wrapper, not the claim
            assertEquals(1, pool.stats().claimed());
            assertThrows(SQLException.class, c::createStatement);
            stale = claim.connection().jdbc();
            assertNotEquals(c, stale, "a new wrapper after a close");
            assertEquals("1", one(stale, "SELECT 1"));
        }
        SQLException e = assertThrows(SQLException.class, stale::createStatement, "released with its claim");
        assertEquals("08003", e.getSQLState());
    }

    /**
     * The calls Spring's DataSourceTransactionManager and JdbcTemplate and Flyway's schema history make, in
     * their order: a read-only transaction at an isolation level, restored by the framework itself, then a
     * write; statement settings and warnings; metadata reads. The row committed is there for the next claimer.
     */
    @Test
    void frameworkStyleUseCommitsAndRestoresAsFrameworksExpect() throws SQLException {
        try (Connection c = ds.getConnection()) {
            DatabaseMetaData md = c.getMetaData();
            assertEquals("PostgreSQL", md.getDatabaseProductName());
            assertTrue(md.getDatabaseMajorVersion() >= 10);
            assertTrue(md.getURL().startsWith("jdbc:postgresql://"));
            assertEquals(PostgresCluster.USER, md.getUserName());
            try (ResultSet rs = md.getTables(null, "public", "notes", new String[] {"TABLE"})) {
                assertTrue(rs.next());
                assertEquals("notes", rs.getString("TABLE_NAME"));
            }
            assertEquals("public", c.getSchema());

            int isolation = c.getTransactionIsolation(); // prepareConnectionForTransaction
            c.setReadOnly(true);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.setFetchSize(10);
                s.setQueryTimeout(5);
                assertEquals("on", one(s.getConnection(), "SHOW transaction_read_only"));
                assertEquals(null, s.getWarnings());
            }
            c.commit();
            c.setAutoCommit(true); // resetConnectionAfterTransaction
            c.setTransactionIsolation(isolation);
            c.setReadOnly(false);

            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO notes (text) VALUES (?)",
                    Statement.RETURN_GENERATED_KEYS)) {
                ps.setString(1, "framework-style");
                assertEquals(1, ps.executeUpdate());
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    assertTrue(keys.next());
                    assertSame(ps, keys.getStatement());
                }
            }
            c.commit();
            c.setAutoCommit(true);
        }
        try (Connection c = ds.getConnection()) {
            assertTrue(Integer.parseInt(one(c, "SELECT count(*) FROM notes WHERE text = 'framework-style'")) >= 1);
        }
    }

    private BackendStats stats() {
        return pool.stats().backend(backend.key()).orElseThrow();
    }

    private static JdbcConnection ownerOf(Connection c) {
        return ((WrappedConnection) c).owner;
    }
}
