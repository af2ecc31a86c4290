package io.cueball.conn.jdbc;

import io.cueball.Backend;
import io.cueball.Claim;
import io.cueball.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executor;

/**
 * A pooled, bound JDBC connection.
 *
 * <p><b>The connection you use.</b> {@link #jdbc()} is the {@code java.sql.Connection} to use while the claim is
 * held, and {@link CueballDataSource#getConnection()} hands out the same kind of object: a plain delegating
 * wrapper (no reflection), one per claim, around the driver's connection. Every statement, result set and
 * metadata object it gives out is wrapped too, so {@code Statement.getConnection()},
 * {@code DatabaseMetaData.getConnection()} and {@code ResultSet.getStatement()} lead back to the wrapper and
 * never to the driver's connection; only {@code unwrap} reaches the driver's classes, on purpose. An error from
 * any of them that means the connection is gone (SQLState class 08, or 57P01..57P03: the server shut down) marks
 * this connection broken, and the pool discards it on release as a use failure of its backend.
 *
 * <p><b>Reset on release.</b> When the claim is released, {@link #reset()} makes the connection what it was when
 * it was bound, for the next claim:
 * <ul>
 *   <li>statements the holder left open are closed (with their result sets);</li>
 *   <li>an open transaction is rolled back (also one opened with a plain {@code BEGIN} on pgjdbc);</li>
 *   <li>auto-commit, read-only, transaction isolation, schema, catalog, holdability, network timeout, client
 *       info and type map go back to their bound values if they were set through the wrapper (any path: the
 *       connection, or a statement's or metadata's {@code getConnection()});</li>
 *   <li>warnings are cleared.</li>
 * </ul>
 * Nothing is sent to the server when nothing changed. <b>Not reset</b>: session state changed with SQL
 * ({@code SET}, {@code SET ROLE}, {@code set_config}, temporary tables, {@code LISTEN}, advisory locks, server-side
 * prepared statements), entries put into the map {@code getTypeMap()} returned without calling
 * {@code setTypeMap}, and whatever is changed through the driver's own classes reached with {@code unwrap}
 * (pgjdbc's {@code PGConnection.setPrepareThreshold}, {@code setDefaultFetchSize}, ...), as with other pools.
 * A value the driver could not report at bind (it threw {@link SQLFeatureNotSupportedException}) cannot be put
 * back: a connection on which it was set is discarded on release instead of reused.
 *
 * <p><b>After release.</b> The wrapper of a released claim throws {@link SQLException} with SQLState 08003, naming
 * the backend, on any use, and so do its statements, result sets and metadata; it never reaches the driver's
 * connection again, which another claim may hold by then. (A thread that uses it while another thread releases it
 * races with the release: only a use that starts after the release has returned is sure to be refused.) The
 * guarantee is the wrapper's, not this object's: this {@code JdbcConnection} cannot tell who holds it, so if you
 * keep it past the claim, {@link #jdbc()} gives out a working wrapper again. Keep the {@link Claim}, not the
 * connection, and call {@code claim.connection().jdbc()} while the claim is held.
 *
 * <p>Thread confinement: the claim's holder uses the wrapper and its statements from one thread at a time, as
 * JDBC expects; the pool hands the connection between threads with a happens-before edge.
 */
public final class JdbcConnection implements Connection {
    private static final boolean PGJDBC = present("org.postgresql.core.BaseConnection");
    /** Network-timeout changes run at once; pgjdbc ignores the executor, others may not accept null. */
    private static final Executor SAME_THREAD = Runnable::run;
    /** What a bound value is when the driver did not report it: it cannot be restored. */
    private static final int UNKNOWN = Integer.MIN_VALUE;

    private final Backend backend;
    /** The driver's connection: the pool's and the wrappers', never handed out except through unwrap. */
    final java.sql.Connection raw;
    private final JdbcSettings settings;
    private final boolean boundAutoCommit;
    private final boolean boundReadOnly;
    private final int boundIsolation;
    private final String boundSchema;
    private final String boundCatalog;
    private final int boundHoldability;
    private final int boundNetworkTimeout;
    private final Properties boundClientInfo;
    private final Map<String, Class<?>> boundTypeMap;
    /** pgjdbc's BaseConnection behind {@link #raw} (unwrapped once, at bind), or null for another driver. */
    private final Object pgBase;

