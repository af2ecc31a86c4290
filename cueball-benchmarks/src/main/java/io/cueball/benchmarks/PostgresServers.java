package io.cueball.benchmarks;

import io.cueball.Backend;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Real PostgreSQL servers on loopback (zonky's embedded binaries), started once by {@link JdbcBench} and used by
 * every JMH fork it starts. Each has a database {@value #DB} owned by {@value #USER} with a table
 * {@code kv(id int primary key, v text)} of {@value #ROWS} rows, analyzed, so that the point query is an index
 * scan from the first execution on.
 */
final class PostgresServers implements AutoCloseable {
    static final String DB = "bench";
    static final String USER = "bench";
    static final int ROWS = 10_000;

    private final List<EmbeddedPostgres> servers = new ArrayList<>();

    private PostgresServers() {
    }

    /**
     * Starts {@code n} servers, each with the database, user and table.
     *
     * @param n how many
     * @return the running servers; close them to stop them
     */
    static PostgresServers start(int n) {
        PostgresServers s = new PostgresServers();
        try {
            for (int i = 0; i < n; i++) {
                EmbeddedPostgres pg = EmbeddedPostgres.builder()
                        .setServerConfig("max_connections", "60")
                        .setOutputRedirector(ProcessBuilder.Redirect.DISCARD)
                        .setErrorRedirector(ProcessBuilder.Redirect.DISCARD)
                        .start();
                s.servers.add(pg);
                prepare(pg);
            }
            return s;
        } catch (IOException | SQLException | RuntimeException e) {
            s.close();
            throw new IllegalStateException("cannot start the PostgreSQL servers", e);
        }
    }

    private static void prepare(EmbeddedPostgres pg) throws SQLException {
        // zonky's servers trust local connections; the user needs no password (authentication is not measured).
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + USER + " LOGIN");
            s.execute("CREATE DATABASE " + DB + " OWNER " + USER);
        }
        try (Connection c = pg.getDatabase(USER, DB).getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE kv (id int PRIMARY KEY, v text NOT NULL)");
            s.execute("INSERT INTO kv SELECT g, md5(g::text) FROM generate_series(1, " + ROWS + ") g");
            s.execute("VACUUM ANALYZE kv");
        }
    }

    /** @return the servers as backends, 127.0.0.1 and each one's port */
    List<Backend> backends() {
        return servers.stream().map(pg -> Backend.of("127.0.0.1", pg.getPort())).toList();
    }

    /**
     * Each server's postmaster, found as the parent of a session opened for the purpose (Linux: {@code /proc}).
     *
     * @return the postmasters' pids, in the servers' order
     */
    List<Long> postmasters() throws SQLException, IOException {
        List<Long> out = new ArrayList<>();
        for (EmbeddedPostgres pg : servers) {
            try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                out.add(CpuSplit.parent(rs.getLong(1)));
            }
        }
        return out;
    }

    /** @return the server's version string, from the first server */
    String version() {
        try (Connection c = servers.get(0).getPostgresDatabase().getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW server_version")) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        UncheckedIOException failure = null;
        for (EmbeddedPostgres pg : servers) {
            try {
                pg.close();
            } catch (IOException e) { // stop the others all the same: no server outlives the run
                if (failure == null) {
                    failure = new UncheckedIOException("cannot stop a PostgreSQL server", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        servers.clear();
        if (failure != null) {
            throw failure;
        }
    }
}
