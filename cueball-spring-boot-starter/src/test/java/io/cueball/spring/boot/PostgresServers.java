package io.cueball.spring.boot;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Two real PostgreSQL servers (zonky's embedded binaries, as cueball-conn-jdbc's tests start them), started once
 * per test JVM and shared by this module's tests. Each has a database {@value #DB} owned by {@value #USER}, who
 * must log in with a SCRAM password, so a test that connects proves the password arrived; each can be stopped
 * and started again on the same port and data.
 */
final class PostgresServers {
    static final String DB = "app";
    static final String USER = "app_user";
    static final String PASSWORD = "b00t-Pw-7c41";
    static final int SIZE = 2;

    private static final ReentrantLock LOCK = new ReentrantLock();
    private static PostgresServers shared;

    final List<Server> servers = new ArrayList<>();

    /** @return the servers, every one running (a test that stopped one must not break the next) */
    static PostgresServers get() {
        LOCK.lock();
        try {
            if (shared == null) {
                PostgresServers s = new PostgresServers();
                for (int i = 0; i < SIZE; i++) {
                    s.servers.add(new Server(i));
                }
                shared = s;
            }
            shared.servers.forEach(Server::ensureRunning);
            return shared;
        } finally {
            LOCK.unlock();
        }
    }

    /** @return a static: resolver spec over the first {@code count} servers */
    String spec(int count) {
        return "static:" + String.join(",", servers.subList(0, count).stream().map(Server::key).toList());
    }

    /** One PostgreSQL server. */
    static final class Server {
        final int index;
        private final Path dataDirectory;
        private int port;
        private EmbeddedPostgres pg;

        Server(int index) {
            this.index = index;
            try {
                this.dataDirectory = Files.createTempDirectory("cueball-boot-pg-").resolve("data");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            start();
            admin("CREATE ROLE " + USER + " LOGIN PASSWORD '" + PASSWORD + "'");
            admin("CREATE DATABASE " + DB + " OWNER " + USER);
        }

        /** @return the backend key the pool uses for it */
        String key() {
            return "127.0.0.1:" + port;
        }

        void start() {
            try {
                pg = EmbeddedPostgres.builder()
                        .setDataDirectory(dataDirectory)
                        .setCleanDataDirectory(false)
                        .setPort(port)
                        .setServerConfig("max_connections", "40")
                        .setDataDirectoryCustomizer(dir -> writeHba(dir.toPath()))
                        .setOutputRedirector(ProcessBuilder.Redirect.DISCARD)
                        .setErrorRedirector(ProcessBuilder.Redirect.DISCARD)
                        .start();
                port = pg.getPort();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start PostgreSQL server " + index, e);
            }
        }

        void ensureRunning() {
            if (pg == null) {
                start();
            }
        }

        /** Stops the server (fast shutdown: its sessions are terminated). */
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