    // Written by the claim's holder through its wrapper, read on release by the same thread or after the pool's
    // lock handed the connection over (a happens-before edge either way).
    boolean dirtyReadOnly;
    boolean dirtyIsolation;
    boolean dirtySchema;
    boolean dirtyCatalog;
    boolean dirtyHoldability;
    boolean dirtyNetworkTimeout;
    boolean dirtyClientInfo;
    boolean dirtyTypeMap;
    private volatile boolean gone;

    /** The current claim's wrapper, if it made one; null after release. */
    private WrappedConnection current;
    /**
     * Statements the current claim opened and has not closed, in the order opened: a plain array kept for the
     * connection's life (no allocation per claim), so tracking costs a store, and a close (usually of the last one
     * opened) a scan from the end.
     */
    private WrappedStatement[] open = new WrappedStatement[8];
    private int openCount;

    JdbcConnection(Backend backend, java.sql.Connection raw, JdbcSettings settings) throws SQLException {
        this.backend = backend;
        this.raw = raw;
        this.settings = settings;
        this.boundAutoCommit = raw.getAutoCommit();
        this.boundReadOnly = raw.isReadOnly();
        this.boundIsolation = raw.getTransactionIsolation();
        this.boundSchema = raw.getSchema();
        this.boundCatalog = raw.getCatalog();
        int holdability;
        try {
            holdability = raw.getHoldability();
        } catch (SQLFeatureNotSupportedException e) {
            holdability = UNKNOWN;
        }
        this.boundHoldability = holdability;
        int networkTimeout;
        try {
            networkTimeout = raw.getNetworkTimeout();
        } catch (SQLFeatureNotSupportedException e) {
            networkTimeout = UNKNOWN;
        }
        this.boundNetworkTimeout = networkTimeout;
        Properties clientInfo;
        try {
            Properties reported = raw.getClientInfo();
            clientInfo = new Properties(); // a copy: pgjdbc hands out the Properties it updates
            if (reported != null) {
                clientInfo.putAll(reported);
            }
        } catch (SQLFeatureNotSupportedException e) {
            clientInfo = null;
        }
        this.boundClientInfo = clientInfo;
        Map<String, Class<?>> typeMap;
        try {
            Map<String, Class<?>> m = raw.getTypeMap();
            typeMap = m == null ? null : new HashMap<>(m);
        } catch (SQLFeatureNotSupportedException e) {
            typeMap = null;
        }
        this.boundTypeMap = typeMap;
        this.pgBase = PGJDBC ? PgState.base(raw) : null;
    }

    /**
     * The connection to use while the claim is held: a wrapper that tracks what the holder changes and notices
     * fatal errors (see the class comment). The same object for the whole claim, made on the first call.
     * Closing it closes the statements it opened and ends this wrapper (use after close throws, SQLState 08003)
     * but does not release the claim: that is {@code claim.close()}; a later call in the same claim gives a new
     * wrapper. After release, the wrapper refuses every use; see the class comment for what that guarantees.
     *
     * @return the claim's {@code java.sql.Connection}
     */
    public java.sql.Connection jdbc() {
        WrappedConnection c = current;
        if (c == null || c.closed) {
            c = new WrappedConnection(this, null);
            current = c;
        }
        return c;
    }

    /** The DataSource's connection for a new claim: closing it releases the claim. */
    WrappedConnection open(Claim<JdbcConnection> claim) {
        WrappedConnection c = new WrappedConnection(this, claim);
        current = c;
        return c;
    }

    /** @return the backend it is bound to */
    public Backend backend() {
        return backend;
    }

