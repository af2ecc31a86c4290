package io.cueball.conn.jdbc;

import java.io.InputStream;
import java.io.Reader;
import java.math.BigDecimal;
import java.net.URL;
import java.sql.Array;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.Date;
import java.sql.NClob;
import java.sql.Ref;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.RowId;
import java.sql.SQLException;
import java.sql.SQLType;
import java.sql.SQLWarning;
import java.sql.SQLXML;
import java.sql.Statement;
import java.sql.Time;
import java.sql.Timestamp;
import java.util.Calendar;
import java.util.Map;

/**
 * The pool's {@link ResultSet}: delegates every call to the driver's after checking that the connection wrapper
 * is open (rows may be fetched over the connection); {@link #getStatement()} is the wrapper statement that
 * produced it. A result set no statement of ours produced (metadata, a ref cursor) answers {@code getStatement()}
 * as the driver does: null if the driver says null, else the driver's statement, wrapped (not tracked: the driver
 * owns it) so that it leads back to the connection wrapper.
 */
final class WrappedResultSet implements ResultSet {
    private final WrappedConnection conn;
    private final ResultSet delegate;
    /** The statement that produced it; for a metadata result set, the driver's, wrapped on first request. */
    private WrappedStatement statement;

    WrappedResultSet(WrappedConnection conn, WrappedStatement statement, ResultSet delegate) {
        this.conn = conn;
        this.statement = statement;
        this.delegate = delegate;
    }

    @Override
    public Statement getStatement() throws SQLException {
        conn.checkOpen();
        WrappedStatement s = statement;
        if (s == null) {
            Statement driver;
            try {
                driver = delegate.getStatement();
            } catch (SQLException e) {
                throw conn.failed(e);
            }
            if (driver == null) {
                return null;
            }
            s = conn.adopt(driver);
            statement = s;
        }
        return s;
    }

