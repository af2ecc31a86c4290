package io.cueball.conn.jdbc;

import io.cueball.Backend;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Three real PostgreSQL servers (zonky's embedded binaries from Maven Central), started once per test JVM and
 * shared by this module's tests. Each has a database {@value #DB} owned by {@value #USER}, who must log in with
 * a SCRAM password, and can be stopped and started again on the same port and data.
 */
final class PostgresCluster {
    static final String DB = "app";
    static final String USER = "app_user";
    static final String PASSWORD = "s3cret-Pw-91f2";
    static final int SIZE = 3;

    private static final ReentrantLock LOCK = new ReentrantLock();
    private static PostgresCluster shared;

    final List<Node> nodes = new ArrayList<>();

    static PostgresCluster get() {
        LOCK.lock();
        try {
            if (shared == null) {
                PostgresCluster c = new PostgresCluster();
                for (int i = 0; i < SIZE; i++) {
                    c.nodes.add(new Node(i));
                }
                shared = c;
            }
            shared.nodes.forEach(Node::ensureRunning); // a test that stopped one must not break the next
            return shared;
        } finally {
            LOCK.unlock();
        }
    }

    List<Backend> backends() {
        return nodes.stream().map(Node::backend).toList();
    }

    /** One PostgreSQL server. */
    static final class Node {
        final int index;
        private final Path dataDirectory;
        private int port;
        private EmbeddedPostgres pg;

        Node(int index) {
            this.index = index;
            try {
                this.dataDirectory = Files.createTempDirectory("cueball-pg-").resolve("data");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            start();
            admin("CREATE ROLE " + USER + " LOGIN PASSWORD '" + PASSWORD + "'");
            admin("CREATE DATABASE " + DB + " OWNER " + USER);
            try (Connection c = pg.getDatabase("postgres", DB).getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE SCHEMA reports AUTHORIZATION " + USER);
                s.execute("CREATE TABLE public.notes (id serial primary key, text varchar(100))");
                s.execute("GRANT ALL ON public.notes TO " + USER);
                s.execute("GRANT ALL ON SEQUENCE public.notes_id_seq TO " + USER);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        Backend backend() {
            return Backend.of("127.0.0.1", port);
        }

        boolean running() {
            return pg != null;
        }

        void start() {
            try {
                pg = EmbeddedPostgres.builder()
                        .setDataDirectory(dataDirectory)
                        .setCleanDataDirectory(false)
                        .setPort(port)
                        .setServerConfig("max_connections", "60")
                        .setDataDirectoryCustomizer(dir -> writeHba(dir.toPath()))
                        .setOutputRedirector(ProcessBuilder.Redirect.DISCARD)
                        .setErrorRedirector(ProcessBuilder.Redirect.DISCARD)
                        .start();
                port = pg.getPort();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start PostgreSQL node " + index, e);
            }
        }

        void ensureRunning() {
            if (pg == null) {
                start();
            }
        }

        /** Stops the server (fast shutdown: sessions are terminated). */
        void stop() {
            try {
                pg.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            pg = null;
        }

        void admin(String sql) {
            try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                s.execute(sql);
            } catch (SQLException e) {
                throw new IllegalStateException(sql, e);
            }
        }

        /** @return the server's major version, as it reports it ({@code server_version_num} / 10000) */
        int majorVersion() {
            try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SHOW server_version_num")) {
                rs.next();
                return Integer.parseInt(rs.getString(1)) / 10_000;
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        /** Sessions of the app user with this application name, as the server itself counts them. */
        int sessions(String applicationName) {
            try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE usename = '" + USER
                            + "' AND application_name = '" + applicationName + "'")) {
                rs.next();
                return rs.getInt(1);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        private static void writeHba(Path dir) {
            try {
                Files.writeString(dir.resolve("pg_hba.conf"), String.join("\n",
                        "local all all trust",
                        "host all postgres 127.0.0.1/32 trust",
                        "host all postgres ::1/128 trust",
                        "host all all 127.0.0.1/32 scram-sha-256",
                        "host all all ::1/128 scram-sha-256", ""));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
