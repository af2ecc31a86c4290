package io.cueball.conn.jdbc;

import io.cueball.Backend;
import io.cueball.ConnectionFactory;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;
import java.util.Properties;

/**
 * Opens JDBC connections to backends and binds them before the pool may hand them out: the driver connects
 * and authenticates, every init statement runs, and the connection is validated. Only then is it returned;
 * if any step fails, the half-open connection is closed and the failure surfaces as a connect failure of that
 * backend (so backoff and dead-backend marking apply), with the server's message and SQLState, and never the
 * password: the message is built from the backend, the URL, the user, the driver's message (pgjdbc's as it is;
 * another driver's without {@code password=} parameters, or left out if it holds the password's text) and the
 * SQLState, never masked afterwards. A failed authentication (SQLState class 28, such as 28P01 for a wrong
 * password) is thrown as an {@link java.sql.SQLInvalidAuthorizationSpecException}, anything else as an
 * {@link SQLException}; both keep the driver's SQLState and error code, and the driver's exception as the cause
 * unless one of its messages holds the password's text.
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
        Properties properties = settings.driverProperties();
        // The password this connect sends (the supplier may rotate it), so that what it says is checked against it.
        String password = properties.getProperty("password");
        java.sql.Connection raw;
        try {
            Driver driver = DriverManager.getDriver(url);
            raw = driver.connect(url, properties);
            if (raw == null) {
                throw new SQLException("the driver for " + url + " does not accept that URL", "08001");
            }
        } catch (SQLException e) {
            throw JdbcErrors.connectFailure("cannot connect to", backend, url, settings.user(), e, password);
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
            throw JdbcErrors.connectFailure("cannot bind (" + step + ") to", backend, url, settings.user(), cause,
                    password);
        }
    }

    @Override
    public String toString() {
        return "JdbcConnectionFactory{" + settings + "}";
    }
}
