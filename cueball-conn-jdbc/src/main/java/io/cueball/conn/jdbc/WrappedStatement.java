package io.cueball.conn.jdbc;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;

/**
 * The pool's {@link Statement}: delegates every call to the driver's statement with no reflection, after checking
 * that its connection wrapper is open (08003 otherwise); {@link #getConnection()} is that wrapper, result sets
 * are wrapped so that {@code getStatement()} is this object, and an error that means the connection is gone
 * marks it broken. Its connection tracks it from creation to {@link #close()}, and closes it if the holder does
 * not.
 */
class WrappedStatement implements Statement {
    final WrappedConnection conn;
    private final Statement delegate;
    /** Closed through this wrapper or by its connection; volatile for a stale close from another thread. */
    private volatile boolean closed;

    WrappedStatement(WrappedConnection conn, Statement delegate) {
        this.conn = conn;
        this.delegate = delegate;
    }

    /** A result set of this statement; null stays null. */
    final ResultSet rs(ResultSet r) {
        return r == null ? null : new WrappedResultSet(conn, this, r);
    }

    /** Closes it for its connection's close or reset, which has already forgotten it. */
    final void closeForConnection() throws SQLException {
        closed = true;
        delegate.close();
    }

    /**
     * Closes the driver's statement and forgets it. Idempotent. Once its connection is closed this does nothing:
     * the connection closed it, or (a metadata statement) the driver owns it and another claim may be using it.
     */
    @Override
    public final void close() throws SQLException {
        if (closed) {
            return;
        }
        closed = true;
        if (conn.closed) {
            return;
        }
        conn.owner.untrack(this);
        try {
            delegate.close();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public final boolean isClosed() throws SQLException {
        if (closed || conn.closed) {
            return true;
        }
        try {
            return delegate.isClosed();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public final <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        conn.checkOpen();
        try {
            return delegate.unwrap(iface);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public final boolean isWrapperFor(Class<?> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return true;
        }
        conn.checkOpen();
        try {
            return delegate.isWrapperFor(iface);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public String toString() {
        return "pooled statement on " + conn;
    }

    // Everything below delegates: check open, call the driver, note a fatal error.

    @Override
    public ResultSet executeQuery(String sql) throws SQLException {
        conn.checkOpen();
        try {
            return rs(delegate.executeQuery(sql));
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public int executeUpdate(String sql) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.executeUpdate(sql);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public int getMaxFieldSize() throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getMaxFieldSize();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void setMaxFieldSize(int max) throws SQLException {
        conn.checkOpen();
        try {
            delegate.setMaxFieldSize(max);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public int getMaxRows() throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getMaxRows();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void setMaxRows(int max) throws SQLException {
        conn.checkOpen();
        try {
            delegate.setMaxRows(max);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void setEscapeProcessing(boolean enable) throws SQLException {
        conn.checkOpen();
        try {
            delegate.setEscapeProcessing(enable);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public int getQueryTimeout() throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getQueryTimeout();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void setQueryTimeout(int seconds) throws SQLException {
        conn.checkOpen();
        try {
            delegate.setQueryTimeout(seconds);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void cancel() throws SQLException {
        conn.checkOpen();
        try {
            delegate.cancel();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public SQLWarning getWarnings() throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getWarnings();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void clearWarnings() throws SQLException {
        conn.checkOpen();
        try {
            delegate.clearWarnings();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void setCursorName(String name) throws SQLException {
        conn.checkOpen();
        try {
            delegate.setCursorName(name);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public boolean execute(String sql) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.execute(sql);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public ResultSet getResultSet() throws SQLException {
        conn.checkOpen();
        try {
            return rs(delegate.getResultSet());
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public int getUpdateCount() throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getUpdateCount();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public boolean getMoreResults() throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getMoreResults();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void setFetchDirection(int direction) throws SQLException {
        conn.checkOpen();
        try {
            delegate.setFetchDirection(direction);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public int getFetchDirection() throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getFetchDirection();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void setFetchSize(int rows) throws SQLException {
        conn.checkOpen();
        try {
            delegate.setFetchSize(rows);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public int getFetchSize() throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getFetchSize();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public int getResultSetConcurrency() throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getResultSetConcurrency();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public int getResultSetType() throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getResultSetType();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void addBatch(String sql) throws SQLException {
        conn.checkOpen();
        try {
            delegate.addBatch(sql);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void clearBatch() throws SQLException {
        conn.checkOpen();
        try {
            delegate.clearBatch();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public int[] executeBatch() throws SQLException {
        conn.checkOpen();
        try {
            return delegate.executeBatch();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public Connection getConnection() throws SQLException {
        conn.checkOpen();
        return conn;
    }

    @Override
    public boolean getMoreResults(int current) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getMoreResults(current);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public ResultSet getGeneratedKeys() throws SQLException {
        conn.checkOpen();
        try {
            return rs(delegate.getGeneratedKeys());
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public int executeUpdate(String sql, int autoGeneratedKeys) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.executeUpdate(sql, autoGeneratedKeys);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public int executeUpdate(String sql, int[] columnIndexes) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.executeUpdate(sql, columnIndexes);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public int executeUpdate(String sql, String[] columnNames) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.executeUpdate(sql, columnNames);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public boolean execute(String sql, int autoGeneratedKeys) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.execute(sql, autoGeneratedKeys);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public boolean execute(String sql, int[] columnIndexes) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.execute(sql, columnIndexes);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public boolean execute(String sql, String[] columnNames) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.execute(sql, columnNames);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public int getResultSetHoldability() throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getResultSetHoldability();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void setPoolable(boolean poolable) throws SQLException {
        conn.checkOpen();
        try {
            delegate.setPoolable(poolable);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public boolean isPoolable() throws SQLException {
        conn.checkOpen();
        try {
            return delegate.isPoolable();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void closeOnCompletion() throws SQLException {
        conn.checkOpen();
        try {
            delegate.closeOnCompletion();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public boolean isCloseOnCompletion() throws SQLException {
        conn.checkOpen();
        try {
            return delegate.isCloseOnCompletion();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public long getLargeUpdateCount() throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getLargeUpdateCount();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void setLargeMaxRows(long max) throws SQLException {
        conn.checkOpen();
        try {
            delegate.setLargeMaxRows(max);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public long getLargeMaxRows() throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getLargeMaxRows();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public long[] executeLargeBatch() throws SQLException {
        conn.checkOpen();
        try {
            return delegate.executeLargeBatch();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public long executeLargeUpdate(String sql) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.executeLargeUpdate(sql);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public long executeLargeUpdate(String sql, int autoGeneratedKeys) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.executeLargeUpdate(sql, autoGeneratedKeys);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public long executeLargeUpdate(String sql, int[] columnIndexes) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.executeLargeUpdate(sql, columnIndexes);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public long executeLargeUpdate(String sql, String[] columnNames) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.executeLargeUpdate(sql, columnNames);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public String enquoteLiteral(String val) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.enquoteLiteral(val);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public String enquoteIdentifier(String identifier, boolean alwaysQuote) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.enquoteIdentifier(identifier, alwaysQuote);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public boolean isSimpleIdentifier(String identifier) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.isSimpleIdentifier(identifier);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public String enquoteNCharLiteral(String val) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.enquoteNCharLiteral(val);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }
}
