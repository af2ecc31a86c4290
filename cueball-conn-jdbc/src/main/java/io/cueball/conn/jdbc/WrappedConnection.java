package io.cueball.conn.jdbc;

import io.cueball.Claim;
import java.sql.Array;
import java.sql.Blob;
import java.sql.CallableStatement;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.NClob;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLClientInfoException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLWarning;
import java.sql.SQLXML;
import java.sql.Savepoint;
import java.sql.ShardingKey;
import java.sql.Statement;
import java.sql.Struct;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executor;

/**
 * The pool's {@link Connection}: one per claim, delegating every call to the driver's connection with no
 * reflection, tracking what the holder changes (see {@link JdbcConnection} for what is reset on release) and
 * wrapping what it hands out, so that no path leads back to the driver's connection except {@link #unwrap}.
 *
 * <p>Each call checks that the wrapper is open (once closed, every call but {@code close}, {@code isClosed},
 * {@code isValid} and {@code abort} throws SQLState 08003 naming the backend), then delegates; an SQLException
 * that means the connection is gone marks it broken before it is rethrown. The statements, result sets and
 * metadata it hands out check the same flag, so they die with it.
 *
 * <p>Made by {@link CueballDataSource#getConnection()} (with its claim: {@link #close()} releases the claim) or
 * by {@link JdbcConnection#jdbc()} (without: {@link #close()} ends this wrapper and its statements, and the claim
 * stays its holder's to release).
 */
final class WrappedConnection implements Connection {
    final JdbcConnection owner;
    private final Connection raw;
    /** The DataSource's claim, released by close(); null for a wrapper from JdbcConnection.jdbc(). */
    private final Claim<JdbcConnection> claim;
    /**
     * Set once, by close(), abort() or the owner's release or close. Volatile so that a use that starts after the
     * release returned, on any thread, sees it; one load per call, against a network round trip or a driver call.
     */
    volatile boolean closed;

    WrappedConnection(JdbcConnection owner, Claim<JdbcConnection> claim) {
        this.owner = owner;
        this.raw = owner.raw;
        this.claim = claim;
    }

    /** Throws 08003 if this wrapper was closed or its claim released. */
    void checkOpen() throws SQLException {
        if (closed) {
            throw closedError();
        }
    }

    /** {@link #checkOpen()} for the setClientInfo methods, which may throw only SQLClientInfoException. */
    private void checkOpenForClientInfo() throws SQLClientInfoException {
        if (closed) {
            SQLException e = closedError();
            throw new SQLClientInfoException(e.getMessage(), e.getSQLState(), Map.of(), e);
        }
    }

    private SQLException closedError() {
        String how = claim != null
                ? "was already closed and released to the pool; get a new one from the DataSource"
                : "was already closed, or its claim released; call claim.connection().jdbc() while a claim is held";
        return new SQLNonTransientConnectionException("connection to " + owner.backend().key() + " " + how,
                "08003");
    }

    /**
     * Notes an error from the driver: one that means the connection is gone marks it broken, so that the pool
     * discards it on release (a use failure of its backend).
     *
     * @return the same exception, to rethrow
     */
    <E extends SQLException> E failed(E e) {
        if (JdbcConnection.isConnectionGone(e)) {
            owner.markGone();
        }
        return e;
    }

    private <S extends WrappedStatement> S track(S s) {
        owner.track(s);
        return s;
    }

    /**
     * Wraps a result set that no statement of ours produced (metadata, a ref cursor): its {@code getStatement()}
     * wraps whatever statement the driver reports, or is null when the driver's is.
     */
    ResultSet wrap(ResultSet r) {
        return r == null ? null : new WrappedResultSet(this, null, r);
    }

    /** A value from {@code getObject}: a result set (a ref cursor) is wrapped, anything else returned as is. */
    Object wrapObject(Object v) {
        return v instanceof ResultSet r ? new WrappedResultSet(this, null, r) : v;
    }

    /** The same for {@code getObject(i, type)}: wrapped only if the wrapper is a {@code type}. */
    <T> T wrapObject(T v, Class<T> type) {
        if (v instanceof ResultSet r && type.isAssignableFrom(WrappedResultSet.class)) {
            return type.cast(new WrappedResultSet(this, null, r));
        }
        return v;
    }

    /**
     * A driver's statement we did not create (behind a metadata result set): wrapped so that it leads back here,
     * and not tracked, because the driver owns its life.
     */
    WrappedStatement adopt(Statement s) {
        if (s instanceof CallableStatement c) {
            return new WrappedCallableStatement(this, c);
        }
        if (s instanceof PreparedStatement p) {
            return new WrappedPreparedStatement(this, p);
        }
        return new WrappedStatement(this, s);
    }

