package io.cueball.conn.jdbc;

import io.cueball.Backend;
import io.cueball.Claim;
import io.cueball.Connection;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A pooled, bound JDBC connection.
 *
 * <p>{@link #jdbc()} is the {@code java.sql.Connection} to use. It is a thin view of the driver's connection
 * that notes what the holder changes (auto-commit, read-only, isolation, schema, catalog) and whether an
 * error meant the connection is gone (SQLState class 08, or 57P01..57P03: the server shut down). When the claim
 * is released, {@link #reset()} puts back what changed: an open transaction is rolled back, the bound values
 * are restored, warnings are cleared; a connection that is gone is discarded instead. State changed with plain
 * SQL ({@code SET ...}) is not tracked, as with other pools.
 *
 * <p>Do not close {@link #jdbc()}: release the claim. (Closing it closes the physical connection, which the
 * pool then discards.)
 */
public final class JdbcConnection implements Connection {
    private static final boolean PGJDBC = present("org.postgresql.core.BaseConnection");

    private final Backend backend;
    private final java.sql.Connection raw;
    private final java.sql.Connection view;
    private final JdbcSettings settings;
    private final boolean boundAutoCommit;
    private final boolean boundReadOnly;
    private final int boundIsolation;
    private final String boundSchema;
    private final String boundCatalog;

    // Written by the claim's holder, read on release by the same thread or after the pool's lock handed the
    // connection over (a happens-before edge either way).
    private boolean dirtyReadOnly;
    private boolean dirtyIsolation;
    private boolean dirtySchema;
    private boolean dirtyCatalog;
    private volatile boolean gone;

    JdbcConnection(Backend backend, java.sql.Connection raw, JdbcSettings settings) throws SQLException {
        this.backend = backend;
        this.raw = raw;
        this.settings = settings;
        this.boundAutoCommit = raw.getAutoCommit();
        this.boundReadOnly = raw.isReadOnly();
        this.boundIsolation = raw.getTransactionIsolation();
        this.boundSchema = raw.getSchema();
        this.boundCatalog = raw.getCatalog();
        this.view = (java.sql.Connection) Proxy.newProxyInstance(JdbcConnection.class.getClassLoader(),
                new Class<?>[] {java.sql.Connection.class}, new Tracker());
    }

    /** @return the connection to use (a view that notes state changes and fatal errors) */
    public java.sql.Connection jdbc() {
        return view;
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
     * Rolls back an open transaction, restores what the holder changed, clears warnings. Does no I/O when
     * nothing changed and no transaction is open.
     */
    @Override
    public void reset() throws SQLException {
        boolean autoCommit = raw.getAutoCommit();
        if (!autoCommit) {
            raw.rollback();
        } else if (PGJDBC && PgState.inTransaction(raw)) {
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
        raw.clearWarnings();
    }

    @Override
    public void close() {
        try {
            raw.close();
        } catch (SQLException e) {
            // already broken: nothing left to release
        }
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

    /** Notes state changes and fatal errors on the way to the driver's connection. */
    private final class Tracker implements InvocationHandler {
        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            switch (method.getName()) {
                case "setReadOnly" -> dirtyReadOnly = true;
                case "setTransactionIsolation" -> dirtyIsolation = true;
                case "setSchema" -> dirtySchema = true;
                case "setCatalog" -> dirtyCatalog = true;
                case "equals" -> {
                    return proxy == args[0];
                }
                case "hashCode" -> {
                    return System.identityHashCode(proxy);
                }
                case "toString" -> {
                    return "cueball view of " + raw;
                }
                default -> {
                }
            }
            try {
                return method.invoke(raw, args);
            } catch (InvocationTargetException ite) {
                Throwable cause = ite.getCause();
                if (cause instanceof SQLException se && isConnectionGone(se)) {
                    gone = true; // the pool discards it on release, even if the holder does not say so
                }
                throw cause;
            }
        }
    }

    /** pgjdbc's own idea of whether a transaction is open; loaded only when pgjdbc is present. */
    private static final class PgState {
        static boolean inTransaction(java.sql.Connection c) throws SQLException {
            if (!c.isWrapperFor(org.postgresql.core.BaseConnection.class)) {
                return false;
            }
            return c.unwrap(org.postgresql.core.BaseConnection.class).getTransactionState()
                    != org.postgresql.core.TransactionState.IDLE;
        }
    }
}
