package io.cueball.resolver.consul;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.BackendStats;
import io.cueball.BackoffPolicy;
import io.cueball.ConnectionPool;
import io.cueball.conn.tcp.TcpConnection;
import io.cueball.conn.tcp.TcpConnectionFactory;
import io.cueball.testing.RecordingResolverListener;
import io.cueball.testing.TestTcpServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The resolver against a real Consul agent (1.8.7 from Debian, fetched by scripts/consul.sh). */
class ConsulAgentTest {
    private static final BackoffPolicy FAST = new BackoffPolicy(Duration.ofMillis(100), Duration.ofMillis(500), 0);
    private static ConsulAgent agent;

    private ConsulResolver resolver;

    @BeforeAll
    static void quickAwait() {
        Awaitility.setDefaultPollDelay(Duration.ZERO);
        Awaitility.setDefaultPollInterval(Duration.ofMillis(10));
    }

    /** Started by the first test, so that without a binary each test shows up as skipped, with the reason. */
    @BeforeEach
    void startAgent() throws Exception {
        if (agent == null) {
            agent = ConsulAgent.start();
        }
    }

    @AfterAll
    static void stopAgent() throws Exception {
        if (agent != null) {
            agent.close();
        }
    }

    @AfterEach
    void closeResolver() {
        if (resolver != null) {
            resolver.close();
        }
    }

    private ConsulResolver.Builder builder(ConsulAgent a, String service) {
        return ConsulResolver.builder(service).agent("127.0.0.1", a.httpPort).retryBackoff(FAST).seed(1)
                .minInterval(Duration.ofMillis(20));
    }

    private RecordingResolverListener start(ConsulResolver.Builder b) {
        RecordingResolverListener events = new RecordingResolverListener();
        resolver = b.build();
        resolver.start(events);
        return events;
    }

    @Test
    void aChangeArrivesWithinASecondThroughTheBlockingQueryAndIdleCostsFewRequests() throws Exception {
        agent.register("svc1", "a", "127.0.0.1", 7001, 2, 1, "passing", "primary");
        agent.register("svc1", "b", "127.0.0.2", 7002, 1, 1, "passing");
        var events = start(builder(agent, "svc1"));
        await().atMost(5, TimeUnit.SECONDS).until(() -> events.backends().size() == 2);
        assertEquals(2, events.backends().get(0).weight());
        assertEquals("primary", events.backends().get(0).metadata().get("consul.tags"));
        assertEquals("z-a", events.backends().get(0).metadata().get("meta.zone"));

        long idleFrom = resolver.requests();
        await().during(2, TimeUnit.SECONDS).atMost(3, TimeUnit.SECONDS).until(() -> true);
        assertTrue(resolver.requests() - idleFrom <= 1, "nothing changed: at most one request in two seconds, made "
                + (resolver.requests() - idleFrom));

        long before = resolver.requests();
        long t0 = System.nanoTime();
        agent.register("svc1", "c", "127.0.0.3", 7003, 1, 1, "passing");
        await().atMost(1, TimeUnit.SECONDS).until(() -> events.backends().size() == 3);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(resolver.requests() - before <= 2, "the change came back on the blocking query that was waiting, "
                + "not by polling: " + (resolver.requests() - before) + " requests in " + ms + " ms");

        agent.deregister("b");
        await().atMost(1, TimeUnit.SECONDS).until(() -> events.keys().equals(List.of("127.0.0.1:7001",
                "127.0.0.3:7003")));
        assertEquals("[+127.0.0.1:7001, +127.0.0.2:7002, +127.0.0.3:7003, -127.0.0.2:7002]",
                events.events().toString());
        agent.deregister("a");
        agent.deregister("c");
    }

    @Test
    void checksFlippingBetweenPassingWarningAndCriticalAddAndRemoveInstances() throws Exception {
        agent.register("svc2", "x", "127.0.0.1", 7101, 5, 2, "passing");
        agent.register("svc2", "y", "127.0.0.2", 7102, 1, 1, "passing");
        var passingOnly = start(builder(agent, "svc2"));
        await().atMost(5, TimeUnit.SECONDS).until(() -> passingOnly.backends().size() == 2);

        agent.check("x", "warn");
        await().atMost(1, TimeUnit.SECONDS).until(() -> passingOnly.keys().equals(List.of("127.0.0.2:7102")));
        agent.check("x", "pass");
        await().atMost(1, TimeUnit.SECONDS).until(() -> passingOnly.backends().size() == 2);
        assertEquals(5, passingOnly.backends().stream().filter(b -> b.port() == 7101).findFirst().orElseThrow()
                .weight());
        resolver.close();

        var withWarning = start(builder(agent, "svc2").acceptWarning(true));
        await().atMost(5, TimeUnit.SECONDS).until(() -> withWarning.backends().size() == 2);
        agent.check("x", "warn");
        await().atMost(1, TimeUnit.SECONDS).until(() -> withWarning.backends().stream()
                .anyMatch(b -> b.port() == 7101 && b.weight() == 2));
        agent.check("x", "fail");
        await().atMost(1, TimeUnit.SECONDS).until(() -> withWarning.keys().equals(List.of("127.0.0.2:7102")));
        agent.deregister("x");
        agent.deregister("y");
    }

