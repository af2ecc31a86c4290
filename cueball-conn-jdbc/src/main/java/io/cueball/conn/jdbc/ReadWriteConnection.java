package io.cueball.conn.jdbc;

import java.sql.Array;
import java.sql.Blob;
import java.sql.CallableStatement;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.NClob;
import java.sql.PreparedStatement;
import java.sql.SQLClientInfoException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLWarning;
import java.sql.SQLXML;
import java.sql.Savepoint;
import java.sql.Statement;
import java.sql.Struct;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executor;

/**
 * The lazy connection of a {@link ReadWriteDataSource} (its javadoc states the rules). States:
 * <pre>
 *   unclaimed --(a call that needs the database)--> claimed (from the replicas if read-only, else the primary)
 *   claimed from the replicas --(setReadOnly(false) outside a transaction: released)--> unclaimed
 *   unclaimed | claimed --(close)--> closed
 * </pre>
 * For one thread at a time, as JDBC connections are used; {@code closed} is volatile so that {@link #isClosed()}
 * from another thread sees a close.
 */
final class ReadWriteConnection implements Connection {
    private final ReadWriteDataSource owner;

    private Connection target;        // null while unclaimed
    private boolean targetIsReplica;  // claimed from the replicas' DataSource
    private boolean readOnly;         // recorded while unclaimed; mirrors the target's once claimed
    private boolean autoCommit = true;
    private int isolation = -1;       // -1: not set through this connection
    private boolean inTransaction;    // auto-commit off and a call reached the target since commit/rollback
    private volatile boolean closed;

    ReadWriteConnection(ReadWriteDataSource owner) {
        this.owner = owner;
    }

    // ---- the claim ----

    private void checkOpen() throws SQLException {
        if (closed) {
            throw new SQLNonTransientConnectionException("this connection was already closed; get a new one from "
                    + "the ReadWriteDataSource", "08003");
        }
    }

    /** The claimed connection, claiming it now if need be. */
    private Connection target() throws SQLException {
        Connection t = target;
        if (t == null) {
            checkOpen();
            t = claim();
        }
        return t;
    }

    /** The claimed connection, for a call that is part of the current transaction. */
    private Connection work() throws SQLException {
        Connection t = target();
        if (!autoCommit) {
            inTransaction = true;
        }
        return t;
    }