    /** Closes the driver's result set; once the connection is closed, does nothing (it is not ours any more). */
    @Override
    public void close() throws SQLException {
        if (conn.closed) {
            return;
        }
        try {
            delegate.close();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public boolean isClosed() throws SQLException {
        if (conn.closed) {
            return true;
        }
        try {
            return delegate.isClosed();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public <T> T getObject(int columnIndex, Class<T> type) throws SQLException {
        conn.checkOpen();
        try {
            return conn.wrapObject(delegate.getObject(columnIndex, type), type);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public <T> T getObject(String columnLabel, Class<T> type) throws SQLException {
        conn.checkOpen();
        try {
            return conn.wrapObject(delegate.getObject(columnLabel, type), type);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
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
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
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
        return "pooled result set on " + conn;
    }

    // Everything below delegates: check open, call the driver, note a fatal error.

    @Override
    public boolean next() throws SQLException {
        conn.checkOpen();
        try {
            return delegate.next();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public boolean wasNull() throws SQLException {
        conn.checkOpen();
        try {
            return delegate.wasNull();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public String getString(int columnIndex) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getString(columnIndex);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public boolean getBoolean(int columnIndex) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getBoolean(columnIndex);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public byte getByte(int columnIndex) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getByte(columnIndex);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public short getShort(int columnIndex) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getShort(columnIndex);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public int getInt(int columnIndex) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getInt(columnIndex);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public long getLong(int columnIndex) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getLong(columnIndex);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public float getFloat(int columnIndex) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getFloat(columnIndex);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public double getDouble(int columnIndex) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getDouble(columnIndex);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Deprecated
    @Override
    public BigDecimal getBigDecimal(int columnIndex, int scale) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getBigDecimal(columnIndex, scale);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public byte[] getBytes(int columnIndex) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getBytes(columnIndex);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public Date getDate(int columnIndex) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getDate(columnIndex);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public Time getTime(int columnIndex) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getTime(columnIndex);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public Timestamp getTimestamp(int columnIndex) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getTimestamp(columnIndex);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public java.io.InputStream getAsciiStream(int columnIndex) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getAsciiStream(columnIndex);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Deprecated
    @Override
    public java.io.InputStream getUnicodeStream(int columnIndex) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getUnicodeStream(columnIndex);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public java.io.InputStream getBinaryStream(int columnIndex) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getBinaryStream(columnIndex);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public String getString(String columnLabel) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getString(columnLabel);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public boolean getBoolean(String columnLabel) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getBoolean(columnLabel);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public byte getByte(String columnLabel) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getByte(columnLabel);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public short getShort(String columnLabel) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getShort(columnLabel);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public int getInt(String columnLabel) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getInt(columnLabel);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public long getLong(String columnLabel) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getLong(columnLabel);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public float getFloat(String columnLabel) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getFloat(columnLabel);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public double getDouble(String columnLabel) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getDouble(columnLabel);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Deprecated
    @Override
    public BigDecimal getBigDecimal(String columnLabel, int scale) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getBigDecimal(columnLabel, scale);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public byte[] getBytes(String columnLabel) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getBytes(columnLabel);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public Date getDate(String columnLabel) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getDate(columnLabel);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public Time getTime(String columnLabel) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getTime(columnLabel);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public Timestamp getTimestamp(String columnLabel) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getTimestamp(columnLabel);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public java.io.InputStream getAsciiStream(String columnLabel) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getAsciiStream(columnLabel);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Deprecated
    @Override
    public java.io.InputStream getUnicodeStream(String columnLabel) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getUnicodeStream(columnLabel);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public java.io.InputStream getBinaryStream(String columnLabel) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getBinaryStream(columnLabel);
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
    public String getCursorName() throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getCursorName();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public ResultSetMetaData getMetaData() throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getMetaData();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public Object getObject(int columnIndex) throws SQLException {
        conn.checkOpen();
        try {
            return conn.wrapObject(delegate.getObject(columnIndex));
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public Object getObject(String columnLabel) throws SQLException {
        conn.checkOpen();
        try {
            return conn.wrapObject(delegate.getObject(columnLabel));
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public int findColumn(String columnLabel) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.findColumn(columnLabel);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public java.io.Reader getCharacterStream(int columnIndex) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getCharacterStream(columnIndex);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public java.io.Reader getCharacterStream(String columnLabel) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getCharacterStream(columnLabel);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public BigDecimal getBigDecimal(int columnIndex) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getBigDecimal(columnIndex);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public BigDecimal getBigDecimal(String columnLabel) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getBigDecimal(columnLabel);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public boolean isBeforeFirst() throws SQLException {
        conn.checkOpen();
        try {
            return delegate.isBeforeFirst();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public boolean isAfterLast() throws SQLException {
        conn.checkOpen();
        try {
            return delegate.isAfterLast();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public boolean isFirst() throws SQLException {
        conn.checkOpen();
        try {
            return delegate.isFirst();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public boolean isLast() throws SQLException {
        conn.checkOpen();
        try {
            return delegate.isLast();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void beforeFirst() throws SQLException {
        conn.checkOpen();
        try {
            delegate.beforeFirst();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void afterLast() throws SQLException {
        conn.checkOpen();
        try {
            delegate.afterLast();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public boolean first() throws SQLException {
        conn.checkOpen();
        try {
            return delegate.first();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public boolean last() throws SQLException {
        conn.checkOpen();
        try {
            return delegate.last();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public int getRow() throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getRow();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public boolean absolute(int row) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.absolute(row);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public boolean relative(int rows) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.relative(rows);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public boolean previous() throws SQLException {
        conn.checkOpen();
        try {
            return delegate.previous();
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
    public int getType() throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getType();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public int getConcurrency() throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getConcurrency();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public boolean rowUpdated() throws SQLException {
        conn.checkOpen();
        try {
            return delegate.rowUpdated();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public boolean rowInserted() throws SQLException {
        conn.checkOpen();
        try {
            return delegate.rowInserted();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public boolean rowDeleted() throws SQLException {
        conn.checkOpen();
        try {
            return delegate.rowDeleted();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateNull(int columnIndex) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateNull(columnIndex);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateBoolean(int columnIndex, boolean x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateBoolean(columnIndex, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateByte(int columnIndex, byte x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateByte(columnIndex, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateShort(int columnIndex, short x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateShort(columnIndex, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateInt(int columnIndex, int x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateInt(columnIndex, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateLong(int columnIndex, long x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateLong(columnIndex, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateFloat(int columnIndex, float x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateFloat(columnIndex, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateDouble(int columnIndex, double x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateDouble(columnIndex, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateBigDecimal(int columnIndex, BigDecimal x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateBigDecimal(columnIndex, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateString(int columnIndex, String x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateString(columnIndex, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateBytes(int columnIndex, byte[] x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateBytes(columnIndex, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateDate(int columnIndex, Date x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateDate(columnIndex, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateTime(int columnIndex, Time x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateTime(columnIndex, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateTimestamp(int columnIndex, Timestamp x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateTimestamp(columnIndex, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateAsciiStream(int columnIndex, java.io.InputStream x, int length) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateAsciiStream(columnIndex, x, length);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateBinaryStream(int columnIndex, java.io.InputStream x, int length) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateBinaryStream(columnIndex, x, length);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateCharacterStream(int columnIndex, java.io.Reader x, int length) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateCharacterStream(columnIndex, x, length);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateObject(int columnIndex, Object x, int scaleOrLength) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateObject(columnIndex, x, scaleOrLength);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateObject(int columnIndex, Object x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateObject(columnIndex, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateNull(String columnLabel) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateNull(columnLabel);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateBoolean(String columnLabel, boolean x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateBoolean(columnLabel, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateByte(String columnLabel, byte x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateByte(columnLabel, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateShort(String columnLabel, short x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateShort(columnLabel, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateInt(String columnLabel, int x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateInt(columnLabel, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateLong(String columnLabel, long x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateLong(columnLabel, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateFloat(String columnLabel, float x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateFloat(columnLabel, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateDouble(String columnLabel, double x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateDouble(columnLabel, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateBigDecimal(String columnLabel, BigDecimal x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateBigDecimal(columnLabel, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateString(String columnLabel, String x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateString(columnLabel, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateBytes(String columnLabel, byte[] x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateBytes(columnLabel, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateDate(String columnLabel, Date x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateDate(columnLabel, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateTime(String columnLabel, Time x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateTime(columnLabel, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateTimestamp(String columnLabel, Timestamp x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateTimestamp(columnLabel, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateAsciiStream(String columnLabel, java.io.InputStream x, int length) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateAsciiStream(columnLabel, x, length);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateBinaryStream(String columnLabel, java.io.InputStream x, int length) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateBinaryStream(columnLabel, x, length);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateCharacterStream(String columnLabel, java.io.Reader reader, int length) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateCharacterStream(columnLabel, reader, length);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateObject(String columnLabel, Object x, int scaleOrLength) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateObject(columnLabel, x, scaleOrLength);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateObject(String columnLabel, Object x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateObject(columnLabel, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void insertRow() throws SQLException {
        conn.checkOpen();
        try {
            delegate.insertRow();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateRow() throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateRow();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void deleteRow() throws SQLException {
        conn.checkOpen();
        try {
            delegate.deleteRow();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void refreshRow() throws SQLException {
        conn.checkOpen();
        try {
            delegate.refreshRow();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void cancelRowUpdates() throws SQLException {
        conn.checkOpen();
        try {
            delegate.cancelRowUpdates();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void moveToInsertRow() throws SQLException {
        conn.checkOpen();
        try {
            delegate.moveToInsertRow();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void moveToCurrentRow() throws SQLException {
        conn.checkOpen();
        try {
            delegate.moveToCurrentRow();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public Object getObject(int columnIndex, Map<String, Class<?>> map) throws SQLException {
        conn.checkOpen();
        try {
            return conn.wrapObject(delegate.getObject(columnIndex, map));
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public Ref getRef(int columnIndex) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getRef(columnIndex);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public Blob getBlob(int columnIndex) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getBlob(columnIndex);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public Clob getClob(int columnIndex) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getClob(columnIndex);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public Array getArray(int columnIndex) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getArray(columnIndex);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public Object getObject(String columnLabel, Map<String, Class<?>> map) throws SQLException {
        conn.checkOpen();
        try {
            return conn.wrapObject(delegate.getObject(columnLabel, map));
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public Ref getRef(String columnLabel) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getRef(columnLabel);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public Blob getBlob(String columnLabel) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getBlob(columnLabel);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public Clob getClob(String columnLabel) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getClob(columnLabel);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public Array getArray(String columnLabel) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getArray(columnLabel);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public Date getDate(int columnIndex, Calendar cal) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getDate(columnIndex, cal);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public Date getDate(String columnLabel, Calendar cal) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getDate(columnLabel, cal);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public Time getTime(int columnIndex, Calendar cal) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getTime(columnIndex, cal);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public Time getTime(String columnLabel, Calendar cal) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getTime(columnLabel, cal);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public Timestamp getTimestamp(int columnIndex, Calendar cal) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getTimestamp(columnIndex, cal);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public Timestamp getTimestamp(String columnLabel, Calendar cal) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getTimestamp(columnLabel, cal);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public URL getURL(int columnIndex) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getURL(columnIndex);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public URL getURL(String columnLabel) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getURL(columnLabel);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateRef(int columnIndex, Ref x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateRef(columnIndex, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateRef(String columnLabel, Ref x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateRef(columnLabel, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateBlob(int columnIndex, Blob x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateBlob(columnIndex, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateBlob(String columnLabel, Blob x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateBlob(columnLabel, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateClob(int columnIndex, Clob x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateClob(columnIndex, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateClob(String columnLabel, Clob x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateClob(columnLabel, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateArray(int columnIndex, Array x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateArray(columnIndex, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateArray(String columnLabel, Array x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateArray(columnLabel, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public RowId getRowId(int columnIndex) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getRowId(columnIndex);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public RowId getRowId(String columnLabel) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getRowId(columnLabel);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateRowId(int columnIndex, RowId x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateRowId(columnIndex, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateRowId(String columnLabel, RowId x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateRowId(columnLabel, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public int getHoldability() throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getHoldability();
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateNString(int columnIndex, String nString) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateNString(columnIndex, nString);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateNString(String columnLabel, String nString) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateNString(columnLabel, nString);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateNClob(int columnIndex, NClob nClob) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateNClob(columnIndex, nClob);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateNClob(String columnLabel, NClob nClob) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateNClob(columnLabel, nClob);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public NClob getNClob(int columnIndex) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getNClob(columnIndex);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public NClob getNClob(String columnLabel) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getNClob(columnLabel);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public SQLXML getSQLXML(int columnIndex) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getSQLXML(columnIndex);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public SQLXML getSQLXML(String columnLabel) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getSQLXML(columnLabel);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateSQLXML(int columnIndex, SQLXML xmlObject) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateSQLXML(columnIndex, xmlObject);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateSQLXML(String columnLabel, SQLXML xmlObject) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateSQLXML(columnLabel, xmlObject);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public String getNString(int columnIndex) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getNString(columnIndex);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public String getNString(String columnLabel) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getNString(columnLabel);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public java.io.Reader getNCharacterStream(int columnIndex) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getNCharacterStream(columnIndex);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public java.io.Reader getNCharacterStream(String columnLabel) throws SQLException {
        conn.checkOpen();
        try {
            return delegate.getNCharacterStream(columnLabel);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateNCharacterStream(int columnIndex, java.io.Reader x, long length) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateNCharacterStream(columnIndex, x, length);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateNCharacterStream(String columnLabel, java.io.Reader reader, long length) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateNCharacterStream(columnLabel, reader, length);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateAsciiStream(int columnIndex, java.io.InputStream x, long length) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateAsciiStream(columnIndex, x, length);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateBinaryStream(int columnIndex, java.io.InputStream x, long length) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateBinaryStream(columnIndex, x, length);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateCharacterStream(int columnIndex, java.io.Reader x, long length) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateCharacterStream(columnIndex, x, length);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateAsciiStream(String columnLabel, java.io.InputStream x, long length) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateAsciiStream(columnLabel, x, length);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateBinaryStream(String columnLabel, java.io.InputStream x, long length) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateBinaryStream(columnLabel, x, length);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateCharacterStream(String columnLabel, java.io.Reader reader, long length) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateCharacterStream(columnLabel, reader, length);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateBlob(int columnIndex, InputStream inputStream, long length) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateBlob(columnIndex, inputStream, length);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateBlob(String columnLabel, InputStream inputStream, long length) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateBlob(columnLabel, inputStream, length);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateClob(int columnIndex, Reader reader, long length) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateClob(columnIndex, reader, length);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateClob(String columnLabel, Reader reader, long length) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateClob(columnLabel, reader, length);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateNClob(int columnIndex, Reader reader, long length) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateNClob(columnIndex, reader, length);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateNClob(String columnLabel, Reader reader, long length) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateNClob(columnLabel, reader, length);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateNCharacterStream(int columnIndex, java.io.Reader x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateNCharacterStream(columnIndex, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateNCharacterStream(String columnLabel, java.io.Reader reader) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateNCharacterStream(columnLabel, reader);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateAsciiStream(int columnIndex, java.io.InputStream x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateAsciiStream(columnIndex, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateBinaryStream(int columnIndex, java.io.InputStream x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateBinaryStream(columnIndex, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateCharacterStream(int columnIndex, java.io.Reader x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateCharacterStream(columnIndex, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateAsciiStream(String columnLabel, java.io.InputStream x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateAsciiStream(columnLabel, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateBinaryStream(String columnLabel, java.io.InputStream x) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateBinaryStream(columnLabel, x);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateCharacterStream(String columnLabel, java.io.Reader reader) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateCharacterStream(columnLabel, reader);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateBlob(int columnIndex, InputStream inputStream) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateBlob(columnIndex, inputStream);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateBlob(String columnLabel, InputStream inputStream) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateBlob(columnLabel, inputStream);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateClob(int columnIndex, Reader reader) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateClob(columnIndex, reader);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateClob(String columnLabel, Reader reader) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateClob(columnLabel, reader);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateNClob(int columnIndex, Reader reader) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateNClob(columnIndex, reader);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateNClob(String columnLabel, Reader reader) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateNClob(columnLabel, reader);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateObject(int columnIndex, Object x, SQLType targetSqlType, int scaleOrLength) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateObject(columnIndex, x, targetSqlType, scaleOrLength);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateObject(String columnLabel, Object x, SQLType targetSqlType,
            int scaleOrLength) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateObject(columnLabel, x, targetSqlType, scaleOrLength);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateObject(int columnIndex, Object x, SQLType targetSqlType) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateObject(columnIndex, x, targetSqlType);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }

    @Override
    public void updateObject(String columnLabel, Object x, SQLType targetSqlType) throws SQLException {
        conn.checkOpen();
        try {
            delegate.updateObject(columnLabel, x, targetSqlType);
        } catch (SQLException e) {
            throw conn.failed(e);
        }
    }
}
