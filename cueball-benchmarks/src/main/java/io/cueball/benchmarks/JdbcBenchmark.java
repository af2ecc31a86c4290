package io.cueball.benchmarks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.cueball.Backend;
import io.cueball.ConnectionPool;
import io.cueball.PoolStats;
import io.cueball.conn.jdbc.CueballDataSource;
import io.cueball.conn.jdbc.JdbcConnection;
import io.cueball.conn.jdbc.JdbcConnectionFactory;
import io.cueball.conn.jdbc.JdbcSettings;
import io.cueball.resolver.fixed.StaticResolver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * One query per operation through a pool of {@value #POOL_SIZE} connections over three real PostgreSQL servers on
 * loopback: get a connection from the {@link DataSource}, run the query, read the row, close everything.
 * <ul>
 *   <li>{@code cueball}: a {@link CueballDataSource} over a {@link ConnectionPool} with a {@link StaticResolver}
 *       of the three servers and a {@link JdbcConnectionFactory} (it spreads the connections 4/4/4);</li>
 *   <li>{@code hikari}: HikariCP with pgjdbc's multi-host URL and {@code loadBalanceHosts=true} (pgjdbc picks a
 *       server at random for each connection), {@code maximumPoolSize} and {@code minimumIdle} 12.</li>
 * </ul>
 * Both open their connections with the same driver properties (pgjdbc's defaults otherwise, so
 * {@code prepareThreshold} 5 for both), auto-commit on, and both run the point query as a
 * {@link PreparedStatement}. Setup waits until the pool holds all its connections and records how they are
 * spread over the servers.
 *
 * <p>The servers are not started here but once per run by {@link JdbcBench}, which passes their addresses to
 * every fork in the system property {@value #SERVERS_PROPERTY} and chooses the pool, the query, the threads and
 * the mode of each fork (so that the pools alternate). Run it through {@code JdbcBench}, not on its own.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {JdbcBenchmark.HEAP_MIN, JdbcBenchmark.HEAP_MAX})
public class JdbcBenchmark {
    /** The servers, as {@code host:port,host:port,...}. */
    static final String SERVERS_PROPERTY = "cueball.bench.postgres";
    /** A file to which each fork appends how its pool spread its connections. */
    static final String SPREAD_PROPERTY = "cueball.bench.spread";
    /**
     * A file to which each fork writes how the servers shared their CPU while its pool was open ({@link
     * ServerLoad}; measured here because the sessions end with the fork, and an ended process's time is no longer
     * its own).
     */
    static final String LOAD_PROPERTY = "cueball.bench.load";
    static final int POOL_SIZE = 12;
    /** The forks' heap, fixed so that both pools run with the same one. */
    static final String HEAP_MIN = "-Xms1g";
    static final String HEAP_MAX = "-Xmx1g";
    /** Same for both pools: the sessions are counted on each server by it. */
    static final String APPLICATION_NAME = "cueball-bench";
    static final String POINT_QUERY = "SELECT v FROM kv WHERE id = ?";
    private static final long SEED = 0x5EED_CB11L;

    @Param({"cueball", "hikari"})
    public String pool;

    private DataSource ds;
    private AutoCloseable closer;
    private int serverCount;
    private Map<String, Long> loadBefore;

    /** Each thread's ids: a seeded source per thread, so that both pools ask for the same sequence. */
    @State(Scope.Thread)
    public static class Ids {
        private SplittableRandom random;

        /** @param thread which thread this is */
        @Setup(Level.Trial)
        public void seed(ThreadParams thread) {
            random = new SplittableRandom(SEED + thread.getThreadIndex());
        }

        int next() {
            return 1 + random.nextInt(PostgresServers.ROWS);
        }
    }

