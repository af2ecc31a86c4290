package io.cueball.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.cueball.ConnectionPool;
import io.cueball.HostSelection;
import io.cueball.PoolOptions;
import io.cueball.conn.jdbc.CueballDataSource;
import io.cueball.conn.jdbc.JdbcConnection;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A real application context against a real PostgreSQL server: the properties reach the pool, Flyway migrates
 * through the cueball DataSource, JdbcTemplate and a Spring Data JDBC repository query through it, and the pool's
 * meters reach Boot's registry. The password comes from spring.datasource.password (the fallback), and the
 * server requires it.
 */
@SpringBootTest(classes = NotesApplication.class, properties = {
    "cueball.datasource.database=" + PostgresServers.DB,
    "cueball.datasource.username=" + PostgresServers.USER,
    "cueball.datasource.name=notes",
    "cueball.datasource.max-connections=4",
    "cueball.datasource.claim-timeout=7s",
    "cueball.datasource.health-check-interval=PT2S",
    "cueball.datasource.leak-detection-threshold=90s",
    "cueball.datasource.max-waiters=50",
    "cueball.datasource.target-claim-delay=250ms",
    "cueball.datasource.host-selection=epsilon-greedy:0.2",
    "cueball.datasource.backoff.initial=50ms",
    "cueball.datasource.jdbc.application-name=notes-app",
    "cueball.datasource.jdbc.init-statements[0]=SET statement_timeout = '15s'",
})
class SpringBootApplicationTest {

    @DynamicPropertySource
    static void servers(DynamicPropertyRegistry registry) {
        PostgresServers servers = PostgresServers.get();
        // One server: Flyway migrates one database, and the repository must read the same one.
        registry.add("cueball.datasource.resolver", () -> servers.spec(1));
        registry.add("spring.datasource.password", () -> PostgresServers.PASSWORD);
    }

    @Autowired
    ConnectionPool<JdbcConnection> pool;
    @Autowired
    DataSource dataSource;
    @Autowired
    Flyway flyway;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    NoteRepository notes;
    @Autowired
    MeterRegistry meters;

    @Test
    void propertiesReachThePool() {
        PoolOptions options = pool.options();
        assertThat(options.name()).isEqualTo("notes");
        assertThat(options.maxConnections()).isEqualTo(4);
        assertThat(options.claimTimeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(options.healthCheckInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(options.leakDetectionThreshold()).isEqualTo(Duration.ofSeconds(90));
        assertThat(options.maxWaiters()).isEqualTo(50);
        assertThat(options.targetClaimDelay()).isEqualTo(Duration.ofMillis(250));
        assertThat(options.hostSelection()).isEqualTo(HostSelection.epsilonGreedy(0.2));
        assertThat(options.backoff().initial()).isEqualTo(Duration.ofMillis(50));
        assertThat(options.threadAffinity()).isEqualTo(10_000);
    }

    @Test
    void theApplicationsDataSourceIsCueballsWithoutSpringDatasourceType() {
        assertThat(dataSource).isInstanceOf(CueballDataSource.class);
        assertThat(((CueballDataSource) dataSource).pool()).isSameAs(pool);
    }

    @Test
    void flywayMigratedThroughTheCueballDataSource() {
        assertThat(flyway.getConfiguration().getDataSource()).isSameAs(dataSource);
        assertThat(flyway.info().current().getVersion().getVersion()).isEqualTo("1");
        assertThat(jdbc.queryForObject("SELECT text FROM note WHERE id = 1", String.class))
                .isEqualTo("migrated by Flyway through the cueball DataSource");
    }

    @Test
    void jdbcTemplateAndARepositoryQueryThroughThePool() {
        long claimsBefore = pool.stats().claims();
        Note saved = notes.save(new Note(null, "written by the repository"));
        assertThat(saved.id()).isNotNull();
        assertThat(notes.findByText("written by the repository")).extracting(Note::id)
                .containsExactly(saved.id());
        // The driver settings arrived: the session carries the application name and the init statement.
        assertThat(jdbc.queryForObject("SELECT current_setting('application_name')", String.class))
                .isEqualTo("notes-app");
        assertThat(jdbc.queryForObject("SHOW statement_timeout", String.class)).isEqualTo("15s");
        assertThat(jdbc.queryForObject("SELECT current_user", String.class)).isEqualTo(PostgresServers.USER);
        assertThat(pool.stats().claims()).isGreaterThan(claimsBefore);
    }

    @Test
    void thePoolsMetersAreInBootsRegistry() {
        jdbc.queryForObject("SELECT 1", Integer.class);
        assertThat(meters.find("cueball.connections.max").tag("pool", "notes").gauge().value()).isEqualTo(4.0);
        assertThat(meters.find("cueball.connections.acquire").tag("pool", "notes").timer().count()).isPositive();
    }
}