    /**
     * Closes the statements it opened, then releases the claim (DataSource) or ends this wrapper (jdbc()).
     * Idempotent. A statement that fails to close marks the connection broken instead of failing the close, so
     * that the claim is always released; the pool then discards the connection.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        SQLException failure = owner.closeStatements();
        owner.wrapperClosed(this);
        if (claim != null) {
            if (failure != null) {
                claim.fail(failure);
            } else {
                claim.close();
            }
        }
    }

    @Override
    public boolean isClosed() throws SQLException {
        if (closed) {
            return true;
        }
        try {
            return raw.isClosed();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /** False once closed; a driver that finds the connection invalid marks it broken. */
    @Override
    public boolean isValid(int timeout) throws SQLException {
        if (closed) {
            return false;
        }
        try {
            boolean valid = raw.isValid(timeout);
            if (!valid) {
                owner.markGone();
            }
            return valid;
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    /**
     * Aborts the physical connection (the driver's abort, with its permission check), marks it broken and ends
     * this wrapper; a DataSource claim is released, so the pool discards the connection. Its statements are not
     * closed one by one: the abort ends them, and this may run on another thread than the holder's.
     */
    @Override
    public void abort(Executor executor) throws SQLException {
        if (closed) {
            return;
        }
        owner.markGone();
        raw.abort(executor);
        closed = true;
        if (claim != null) {
            claim.fail(new SQLNonTransientConnectionException("connection to " + owner.backend().key()
                    + " was aborted", "08003"));
        }
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        checkOpen();
        try {
            return raw.unwrap(iface);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return true;
        }
        checkOpen();
        try {
            return raw.isWrapperFor(iface);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public String toString() {
        return "pooled connection to " + owner.backend().key() + (closed ? " (closed)" : "");
    }

    // Everything below delegates: check open, call the driver, note a fatal error. Setters of state that
    // JdbcConnection.reset() restores mark it changed first.

    @Override
    public Statement createStatement() throws SQLException {
        checkOpen();
        try {
            return track(new WrappedStatement(this, raw.createStatement()));
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public PreparedStatement prepareStatement(String sql) throws SQLException {
        checkOpen();
        try {
            return track(new WrappedPreparedStatement(this, raw.prepareStatement(sql)));
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public CallableStatement prepareCall(String sql) throws SQLException {
        checkOpen();
        try {
            return track(new WrappedCallableStatement(this, raw.prepareCall(sql)));
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public String nativeSQL(String sql) throws SQLException {
        checkOpen();
        try {
            return raw.nativeSQL(sql);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public void setAutoCommit(boolean autoCommit) throws SQLException {
        checkOpen();
        try {
            raw.setAutoCommit(autoCommit);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public boolean getAutoCommit() throws SQLException {
        checkOpen();
        try {
            return raw.getAutoCommit();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public void commit() throws SQLException {
        checkOpen();
        try {
            raw.commit();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public void rollback() throws SQLException {
        checkOpen();
        try {
            raw.rollback();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public DatabaseMetaData getMetaData() throws SQLException {
        checkOpen();
        try {
            return new WrappedMetaData(this, raw.getMetaData());
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public void setReadOnly(boolean readOnly) throws SQLException {
        checkOpen();
        owner.dirtyReadOnly = true;
        try {
            raw.setReadOnly(readOnly);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public boolean isReadOnly() throws SQLException {
        checkOpen();
        try {
            return raw.isReadOnly();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public void setCatalog(String catalog) throws SQLException {
        checkOpen();
        owner.dirtyCatalog = true;
        try {
            raw.setCatalog(catalog);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public String getCatalog() throws SQLException {
        checkOpen();
        try {
            return raw.getCatalog();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public void setTransactionIsolation(int level) throws SQLException {
        checkOpen();
        owner.dirtyIsolation = true;
        try {
            raw.setTransactionIsolation(level);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public int getTransactionIsolation() throws SQLException {
        checkOpen();
        try {
            return raw.getTransactionIsolation();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public SQLWarning getWarnings() throws SQLException {
        checkOpen();
        try {
            return raw.getWarnings();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public void clearWarnings() throws SQLException {
        checkOpen();
        try {
            raw.clearWarnings();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public Statement createStatement(int resultSetType, int resultSetConcurrency) throws SQLException {
        checkOpen();
        try {
            return track(new WrappedStatement(this, raw.createStatement(resultSetType, resultSetConcurrency)));
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int resultSetType,
            int resultSetConcurrency) throws SQLException {
        checkOpen();
        try {
            return track(new WrappedPreparedStatement(this, raw.prepareStatement(sql, resultSetType,
                    resultSetConcurrency)));
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public CallableStatement prepareCall(String sql, int resultSetType, int resultSetConcurrency) throws SQLException {
        checkOpen();
        try {
            return track(new WrappedCallableStatement(this, raw.prepareCall(sql, resultSetType, resultSetConcurrency)));
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public Map<String, Class<?>> getTypeMap() throws SQLException {
        checkOpen();
        try {
            return raw.getTypeMap();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public void setTypeMap(Map<String, Class<?>> map) throws SQLException {
        checkOpen();
        owner.dirtyTypeMap = true;
        try {
            raw.setTypeMap(map);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public void setHoldability(int holdability) throws SQLException {
        checkOpen();
        owner.dirtyHoldability = true;
        try {
            raw.setHoldability(holdability);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public int getHoldability() throws SQLException {
        checkOpen();
        try {
            return raw.getHoldability();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public Savepoint setSavepoint() throws SQLException {
        checkOpen();
        try {
            return raw.setSavepoint();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public Savepoint setSavepoint(String name) throws SQLException {
        checkOpen();
        try {
            return raw.setSavepoint(name);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public void rollback(Savepoint savepoint) throws SQLException {
        checkOpen();
        try {
            raw.rollback(savepoint);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public void releaseSavepoint(Savepoint savepoint) throws SQLException {
        checkOpen();
        try {
            raw.releaseSavepoint(savepoint);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public Statement createStatement(int resultSetType, int resultSetConcurrency,
            int resultSetHoldability) throws SQLException {
        checkOpen();
        try {
            return track(new WrappedStatement(this, raw.createStatement(resultSetType, resultSetConcurrency,
                    resultSetHoldability)));
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int resultSetType, int resultSetConcurrency,
            int resultSetHoldability) throws SQLException {
        checkOpen();
        try {
            return track(new WrappedPreparedStatement(this, raw.prepareStatement(sql, resultSetType,
                    resultSetConcurrency, resultSetHoldability)));
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public CallableStatement prepareCall(String sql, int resultSetType, int resultSetConcurrency,
            int resultSetHoldability) throws SQLException {
        checkOpen();
        try {
            return track(new WrappedCallableStatement(this, raw.prepareCall(sql, resultSetType, resultSetConcurrency,
                    resultSetHoldability)));
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int autoGeneratedKeys) throws SQLException {
        checkOpen();
        try {
            return track(new WrappedPreparedStatement(this, raw.prepareStatement(sql, autoGeneratedKeys)));
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int[] columnIndexes) throws SQLException {
        checkOpen();
        try {
            return track(new WrappedPreparedStatement(this, raw.prepareStatement(sql, columnIndexes)));
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public PreparedStatement prepareStatement(String sql, String[] columnNames) throws SQLException {
        checkOpen();
        try {
            return track(new WrappedPreparedStatement(this, raw.prepareStatement(sql, columnNames)));
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public Clob createClob() throws SQLException {
        checkOpen();
        try {
            return raw.createClob();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public Blob createBlob() throws SQLException {
        checkOpen();
        try {
            return raw.createBlob();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public NClob createNClob() throws SQLException {
        checkOpen();
        try {
            return raw.createNClob();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public SQLXML createSQLXML() throws SQLException {
        checkOpen();
        try {
            return raw.createSQLXML();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public void setClientInfo(String name, String value) throws SQLClientInfoException {
        checkOpenForClientInfo();
        owner.dirtyClientInfo = true;
        try {
            raw.setClientInfo(name, value);
        } catch (SQLClientInfoException e) {
            throw failed(e);
        }
    }

    @Override
    public void setClientInfo(Properties properties) throws SQLClientInfoException {
        checkOpenForClientInfo();
        owner.dirtyClientInfo = true;
        try {
            raw.setClientInfo(properties);
        } catch (SQLClientInfoException e) {
            throw failed(e);
        }
    }

    @Override
    public String getClientInfo(String name) throws SQLException {
        checkOpen();
        try {
            return raw.getClientInfo(name);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public Properties getClientInfo() throws SQLException {
        checkOpen();
        try {
            return raw.getClientInfo();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public Array createArrayOf(String typeName, Object[] elements) throws SQLException {
        checkOpen();
        try {
            return raw.createArrayOf(typeName, elements);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public Struct createStruct(String typeName, Object[] attributes) throws SQLException {
        checkOpen();
        try {
            return raw.createStruct(typeName, attributes);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public void setSchema(String schema) throws SQLException {
        checkOpen();
        owner.dirtySchema = true;
        try {
            raw.setSchema(schema);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public String getSchema() throws SQLException {
        checkOpen();
        try {
            return raw.getSchema();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public void setNetworkTimeout(Executor executor, int milliseconds) throws SQLException {
        checkOpen();
        owner.dirtyNetworkTimeout = true;
        try {
            raw.setNetworkTimeout(executor, milliseconds);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public int getNetworkTimeout() throws SQLException {
        checkOpen();
        try {
            return raw.getNetworkTimeout();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public void beginRequest() throws SQLException {
        checkOpen();
        try {
            raw.beginRequest();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public void endRequest() throws SQLException {
        checkOpen();
        try {
            raw.endRequest();
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public boolean setShardingKeyIfValid(ShardingKey shardingKey, ShardingKey superShardingKey,
            int timeout) throws SQLException {
        checkOpen();
        try {
            return raw.setShardingKeyIfValid(shardingKey, superShardingKey, timeout);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public boolean setShardingKeyIfValid(ShardingKey shardingKey, int timeout) throws SQLException {
        checkOpen();
        try {
            return raw.setShardingKeyIfValid(shardingKey, timeout);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public void setShardingKey(ShardingKey shardingKey, ShardingKey superShardingKey) throws SQLException {
        checkOpen();
        try {
            raw.setShardingKey(shardingKey, superShardingKey);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    @Override
    public void setShardingKey(ShardingKey shardingKey) throws SQLException {
        checkOpen();
        try {
            raw.setShardingKey(shardingKey);
        } catch (SQLException e) {
            throw failed(e);
        }
    }
}
