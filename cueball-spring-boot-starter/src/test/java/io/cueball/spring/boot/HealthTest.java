package io.cueball.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cueball.ConnectionPool;
import io.cueball.PoolState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthEndpoint;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The actuator's {@code cueball} health follows the pool over two real servers: UP; UP and degraded, naming the
 * dead one, when one stops; DOWN when both have stopped and the pool has FAILED; UP again when one starts.
 */
@SpringBootTest(classes = NotesApplication.class, properties = {
    "spring.flyway.enabled=false",
    "management.endpoint.health.show-details=always",
    "cueball.datasource.database=" + PostgresServers.DB,
    "cueball.datasource.username=" + PostgresServers.USER,
    "cueball.datasource.name=health",
    "cueball.datasource.max-connections=4",
    // Notice a stopped server within a fraction of a second, and probe it again as fast.
    "cueball.datasource.health-check-interval=100ms",
    "cueball.datasource.dead-after-failures=2",
    "cueball.datasource.backoff.initial=50ms",
    "cueball.datasource.backoff.max=200ms",
    "cueball.datasource.jdbc.connect-timeout=2s",
})
class HealthTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @DynamicPropertySource
    static void servers(DynamicPropertyRegistry registry) {
        registry.add("cueball.datasource.resolver", () -> PostgresServers.get().spec(2));
        registry.add("cueball.datasource.password", () -> PostgresServers.PASSWORD);
    }

    @Autowired
    HealthEndpoint healthEndpoint;
    @Autowired
    ConnectionPool<?> pool;

    @AfterEach
    void restartServers() {
        PostgresServers.get(); // the next test class finds both running
    }

    private Health health() {
        return (Health) healthEndpoint.healthForPath("cueball");
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> backend(Health health, String key) {
        return (Map<String, Object>) ((Map<String, Object>) health.getDetails().get("backends")).get(key);
    }

    @Test
    void healthFollowsThePoolAsServersStopAndStart() {
        PostgresServers servers = PostgresServers.get();
        String first = servers.servers.get(0).key();
        String second = servers.servers.get(1).key();

        await().atMost(WAIT).untilAsserted(() -> {
            Health health = health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("state", "RUNNING").containsEntry("pool", "health")
                    .doesNotContainKey("degraded");
            assertThat(backend(health, first)).containsEntry("status", "LIVE").containsEntry("open", 2);
            assertThat(backend(health, second)).containsEntry("status", "LIVE").containsEntry("open", 2);
        });

        servers.servers.get(0).stop();
        await().atMost(WAIT).untilAsserted(() -> {
            Health health = health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("degraded", List.of(first));
            assertThat(backend(health, first)).containsEntry("status", "DEAD").containsKey("reason");
            assertThat((String) backend(health, first).get("reason")).contains(first)
                    .doesNotContain(PostgresServers.PASSWORD);
            assertThat(backend(health, second)).containsEntry("status", "LIVE");
        });

        servers.servers.get(1).stop();
        await().atMost(WAIT).untilAsserted(() -> {
            Health health = health();
            assertThat(pool.state()).isEqualTo(PoolState.FAILED);
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails()).containsEntry("state", "FAILED")
                    .containsEntry("degraded", List.of(first, second));
        });
        // The application's overall health goes down with it.
        assertThat(healthEndpoint.health().getStatus()).isEqualTo(Status.DOWN);

        servers.servers.get(1).start();
        await().atMost(WAIT).untilAsserted(() -> {
            Health health = health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("state", "RUNNING")
                    .containsEntry("degraded", List.of(first));
            assertThat(backend(health, second)).containsEntry("status", "LIVE");
        });

        servers.servers.get(0).start();
        await().atMost(WAIT).untilAsserted(() -> assertThat(health().getDetails()).doesNotContainKey("degraded"));
    }
}
