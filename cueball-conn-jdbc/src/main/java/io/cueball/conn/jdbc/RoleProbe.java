package io.cueball.conn.jdbc;

import io.cueball.Backend;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * Reads a backend's role. Called by {@link PostgresRoles} on its probe threads, one probe per backend at a time;
 * may block for as long as its connect and read timeouts allow.
 */
@FunctionalInterface
interface RoleProbe {

    /** The query that tells a primary from a hot standby. */
    String QUERY = "SELECT pg_is_in_recovery()";

    /**
     * @param backend the backend
     * @return its role now
     * @throws Exception if it cannot be read (the server is down, refuses us, or does not answer in time)
     */
    ServerRole probe(Backend backend) throws Exception;

    /**
     * A probe that opens a short-lived connection with the pool's own factory (so it authenticates exactly as the
     * pool does, with the password read at each connect), asks {@value #QUERY} and closes it.
     *
     * @param factory     opens and binds the probe connection (its connect timeout bounds the connect)
     * @param readTimeout bounds the query: the socket read timeout of the probe connection
     */
    static RoleProbe jdbc(JdbcConnectionFactory factory, Duration readTimeout) {
        int millis = (int) Math.min(Integer.MAX_VALUE, readTimeout.toMillis());
        return backend -> {
            try (JdbcConnection c = factory.connect(backend)) {
                java.sql.Connection jdbc = c.jdbc();
                jdbc.setNetworkTimeout(Runnable::run, millis); // a frozen server must not hold a probe thread
                return read(jdbc);
            }
        };
    }

    /**
     * Reads the role on an open connection, leaving no transaction open.
     *
     * @param c the connection
     * @return its server's role
     * @throws SQLException if the query fails
     */
    static ServerRole read(java.sql.Connection c) throws SQLException {
        boolean inRecovery;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(QUERY)) {
            if (!rs.next()) {
                throw new SQLException(QUERY + " returned no row", "02000");
            }
            inRecovery = rs.getBoolean(1);
        }
        if (!c.getAutoCommit()) {
            c.rollback(); // the query opened a transaction: end it, so the connection is as it was
        }
        return inRecovery ? ServerRole.REPLICA : ServerRole.PRIMARY;
    }
}