    /** Builds the pool and waits until it holds all its connections. */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        String servers = System.getProperty(SERVERS_PROPERTY);
        if (servers == null || servers.isBlank()) {
            throw new IllegalStateException("no PostgreSQL servers: run io.cueball.benchmarks.JdbcBench, which "
                    + "starts them and passes them in -D" + SERVERS_PROPERTY);
        }
        List<Backend> backends = StaticResolver.parseBackends(servers);
        switch (pool) {
            case "cueball" -> {
                ConnectionPool<JdbcConnection> p = cueballBuilder(backends, "bench")
                        .threadAffinity(Integer.getInteger("cueball.bench.affinity", 10_000)).build();
                ds = new CueballDataSource(p);
                closer = p;
                await("cueball to open " + POOL_SIZE + " connections", () -> {
                    PoolStats s = p.stats();
                    return s.idle() == POOL_SIZE;
                });
            }
            case "hikari" -> {
                HikariDataSource h = new HikariDataSource(hikariConfig(backends));
                ds = h;
                closer = h;
                await("HikariCP to open " + POOL_SIZE + " connections",
                        () -> h.getHikariPoolMXBean().getIdleConnections() == POOL_SIZE);
            }
            default -> throw new IllegalArgumentException("pool: " + pool);
        }
        recordSpread(backends);
        serverCount = backends.size();
        loadBefore = ServerLoad.snapshot();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        String load = ServerLoad.shares(loadBefore, ServerLoad.snapshot(), serverCount);
        closer.close();
        String file = System.getProperty(LOAD_PROPERTY);
        if (file != null) {
            Files.writeString(Path.of(file), load);
        }
    }

    /** {@code SELECT 1} through a plain Statement. */
    @Benchmark
    public int select1() throws SQLException {
        return select1(ds);
    }

    /** One {@code SELECT 1} operation through {@code ds}: get a connection, query, read the row, close. */
    static int select1(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT 1")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** The indexed point query, a PreparedStatement, with an id from this thread's seeded source. */
    @Benchmark
    public String point(Ids ids) throws SQLException {
        return point(ds, ids.next());
    }

    /** One point-query operation through {@code ds} for row {@code id}: get a connection, query, read, close. */
    static String point(DataSource ds, int id) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(POINT_QUERY)) {
            ps.setInt(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    /**
     * The driver properties both pools connect with. {@link JdbcSettings} sets these five for PostgreSQL; HikariCP
     * is given the same values explicitly. Nothing else is set: pgjdbc's defaults hold for both.
     */
    static Properties driverProperties() {
        Properties p = new Properties();
        p.setProperty("ApplicationName", APPLICATION_NAME);
        p.setProperty("sslmode", "disable");
        p.setProperty("connectTimeout", "10");
        p.setProperty("loginTimeout", "10");
        p.setProperty("socketTimeout", "0");
        return p;
    }

    static JdbcSettings cueballSettings() {
        Properties p = driverProperties();
        return JdbcSettings.postgres(PostgresServers.DB, PostgresServers.USER)
                .applicationName(p.getProperty("ApplicationName"))
                .sslMode(JdbcSettings.SslMode.DISABLE)
                .connectTimeout(Duration.ofSeconds(Long.parseLong(p.getProperty("connectTimeout"))))
                .socketTimeout(Duration.ofSeconds(Long.parseLong(p.getProperty("socketTimeout"))))
                .build();
    }

    /**
     * cueball's pool as every JDBC comparison builds it, before its thread affinity: the backends through a {@link
     * StaticResolver}, {@link #cueballSettings()}, {@value #POOL_SIZE} connections, a 30 s claim timeout.
     */
    static ConnectionPool.Builder<JdbcConnection> cueballBuilder(List<Backend> backends, String name) {
        return ConnectionPool.builder(new StaticResolver(backends), new JdbcConnectionFactory(cueballSettings()))
                .name(name).maxConnections(POOL_SIZE).claimTimeout(Duration.ofSeconds(30));
    }

    static HikariConfig hikariConfig(List<Backend> backends) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("bench");
        config.setJdbcUrl("jdbc:postgresql://" + backends.stream().map(Backend::key).collect(Collectors.joining(","))
                + "/" + PostgresServers.DB + "?loadBalanceHosts=true");
        config.setUsername(PostgresServers.USER);
        config.setDataSourceProperties(driverProperties());
        config.setMaximumPoolSize(POOL_SIZE);
        config.setMinimumIdle(POOL_SIZE);
        config.setAutoCommit(true);
        config.setConnectionTimeout(30_000);
        return config;
    }

    /** Waits up to 30 s for {@code done}; IllegalStateException naming {@code what} after that. */
    static void await(String what, BooleanSupplier done) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            LockSupport.parkNanos(5_000_000);
        }
    }

    /** Counts the pool's sessions on each server (as the server sees them) and appends the line to the file. */
    private void recordSpread(List<Backend> backends) throws SQLException, IOException {
        List<String> counts = new ArrayList<>();
        Properties p = driverProperties();
        p.setProperty("ApplicationName", "cueball-bench-count"); // not one of the pool's
        p.setProperty("user", PostgresServers.USER);
        for (Backend b : backends) {
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + b.key() + "/" + PostgresServers.DB,
                    p); PreparedStatement s = c.prepareStatement(
                            "SELECT count(*) FROM pg_stat_activity WHERE application_name = ?")) {
                s.setString(1, APPLICATION_NAME);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    counts.add(Integer.toString(rs.getInt(1)));
                }
            }
        }
        String line = pool + " " + String.join("/", counts);
        System.out.println("connections per server: " + line);
        String file = System.getProperty(SPREAD_PROPERTY);
        if (file != null) {
            Files.writeString(Path.of(file), line + System.lineSeparator(), StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        }
    }
}
