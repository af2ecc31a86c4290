package io.cueball.conn.jdbc;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Objects;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A {@link DataSource} that sends read-only work to the replicas and everything else to the primary: two
 * DataSources behind one, typically two {@link CueballDataSource}s over the pools of a {@link PostgresRoles}
 * ({@link TargetRole#PRIMARY} and {@link TargetRole#PREFER_REPLICA}), so reads spread over the replicas the way
 * that pool spreads its claims.
 *
 * <pre>{@code
 * DataSource ds = new ReadWriteDataSource(new CueballDataSource(writes), new CueballDataSource(reads));
 *
 * try (Connection c = ds.getConnection()) {
 *     c.setReadOnly(true);                          // before the first statement: this connection reads a replica
 *     c.createStatement().executeQuery("select ...");
 * }
 * }</pre>
 *
 * <p><b>Read-only is known late.</b> Spring's read-only transactions (and most code) call {@code setReadOnly(true)}
 * on a connection after getting it. So {@link #getConnection()} claims nothing: it returns a lazy connection that
 * records {@code setReadOnly}, {@code setAutoCommit} and {@code setTransactionIsolation} (and answers their getters)
 * until the first call that needs the database: a statement, metadata, a savepoint, anything else. That call claims
 * from the replicas if the connection is read-only by then, from the primary otherwise, applies what was recorded,
 * and from then on every call is passed to the claimed connection (written out, no reflection). A connection that
 * is closed without having needed the database claims nothing; {@code commit()} and {@code rollback()} before the
 * claim have nothing to do and return.
 *
 * <p><b>Switching after the claim.</b>
 * <ul>
 *   <li>{@code setReadOnly(false)} on a connection claimed from the replicas moves it to the primary, but only at a
 *       transaction boundary: with auto-commit on, or auto-commit off and no statement since the last
 *       {@code commit}/{@code rollback}, the replica connection is released and the next call claims from the
 *       primary (Spring does exactly this when a read-only transaction ends: {@code setAutoCommit(true)}, then
 *       {@code setReadOnly(false)}). Inside a transaction it throws {@link SQLException} 25001: a transaction that
 *       began on a replica cannot continue on the primary, and nothing is ever written to a replica.</li>
 *   <li>{@code setReadOnly(true)} on a connection claimed from the primary stays on the primary (and is passed to
 *       it): its transaction may need to read its own writes, which a replica may not have yet.</li>
 * </ul>
 *
 * <p>Writes never reach a replica through this class: a read-only connection is set read-only on the server too, and
 * a hot standby refuses writes anyway (SQLState 25006). A read-only connection served by the primary (the
 * replicas' pool fell back to it) is read-only as far as the driver enforces it: pgjdbc's default
 * {@code readOnlyMode=transaction} does so only with auto-commit off; set {@code readOnlyMode=always} in the
 * settings' properties to have it enforced with auto-commit on as well.
 *
 * <p>The lazy connections are, like the driver's, for one thread at a time. {@code Statement.getConnection()} and
 * {@code DatabaseMetaData.getConnection()} return the claimed pool connection, not the lazy one. This class is
 * thread-safe.
 */
public final class ReadWriteDataSource implements DataSource {
    private final DataSource primary;
    private final DataSource replicas;
    private volatile int defaultIsolation = -1; // learned from the first connection claimed; -1 until then
    private volatile PrintWriter logWriter;
    private volatile int loginTimeout;

    /**
     * @param primary  where writes (and everything not read-only) go
     * @param replicas where read-only work goes
     */
    public ReadWriteDataSource(DataSource primary, DataSource replicas) {
        this.primary = Objects.requireNonNull(primary, "primary must not be null");
        this.replicas = Objects.requireNonNull(replicas, "replicas must not be null");
    }

    /**
     * A lazy connection: nothing is claimed until the first call that needs the database.
     *
     * @return a connection; {@code close()} it (it releases whatever it claimed)
     */
    @Override
    public Connection getConnection() {
        return new ReadWriteConnection(this);
    }

    /** Not supported: the pools' connections are bound to the user of their settings. */
    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("a cueball pool's connections are bound to one user; "
                + "use getConnection()");
    }

    /** @return where writes go */
    public DataSource primary() {
        return primary;
    }

    /** @return where read-only work goes */
    public DataSource replicas() {
        return replicas;
    }

    /** On a lazy connection's thread: the claim it makes now. */
    Connection claim(boolean readOnly) throws SQLException {
        Connection c = (readOnly ? replicas : primary).getConnection();
        if (defaultIsolation < 0) {
            try {
                defaultIsolation = c.getTransactionIsolation(); // the pools reset it on release: the bound value
            } catch (SQLException | RuntimeException e) {
                c.close();
                throw e;
            }
        }
        return c;
    }

    /** The isolation a connection has before anyone sets it; one claim from the primary to learn it, once. */
    int defaultIsolation() throws SQLException {
        int known = defaultIsolation;
        if (known < 0) {
            try (Connection c = claim(false)) {
                known = c.getTransactionIsolation();
            }
        }
        return known;
    }

    @Override
    public PrintWriter getLogWriter() {
        return logWriter;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        this.logWriter = out;
    }

    /** Recorded for frameworks that set it; claims wait up to their pool's claimTimeout. */
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
        throw new SQLException("not a wrapper for " + iface.getName() + "; see primary() and replicas()");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }

    @Override
    public String toString() {
        return "ReadWriteDataSource[primary=" + primary + ", replicas=" + replicas + "]";
    }
}