    @Test
    void anInstanceRegisteredWithoutAPortIsSkippedAndTheOthersAreStillReported() throws Exception {
        // Consul accepts a registration without a port and answers "Port": 0 for it: no backend, but no reason
        // to drop the instances around it either.
        agent.register("svc6", "good1", "127.0.0.1", 7401, 1, 1, "passing");
        agent.register("svc6", "noport", "127.0.0.2", 0, 1, 1, "passing");
        agent.register("svc6", "good2", "0:0:0:0:0:0:0:1", 7402, 1, 1, "passing");
        var events = start(builder(agent, "svc6"));
        await().atMost(5, TimeUnit.SECONDS).until(() -> events.backends().size() == 2);
        assertEquals(Set.of("127.0.0.1:7401", "[::1]:7402"), Set.copyOf(events.keys()),
                "and the IPv6 address in one spelling");
        assertEquals(List.of(), events.failures());
        agent.deregister("good1");
        agent.deregister("noport");
        agent.deregister("good2");
    }

    @Test
    void aWeightChangeIsReportedAsAnUpdate() throws Exception {
        agent.register("svc3", "w", "127.0.0.1", 7201, 1, 1, "passing");
        var events = start(builder(agent, "svc3"));
        await().atMost(5, TimeUnit.SECONDS).until(() -> events.backends().size() == 1);
        agent.register("svc3", "w", "127.0.0.1", 7201, 7, 1, "passing");
        await().atMost(1, TimeUnit.SECONDS).until(() -> events.backends().get(0).weight() == 7);
        assertEquals("[+127.0.0.1:7201, +127.0.0.1:7201]", events.events().toString());
        agent.deregister("w");
    }

    @Test
    void anAgentThatGoesAwayKeepsTheLastSetReportsFailuresAndRecoversWhenBack() throws Exception {
        try (ConsulAgent own = ConsulAgent.start()) {
            own.register("svc4", "p", "127.0.0.1", 7301, 1, 1, "passing");
            var events = start(builder(own, "svc4"));
            await().atMost(5, TimeUnit.SECONDS).until(() -> events.backends().size() == 1);
            // Push the service's index well past where a fresh agent's will be after two registrations, so a
            // resolver that kept its last index would block on the new agent instead of reading it.
            for (int i = 0; i < 20; i++) {
                own.register("svc4", "z", "127.0.0.3", 7303, 1, 1, "critical");
                own.deregister("z");
            }
            own.stop();
            await().atMost(5, TimeUnit.SECONDS).until(() -> events.failures().size() >= 2);
            assertEquals(List.of("127.0.0.1:7301"), events.keys(), "the last known set is kept");
            own.launch(); // a dev agent starts empty
            own.register("svc4", "p", "127.0.0.1", 7301, 1, 1, "passing");
            own.register("svc4", "q", "127.0.0.2", 7302, 1, 1, "passing");
            await().atMost(10, TimeUnit.SECONDS).until(() -> events.backends().size() == 2);
            assertEquals(List.of("127.0.0.1:7301", "127.0.0.2:7302"), events.keys());
        }
    }

    @Test
    void aPoolOverConsulSpreadsConnectionsInProportionToTheWeights() throws Exception {
        try (TestTcpServer light = TestTcpServer.start(); TestTcpServer heavy = TestTcpServer.start()) {
            agent.register("svc5", "light", "127.0.0.1", light.port(), 1, 1, "passing");
            agent.register("svc5", "heavy", "127.0.0.1", heavy.port(), 3, 1, "passing");
            try (ConnectionPool<TcpConnection> pool = ConnectionPool.builder(builder(agent, "svc5").build(),
                    TcpConnectionFactory.create()).name("consul-weights").maxConnections(8).build()) {
                await().atMost(10, TimeUnit.SECONDS).until(() -> pool.stats().idle() == 8);
                Map<Integer, Integer> open = new TreeMap<>();
                for (BackendStats b : pool.stats().backends()) {
                    open.put(b.backend().port(), b.open());
                }
                assertEquals(Map.of(light.port(), 2, heavy.port(), 6), open);
                await().atMost(5, TimeUnit.SECONDS).until(() -> heavy.openConnections() == 6);
            }
            agent.deregister("light");
            agent.deregister("heavy");
        }
    }
}
