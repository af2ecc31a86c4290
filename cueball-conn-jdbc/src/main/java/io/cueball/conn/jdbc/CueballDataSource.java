package io.cueball.conn.jdbc;

import io.cueball.Claim;
import io.cueball.ConnectionPool;
import io.cueball.CueballException;
import java.io.PrintWriter;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.Objects;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A {@link DataSource} over a pool, for plain JDBC code and frameworks that take one. {@link #getConnection()}
 * claims a connection; the returned connection's {@code close()} releases the claim (a second {@code close()}
 * does nothing, and using it after close throws {@link SQLException}). The pool stays its owner's to close.
 *
 * <p>Pool failures become SQLExceptions: a pool whose last connect error is an authentication failure (SQLState
 * class 28) throws {@link java.sql.SQLInvalidAuthorizationSpecException} with the server's SQLState (retrying
 * will not help); a closed pool an {@link SQLNonTransientConnectionException} (08003); anything else (a claim
 * timeout, a failed pool, no backends, an interrupt) an {@link SQLTransientConnectionException} (08001).
 *
 * <p><b>Build the pool with {@code threadAffinity(10_000)}.</b> A database session is a server process
 * (PostgreSQL) or thread, and a thread that keeps its session costs the server less than one that moves between
 * sessions: with the core's default of 64, PostgreSQL spent measurably more CPU per query, and even a move every
 * 1000 claims cost about a tenth of the queries per second on loopback servers (see the README's PostgreSQL
 * section and {@code JdbcProbe} in {@code cueball-benchmarks}).
 */
public final class CueballDataSource implements DataSource {
    private final ConnectionPool<JdbcConnection> pool;
    private volatile PrintWriter logWriter;
    private volatile int loginTimeout;

    /** @param pool the pool to claim from */
    public CueballDataSource(ConnectionPool<JdbcConnection> pool) {
        this.pool = Objects.requireNonNull(pool, "pool must not be null");
    }

    @Override
    public java.sql.Connection getConnection() throws SQLException {
        Claim<JdbcConnection> claim;
        try {
            claim = pool.claim();
        } catch (CueballException e) {
            // Closed: 08003; a wrong password (the last connect error is SQLState 28xxx): non-transient
            // SQLInvalidAuthorizationSpecException; anything else (timeout, failed pool): transient 08001.
            throw JdbcErrors.claimFailure(e);
        }
        return claim.connection().open(claim); // one wrapper: no reflection, no per-call allocation
    }

    /** Not supported: the pool's connections are bound to the user of its settings. */
    @Override
    public java.sql.Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("a cueball pool's connections are bound to one user; "
                + "use getConnection()");
    }

    /** @return the pool behind this DataSource */
    public ConnectionPool<JdbcConnection> pool() {
        return pool;
    }

    @Override
    public PrintWriter getLogWriter() {
        return logWriter;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        this.logWriter = out;
    }

    /** Recorded for frameworks that set it; claims wait up to the pool's claimTimeout. */
    @Override
    public void setLoginTimeout(int seconds) {
        this.loginTimeout = seconds;
    }

    @Override
    public int getLoginTimeout() {
        return loginTimeout;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("cueball logs through slf4j");
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        if (iface.isInstance(pool)) {
            return iface.cast(pool);
        }
        throw new SQLException("not a wrapper for " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this) || iface.isInstance(pool);
    }

    @Override
    public String toString() {
        return "CueballDataSource[" + pool.name() + "]";
    }
}