    /** Validates with the settings' query or {@code isValid}, bounded by the validation timeout. */
    @Override
    public boolean isHealthy() {
        try {
            return !gone && validate(raw, settings);
        } catch (SQLException | RuntimeException e) {
            return false;
        }
    }

    /** Known to be gone (a fatal SQLState seen, or closed): never reused. No I/O. */
    @Override
    public boolean isBroken() {
        if (gone) {
            return true;
        }
        try {
            return raw.isClosed();
        } catch (SQLException e) {
            return true;
        }
    }

    /**
     * Closes the statements the holder left open, ends its wrapper, rolls back an open transaction, restores what
     * the holder changed, clears warnings (see the class comment). Does no I/O when nothing changed and no
     * transaction or statement is open.
     */
    @Override
    public void reset() throws SQLException {
        endWrapper();
        SQLException leftOpen = closeStatements();
        if (leftOpen != null) {
            throw leftOpen; // the pool discards it: we cannot tell what state the failed close left
        }
        boolean autoCommit = raw.getAutoCommit();
        if (!autoCommit) {
            raw.rollback();
        } else if (pgBase != null && PgState.inTransaction(pgBase)) {
            try (Statement s = raw.createStatement()) {
                s.execute("ROLLBACK"); // a BEGIN sent as SQL while in auto-commit mode
            }
        }
        if (autoCommit != boundAutoCommit) {
            raw.setAutoCommit(boundAutoCommit);
        }
        if (dirtyReadOnly) {
            raw.setReadOnly(boundReadOnly);
            dirtyReadOnly = false;
        }
        if (dirtyIsolation) {
            raw.setTransactionIsolation(boundIsolation);
            dirtyIsolation = false;
        }
        if (dirtySchema) {
            raw.setSchema(boundSchema);
            dirtySchema = false;
        }
        if (dirtyCatalog) {
            raw.setCatalog(boundCatalog);
            dirtyCatalog = false;
        }
        if (dirtyHoldability) {
            raw.setHoldability(known(boundHoldability, "holdability"));
            dirtyHoldability = false;
        }
        if (dirtyNetworkTimeout) {
            raw.setNetworkTimeout(SAME_THREAD, known(boundNetworkTimeout, "network timeout"));
            dirtyNetworkTimeout = false;
        }
        if (dirtyClientInfo) {
            raw.setClientInfo(known(boundClientInfo, "client info"));
            dirtyClientInfo = false;
        }
        if (dirtyTypeMap) {
            raw.setTypeMap(new HashMap<>(known(boundTypeMap, "type map"))); // a copy the next holder may change
            dirtyTypeMap = false;
        }
        raw.clearWarnings();
    }

    private int known(int bound, String what) throws SQLException {
        if (bound == UNKNOWN) {
            throw new SQLException("cannot restore the " + what + " of a connection to " + backend.key()
                    + ": the driver did not report it at bind; discarding the connection");
        }
        return bound;
    }

    private <T> T known(T bound, String what) throws SQLException {
        if (bound == null) {
            throw new SQLException("cannot restore the " + what + " of a connection to " + backend.key()
                    + ": the driver did not report it at bind; discarding the connection");
        }
        return bound;
    }

    @Override
    public void close() {
        endWrapper();
        openCount = 0;
        Arrays.fill(open, null);
        try {
            raw.close(); // closes its statements too
        } catch (SQLException e) {
            // already broken: nothing left to release
        }
    }

    /** Marks the connection gone: the pool discards it on release. */
    void markGone() {
        gone = true;
    }

    /** Ends the claim's wrapper, if any, so that a reference kept past the claim refuses every use. */
    private void endWrapper() {
        WrappedConnection c = current;
        if (c != null) {
            c.closed = true;
            current = null;
        }
    }

    /** Called by a wrapper that closed: a later {@link #jdbc()} in the same claim makes a new one. */
    void wrapperClosed(WrappedConnection c) {
        if (current == c) {
            current = null;
        }
    }

    /** Statements the current claim opened and has not closed (for tests). */
    int openStatements() {
        return openCount;
    }

