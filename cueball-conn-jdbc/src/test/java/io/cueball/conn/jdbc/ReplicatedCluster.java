package io.cueball.conn.jdbc;

import static org.awaitility.Awaitility.await;

import io.cueball.Backend;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real PostgreSQL primary and streaming replicas of it (zonky's embedded binaries). Those binaries have no
 * {@code pg_basebackup}, so a replica is made the way a base backup of a stopped server is: the primary is
 * initialised, given the test's role, database and table, stopped cleanly, and its data directory copied; each copy
 * gets {@code standby.signal} and a {@code primary_conninfo} in {@code postgresql.auto.conf}; all start, and each
 * replica streams from the primary from the end of the shutdown checkpoint. The primary runs with
 * {@code wal_level=replica} and {@code max_wal_senders}, the replicas with {@code hot_standby=on}, and pg_hba.conf
 * lets {@code postgres} replicate from loopback.
 *
 * <p>The table {@code notes} records in its {@code port} column which server inserted each row
 * ({@code inet_server_port()}).
 *
 * <p>Each instance is its own pair (a promotion test consumes one); {@link #close()} stops both and deletes
 * their data. The app user logs in with SCRAM, as in {@link PostgresCluster}; {@code postgres} is trusted on
 * loopback, including for replication.
 */
final class ReplicatedCluster implements AutoCloseable {
    static final String DB = PostgresCluster.DB;
    static final String USER = PostgresCluster.USER;
    static final String PASSWORD = PostgresCluster.PASSWORD;

    private final Path root;
    final Server primary;
    final List<Server> replicas;

    private ReplicatedCluster(Path root, Server primary, List<Server> replicas) {
        this.root = root;
        this.primary = primary;
        this.replicas = replicas;
    }

    /** @return the first replica */
    Server replica() {
        return replicas.get(0);
    }

    /**
     * @param replicaCount how many streaming replicas, at least 1
     * @return a running primary and its replicas, every replica streaming
     */
    static ReplicatedCluster start(int replicaCount) {
        try {
            Path root = Files.createTempDirectory("cueball-pg-repl-");
            Server primary = new Server("primary", root.resolve("primary"), 0);
            primary.start();
            primary.admin("CREATE ROLE " + USER + " LOGIN PASSWORD '" + PASSWORD + "'");
            primary.admin("CREATE DATABASE " + DB + " OWNER " + USER);
            try (Connection c = primary.pg.getDatabase("postgres", DB).getConnection();
                    Statement s = c.createStatement()) {
                s.execute("CREATE TABLE public.notes (id serial primary key, text varchar(100), "
                        + "port int default inet_server_port())");
                s.execute("GRANT ALL ON public.notes TO " + USER);
                s.execute("GRANT ALL ON SEQUENCE public.notes_id_seq TO " + USER);
            }
            primary.stop(); // a clean shutdown: the copy is a consistent base backup

            List<Server> replicas = new ArrayList<>();
            for (int i = 1; i <= replicaCount; i++) {
                Path replicaData = root.resolve("replica" + i);
                copy(primary.data, replicaData);
                Files.deleteIfExists(replicaData.resolve("postmaster.pid"));
                Files.writeString(replicaData.resolve("standby.signal"), "");
                Files.writeString(replicaData.resolve("postgresql.auto.conf"),
                        "primary_conninfo = 'host=127.0.0.1 port=" + primary.port
                                + " user=postgres application_name=replica" + i + "'\n",
                        StandardOpenOption.APPEND);
                replicas.add(new Server("replica" + i, replicaData, 0));
            }

            primary.start();
            replicas.forEach(Server::start);
            ReplicatedCluster cluster = new ReplicatedCluster(root, primary, List.copyOf(replicas));
            cluster.awaitStreaming();
            return cluster;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until the primary's WAL sender streams to the replica. */
    private void awaitStreaming() {
        String expected = Integer.toString(replicas.size());
        await("the replicas streaming from the primary").atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(20)).until(() -> expected.equals(primary.query(
                        "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")));
    }

    /** Waits until every replica has replayed everything the primary wrote so far. */
    void awaitReplayed() {
        String lsn = primary.query("SELECT pg_current_wal_lsn()");
        for (Server replica : replicas) {
            await(replica + " replaying up to " + lsn).atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> "t".equals(replica.query("SELECT pg_last_wal_replay_lsn() >= '" + lsn + "'::pg_lsn")));
        }
    }

    @Override
    public void close() {
        List<Server> all = new ArrayList<>(replicas);
        all.add(primary);
        for (Server s : all) {
            if (s.running()) {
                s.stop();
            }
        }
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp directory left behind is not worth failing a test for
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                // With their attributes: PostgreSQL refuses a data directory that is not 0700 (or 0750).
                Files.copy(p, to.resolve(from.relativize(p).toString()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }

    /** One server of the pair: started, stopped and restarted on the same port and data. */
    static final class Server {
        final String name;
        final Path data;
        final Path log; // the server's output, kept beside its data until the cluster is closed
        private int port;
        private EmbeddedPostgres pg;

        Server(String name, Path data, int port) {
            this.name = name;
            this.data = data;
            this.port = port;
            this.log = data.resolveSibling(name + ".log");
        }

        Backend backend() {
            return Backend.of("127.0.0.1", port);
        }

        int port() {
            return port;
        }

        boolean running() {
            return pg != null;
        }

        void start() {
            try {
                pg = EmbeddedPostgres.builder()
                        .setDataDirectory(data)
                        .setCleanDataDirectory(false)
                        .setPort(port)
                        .setServerConfig("max_connections", "60")
                        .setServerConfig("wal_level", "replica")
                        .setServerConfig("max_wal_senders", "4")
                        .setServerConfig("hot_standby", "on")
                        .setDataDirectoryCustomizer(dir -> writeHba(dir.toPath()))
                        .setOutputRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
                        .setErrorRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
                        .start();
                port = pg.getPort();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start PostgreSQL " + name, e);
            }
        }

        /** A fast shutdown: sessions are terminated; WAL already sent to the replica is kept there. */
        void stop() {
            try {
                pg.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            pg = null;
        }

        /** Runs a statement as the superuser in the postgres database. */
        void admin(String sql) {
            try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                s.execute(sql);
            } catch (SQLException e) {
                throw new IllegalStateException(name + ": " + sql, e);
            }
        }

        /** The first column of the first row, as text, read as the superuser in the app's database. */
        String query(String sql) {
            try (Connection c = pg.getDatabase("postgres", DB).getConnection(); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery(sql)) {
                return rs.next() ? rs.getString(1) : null;
            } catch (SQLException e) {
                throw new IllegalStateException(name + ": " + sql, e);
            }
        }

        /** Promotes a replica ({@code pg_promote()} waits until it accepts writes). */
        void promote() {
            if (!"t".equals(query("SELECT pg_promote()"))) {
                throw new IllegalStateException(name + " was not promoted");
            }
        }

        private static void writeHba(Path dir) {
            try {
                Files.writeString(dir.resolve("pg_hba.conf"), String.join("\n",
                        "local all all trust",
                        "host all postgres 127.0.0.1/32 trust",
                        "host all postgres ::1/128 trust",
                        "host replication postgres 127.0.0.1/32 trust",
                        "host all all 127.0.0.1/32 scram-sha-256",
                        "host all all ::1/128 scram-sha-256", ""));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public String toString() {
            return name + "@" + port;
        }
    }
}
