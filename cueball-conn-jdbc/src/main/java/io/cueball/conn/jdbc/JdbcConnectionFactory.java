package io.cueball.conn.jdbc;

import io.cueball.Backend;
import io.cueball.ConnectionFactory;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;

/**
 * Opens JDBC connections to backends and binds them before the pool may hand them out: the driver connects
 * and authenticates, every init statement runs, and the connection is validated. Only then is it returned;
 * if any step fails, the half-open connection is closed and the failure surfaces as a connect failure of that
 * backend (so backoff and dead-backend marking apply), with the server's message and SQLState, and never the
 * password.
 *
 * <p>Thread-safe; called on the pool's connector threads.
 */
public final class JdbcConnectionFactory implements ConnectionFactory<JdbcConnection> {
    private final JdbcSettings settings;

    /** @param settings how to connect and bind */
    public JdbcConnectionFactory(JdbcSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings must not be null");
    }

    /** @return the settings */
    public JdbcSettings settings() {
        return settings;
    }

    @Override
    public JdbcConnection connect(Backend backend) throws SQLException {
        String url = settings.urlFor(backend);
        java.sql.Connection raw;
        try {
            Driver driver = DriverManager.getDriver(url);
            raw = driver.connect(url, settings.driverProperties());
            if (raw == null) {
                throw new SQLException("the driver for " + url + " does not accept that URL", "08001");
            }
        } catch (SQLException e) {
            throw failure("cannot connect to", backend, url, e);
        }
        String step = "init statement";
        try {
            for (String sql : settings.initStatements()) {
                step = "init statement '" + sql + "'";
                try (Statement s = raw.createStatement()) {
                    s.execute(sql);
                }
            }
            step = "validation";
            if (!JdbcConnection.validate(raw, settings)) {
                throw new SQLException("the new connection did not validate", "08006");
            }
            step = "reading the session's state";
            return new JdbcConnection(backend, raw, settings);
        } catch (SQLException | RuntimeException e) {
            try {
                raw.close(); // half-bound: never leaked, never handed out
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed);
            }
            SQLException cause = e instanceof SQLException se ? se : new SQLException(e.toString(), "08006", e);
            throw failure("cannot bind (" + step + ") to", backend, url, cause);
        }
    }

    /** A connect failure naming the backend, with the server's message and SQLState; the password scrubbed. */
    private SQLException failure(String what, Backend backend, String url, SQLException e) {
        String message = what + " backend " + backend.key() + " (" + url + ", user " + settings.user() + "): "
                + e.getMessage() + " [SQLState " + e.getSQLState() + "]";
        String secret = settings.currentPasswordForScrubbing();
        if (secret != null && !secret.isEmpty()) {
            message = message.replace(secret, "****"); // a driver that echoes it must not leak it through us
        }
        SQLException wrapped = new SQLException(message, e.getSQLState(), e.getErrorCode());
        if (secret == null || !String.valueOf(e).contains(secret)) {
            wrapped.initCause(e);
        }
        return wrapped;
    }

    @Override
    public String toString() {
        return "JdbcConnectionFactory{" + settings + "}";
    }
}