    /** Notes a statement the claim opened, to close it on release if the holder does not. */
    void track(WrappedStatement s) {
        if (openCount == open.length) {
            open = Arrays.copyOf(open, openCount * 2);
        }
        open[openCount++] = s;
    }

    /** Forgets a statement its holder closed; usually the last one opened. */
    void untrack(WrappedStatement s) {
        for (int i = openCount - 1; i >= 0; i--) {
            if (open[i] == s) {
                System.arraycopy(open, i + 1, open, i, openCount - i - 1);
                open[--openCount] = null;
                return;
            }
        }
    }

    /**
     * Closes every statement still open, newest first, even when some fail. A failed close marks the connection
     * gone (its state is unknown, so it is not reused).
     *
     * @return the first failure, or null
     */
    SQLException closeStatements() {
        SQLException first = null;
        for (int i = openCount - 1; i >= 0; i--) {
            WrappedStatement s = open[i];
            open[i] = null;
            try {
                s.closeForConnection();
            } catch (SQLException e) {
                gone = true;
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        openCount = 0;
        return first;
    }

    @Override
    public String toString() {
        return "JdbcConnection[" + backend.key() + (gone ? ", gone" : "") + "]";
    }

    /**
     * Whether an exception means the connection is gone rather than the statement wrong: SQLState class 08
     * (connection exception) or 57P01, 57P02, 57P03 (the server is shutting down or cannot accept connections),
     * anywhere in the cause chain or among chained SQLExceptions.
     *
     * @param e the exception
     * @return true if the connection cannot be used again
     */
    public static boolean isConnectionGone(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException se) {
                for (SQLException s = se; s != null; s = s.getNextException()) {
                    String state = s.getSQLState();
                    if (state != null && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02")
                            || state.equals("57P03"))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * Discards the claim if the exception (or a failed {@code isValid}) shows that its connection is gone,
     * so that the pool replaces it and counts a use failure against its backend. Use it in a catch block inside
     * the claim's try-with-resources.
     *
     * @param claim the claim whose connection threw
     * @param e     what it threw
     * @return true if the claim was discarded
     */
    public static boolean discardIfGone(Claim<JdbcConnection> claim, SQLException e) {
        JdbcConnection c = claim.connection();
        boolean gone = isConnectionGone(e);
        if (!gone) {
            try {
                gone = !c.raw.isValid(1);
            } catch (SQLException invalid) {
                gone = true;
            }
        }
        if (gone) {
            c.gone = true;
            claim.fail(e); // a use failure of its backend, with the cause as its reason
        }
        return gone;
    }

    static boolean validate(java.sql.Connection c, JdbcSettings settings) throws SQLException {
        int seconds = (int) Math.max(1, settings.validationTimeout().toSeconds());
        if (settings.validationQuery() == null) {
            return c.isValid(seconds);
        }
        try (Statement s = c.createStatement()) {
            s.setQueryTimeout(seconds);
            s.execute(settings.validationQuery());
            return true;
        }
    }

    private static boolean present(String className) {
        try {
            Class<?> found = Class.forName(className, false, JdbcConnection.class.getClassLoader());
            // On the module path, pgjdbc may still be on the class path (the unnamed module), which this
            // module does not read: found, yet PgState would fail with IllegalAccessError on every reset.
            // Read it now (a no-op on the class path, and when pgjdbc is already a module we read).
            JdbcConnection.class.getModule().addReads(found.getModule());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** pgjdbc's own idea of whether a transaction is open; loaded only when pgjdbc is present. */
    private static final class PgState {
        /** @return the driver's BaseConnection, or null if {@code c} is another driver's */
        static Object base(java.sql.Connection c) throws SQLException {
            return c.isWrapperFor(org.postgresql.core.BaseConnection.class)
                    ? c.unwrap(org.postgresql.core.BaseConnection.class) : null;
        }

        static boolean inTransaction(Object base) {
            return ((org.postgresql.core.BaseConnection) base).getTransactionState()
                    != org.postgresql.core.TransactionState.IDLE;
        }
    }
}