    private Connection claim() throws SQLException {
        boolean toReplica = readOnly;
        Connection c = owner.claim(toReplica);
        try {
            if (!autoCommit) {
                c.setAutoCommit(false);
            }
            if (readOnly) {
                c.setReadOnly(true);
            }
            if (isolation >= 0) {
                c.setTransactionIsolation(isolation);
            }
        } catch (SQLException | RuntimeException e) {
            try {
                c.close();
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        target = c;
        targetIsReplica = toReplica;
        return c;
    }

    /** Releases the claimed connection and goes back to unclaimed, keeping what was recorded. */
    private void release() throws SQLException {
        Connection t = target;
        target = null;
        targetIsReplica = false;
        inTransaction = false;
        t.close();
    }

    // ---- recorded until the claim ----

    @Override
    public void setReadOnly(boolean readOnly) throws SQLException {
        checkOpen();
        Connection t = target;
        if (t == null) {
            this.readOnly = readOnly;
            return;
        }
        if (!readOnly && targetIsReplica) {
            if (!autoCommit && inTransaction) {
                throw new SQLException("cannot make this connection read-write inside a transaction that began on "
                        + "a replica: commit or roll back first (then setReadOnly(false) moves it to the primary)",
                        "25001");
            }
            this.readOnly = false;
            release(); // a transaction boundary: the next call claims from the primary
            return;
        }
        t.setReadOnly(readOnly); // on the primary, read-only stays there (see ReadWriteDataSource)
        this.readOnly = readOnly;
    }

    @Override
    public boolean isReadOnly() throws SQLException {
        checkOpen();
        return target == null ? readOnly : target.isReadOnly();
    }

    @Override
    public void setAutoCommit(boolean autoCommit) throws SQLException {
        checkOpen();
        if (target != null) {
            target.setAutoCommit(autoCommit);
        }
        this.autoCommit = autoCommit;
        if (autoCommit) {
            inTransaction = false; // JDBC: turning auto-commit on commits
        }
    }

    @Override
    public boolean getAutoCommit() throws SQLException {
        checkOpen();
        return target == null ? autoCommit : target.getAutoCommit();
    }

    @Override
    public void setTransactionIsolation(int level) throws SQLException {
        checkOpen();
        if (target != null) {
            target.setTransactionIsolation(level);
        }
        this.isolation = level;
    }

    @Override
    public int getTransactionIsolation() throws SQLException {
        checkOpen();
        if (target != null) {
            return target.getTransactionIsolation();
        }
        return isolation >= 0 ? isolation : owner.defaultIsolation();
    }

    @Override
    public void commit() throws SQLException {
        checkOpen();
        if (target != null) { // unclaimed: nothing was done, nothing to commit
            target.commit();
            inTransaction = false;
        }
    }

    @Override
    public void rollback() throws SQLException {
        checkOpen();
        if (target != null) {
            target.rollback();
            inTransaction = false;
        }
    }

    @Override
    public void close() throws SQLException {
        if (closed) {
            return;
        }
        closed = true;
        if (target != null) {
            release();
        }
    }

    @Override
    public boolean isClosed() throws SQLException {
        Connection t = target;
        return closed || (t != null && t.isClosed());
    }

    @Override
    public void abort(Executor executor) throws SQLException {
        if (closed) {
            return;
        }
        Connection t = target;
        closed = true;
        target = null;
        if (t != null) {
            try {
                t.abort(executor);
            } finally {
                t.close(); // releases the claim, whatever the pool's connection did with the abort
            }
        }
    }

    /** Unclaimed, it is as valid as a claim will be; claimed, the claimed connection answers. */
    @Override
    public boolean isValid(int timeout) throws SQLException {
        if (timeout < 0) {
            throw new SQLException("timeout: " + timeout + " (expected: >= 0)");
        }
        if (closed) {
            return false;
        }
        return target == null || target.isValid(timeout);
    }

    @Override
    public SQLWarning getWarnings() throws SQLException {
        checkOpen();
        return target == null ? null : target.getWarnings();
    }

    @Override
    public void clearWarnings() throws SQLException {
        checkOpen();
        if (target != null) {
            target.clearWarnings();
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return (T) this;
        }
        return target().unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || target().isWrapperFor(iface);
    }

    @Override
    public String toString() {
        Connection t = target;
        return "ReadWriteConnection[" + (closed ? "closed" : t == null ? "unclaimed, " + (readOnly ? "read-only"
                : "read-write") : (targetIsReplica ? "on the replicas: " : "on the primary: ") + t) + "]";
    }

    // ---- everything else needs the database: claimed, then passed on ----

    @Override
    public Statement createStatement() throws SQLException {
        return work().createStatement();
    }

    @Override
    public Statement createStatement(int resultSetType, int resultSetConcurrency) throws SQLException {
        return work().createStatement(resultSetType, resultSetConcurrency);
    }

    @Override
    public Statement createStatement(int resultSetType, int resultSetConcurrency, int resultSetHoldability)
            throws SQLException {
        return work().createStatement(resultSetType, resultSetConcurrency, resultSetHoldability);
    }

    @Override
    public PreparedStatement prepareStatement(String sql) throws SQLException {
        return work().prepareStatement(sql);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int resultSetType, int resultSetConcurrency)
            throws SQLException {
        return work().prepareStatement(sql, resultSetType, resultSetConcurrency);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int resultSetType, int resultSetConcurrency,
            int resultSetHoldability) throws SQLException {
        return work().prepareStatement(sql, resultSetType, resultSetConcurrency, resultSetHoldability);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int autoGeneratedKeys) throws SQLException {
        return work().prepareStatement(sql, autoGeneratedKeys);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int[] columnIndexes) throws SQLException {
        return work().prepareStatement(sql, columnIndexes);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, String[] columnNames) throws SQLException {
        return work().prepareStatement(sql, columnNames);
    }

    @Override
    public CallableStatement prepareCall(String sql) throws SQLException {
        return work().prepareCall(sql);
    }

    @Override
    public CallableStatement prepareCall(String sql, int resultSetType, int resultSetConcurrency)
            throws SQLException {
        return work().prepareCall(sql, resultSetType, resultSetConcurrency);
    }

    @Override
    public CallableStatement prepareCall(String sql, int resultSetType, int resultSetConcurrency,
            int resultSetHoldability) throws SQLException {
        return work().prepareCall(sql, resultSetType, resultSetConcurrency, resultSetHoldability);
    }

    @Override
    public String nativeSQL(String sql) throws SQLException {
        return target().nativeSQL(sql);
    }

    @Override
    public DatabaseMetaData getMetaData() throws SQLException {
        return target().getMetaData();
    }

    @Override
    public void setCatalog(String catalog) throws SQLException {
        target().setCatalog(catalog);
    }

    @Override
    public String getCatalog() throws SQLException {
        return target().getCatalog();
    }

    @Override
    public Map<String, Class<?>> getTypeMap() throws SQLException {
        return target().getTypeMap();
    }

    @Override
    public void setTypeMap(Map<String, Class<?>> map) throws SQLException {
        target().setTypeMap(map);
    }

    @Override
    public void setHoldability(int holdability) throws SQLException {
        target().setHoldability(holdability);
    }

    @Override
    public int getHoldability() throws SQLException {
        return target().getHoldability();
    }

    @Override
    public Savepoint setSavepoint() throws SQLException {
        return work().setSavepoint();
    }

    @Override
    public Savepoint setSavepoint(String name) throws SQLException {
        return work().setSavepoint(name);
    }

    @Override
    public void rollback(Savepoint savepoint) throws SQLException {
        work().rollback(savepoint);
    }

    @Override
    public void releaseSavepoint(Savepoint savepoint) throws SQLException {
        work().releaseSavepoint(savepoint);
    }

    @Override
    public Clob createClob() throws SQLException {
        return target().createClob();
    }

    @Override
    public Blob createBlob() throws SQLException {
        return target().createBlob();
    }

    @Override
    public NClob createNClob() throws SQLException {
        return target().createNClob();
    }

    @Override
    public SQLXML createSQLXML() throws SQLException {
        return target().createSQLXML();
    }

    @Override
    public Array createArrayOf(String typeName, Object[] elements) throws SQLException {
        return target().createArrayOf(typeName, elements);
    }

    @Override
    public Struct createStruct(String typeName, Object[] attributes) throws SQLException {
        return target().createStruct(typeName, attributes);
    }

    @Override
    public void setClientInfo(String name, String value) throws SQLClientInfoException {
        clientInfoTarget().setClientInfo(name, value);
    }

    @Override
    public void setClientInfo(Properties properties) throws SQLClientInfoException {
        clientInfoTarget().setClientInfo(properties);
    }

    private Connection clientInfoTarget() throws SQLClientInfoException {
        try {
            return target();
        } catch (SQLException e) {
            throw new SQLClientInfoException(e.getMessage(), e.getSQLState(), e.getErrorCode(), Map.of(), e);
        }
    }

    @Override
    public String getClientInfo(String name) throws SQLException {
        return target().getClientInfo(name);
    }

    @Override
    public Properties getClientInfo() throws SQLException {
        return target().getClientInfo();
    }

    @Override
    public void setSchema(String schema) throws SQLException {
        target().setSchema(schema);
    }

    @Override
    public String getSchema() throws SQLException {
        return target().getSchema();
    }

    @Override
    public void setNetworkTimeout(Executor executor, int milliseconds) throws SQLException {
        target().setNetworkTimeout(executor, milliseconds);
    }

    @Override
    public int getNetworkTimeout() throws SQLException {
        return target().getNetworkTimeout();
    }
}
