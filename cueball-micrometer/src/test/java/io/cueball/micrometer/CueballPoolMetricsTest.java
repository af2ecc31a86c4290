package io.cueball.micrometer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.BackoffPolicy;
import io.cueball.Claim;
import io.cueball.ClaimTimeoutException;
import io.cueball.ConnectionPool;
import io.cueball.conn.tcp.TcpConnection;
import io.cueball.conn.tcp.TcpConnectionFactory;
import io.cueball.resolver.fixed.StaticResolver;
import io.cueball.testing.TestTcpServer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The binder against a real pool over real loopback TCP servers, read through a SimpleMeterRegistry. */
class CueballPoolMetricsTest {
    private static final String POOL = "metrics-test";
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<TestTcpServer> servers = new ArrayList<>();
    private StaticResolver resolver;
    private ConnectionPool<TcpConnection> pool;
    private SimpleMeterRegistry registry;
    private CueballPoolMetrics metrics;

    @BeforeEach
    void start() {
        servers.add(TestTcpServer.start());
        servers.add(TestTcpServer.start());
        resolver = new StaticResolver(List.of(servers.get(0).backend(), servers.get(1).backend()));
        pool = ConnectionPool.builder(resolver, TcpConnectionFactory.create())
                .name(POOL)
                .maxConnections(4)
                .rebalanceDelay(Duration.ofMillis(10))
                .backoff(new BackoffPolicy(Duration.ofMillis(20), Duration.ofMillis(100), 0.2))
                .claimTimeout(Duration.ofSeconds(5))
                .random(new Random(15))
                .build();
        await().atMost(WAIT).until(() -> pool.stats().idle() == 4);
        registry = new SimpleMeterRegistry();
        metrics = new CueballPoolMetrics(pool, Tags.of("app", "test"));
        metrics.bindTo(registry);
    }

    @AfterEach
    void stop() {
        metrics.close();
        pool.close();
        servers.forEach(TestTcpServer::close);
    }

    private String key(int server) {
        return servers.get(server).backend().key();
    }

    private double gauge(String name, String... tags) {
        Gauge g = registry.find(name).tags(POOL_TAG).tags(tags).gauge();
        assertNotNull(g, name + " " + List.of(tags) + " is registered");
        return g.value();
    }

    private double functionCounter(String name, String... tags) {
        FunctionCounter c = registry.find(name).tags(POOL_TAG).tags(tags).functionCounter();
        assertNotNull(c, name + " " + List.of(tags) + " is registered");
        return c.count();
    }

    private double counter(String name, String... tags) {
        return registry.get(name).tags(POOL_TAG).tags(tags).counter().count();
    }

    private long timerCount(String name) {
        Timer t = registry.get(name).tags(POOL_TAG).timer();
        return t.count();
    }

    private static final Iterable<Tag> POOL_TAG = Tags.of("pool", POOL, "app", "test");

    private Set<String> backendsWithMeters() {
        return registry.getMeters().stream().map(Meter::getId).filter(id -> id.getName().startsWith("cueball.backend."))
                .map(id -> id.getTag("backend")).collect(Collectors.toSet());
    }

    @Test
    void poolMetersAreRegisteredWithThePoolTagAndTheExtraTags() {
        for (String name : List.of(CueballPoolMetrics.CONNECTIONS, CueballPoolMetrics.CONNECTIONS_ACTIVE,
                CueballPoolMetrics.CONNECTIONS_IDLE, CueballPoolMetrics.CONNECTIONS_PENDING,
                CueballPoolMetrics.CONNECTIONS_MAX, CueballPoolMetrics.CONNECTIONS_MIN,
                CueballPoolMetrics.CONNECTIONS_CONNECTING, CueballPoolMetrics.POOL_SUSPENDED)) {
            gauge(name);
        }
        functionCounter(CueballPoolMetrics.CONNECTIONS_TIMEOUT);
        for (String name : List.of(CueballPoolMetrics.CONNECTIONS_ACQUIRE, CueballPoolMetrics.CONNECTIONS_USAGE,
                CueballPoolMetrics.CONNECTIONS_CREATION)) {
            timerCount(name);
        }
        for (String reason : List.of("timeout", "busy", "pool-failed", "no-backends", "closed", "other")) {
            assertEquals(0, counter(CueballPoolMetrics.CONNECTIONS_ACQUIRE_FAILURES, "reason", reason));
        }
        assertEquals(0, counter(CueballPoolMetrics.CONNECTIONS_FAILURES, "kind", "connect"));
        assertEquals(0, counter(CueballPoolMetrics.CONNECTIONS_FAILURES, "kind", "use"));

        assertEquals(4, gauge(CueballPoolMetrics.CONNECTIONS));
        assertEquals(4, gauge(CueballPoolMetrics.CONNECTIONS_IDLE));
        assertEquals(0, gauge(CueballPoolMetrics.CONNECTIONS_ACTIVE));
        assertEquals(4, gauge(CueballPoolMetrics.CONNECTIONS_MAX));
        assertEquals(4, gauge(CueballPoolMetrics.CONNECTIONS_MIN), "a fixed-size pool keeps all its connections spare");
        assertEquals(0, gauge(CueballPoolMetrics.POOL_SUSPENDED));
        assertEquals(2, gauge(CueballPoolMetrics.BACKENDS, "status", "live"));
        assertEquals(0, gauge(CueballPoolMetrics.BACKENDS, "status", "dead"));

        assertEquals(Set.of(key(0), key(1)), backendsWithMeters());
        for (int i = 0; i < 2; i++) {
            String b = key(i);
            assertEquals(2, gauge(CueballPoolMetrics.BACKEND_CONNECTIONS, "backend", b, "state", "idle"));
            assertEquals(0, gauge(CueballPoolMetrics.BACKEND_CONNECTIONS, "backend", b, "state", "active"));
            assertEquals(0, gauge(CueballPoolMetrics.BACKEND_CONNECTIONS, "backend", b, "state", "connecting"));
            assertEquals(1, gauge(CueballPoolMetrics.BACKEND_STATE, "backend", b, "status", "live"));
            for (String other : List.of("dead", "ejected", "removed")) {
                assertEquals(0, gauge(CueballPoolMetrics.BACKEND_STATE, "backend", b, "status", other));
            }
            assertEquals(1.0, gauge(CueballPoolMetrics.BACKEND_SCORE, "backend", b), "no outcomes yet: 1");
            assertEquals(0, functionCounter(CueballPoolMetrics.BACKEND_CLAIMS, "backend", b));
            assertEquals(0, functionCounter(CueballPoolMetrics.BACKEND_EJECTIONS, "backend", b));
            assertEquals(0, functionCounter(CueballPoolMetrics.BACKEND_FAILURES, "backend", b, "kind", "connect"));
            assertEquals(0, functionCounter(CueballPoolMetrics.BACKEND_FAILURES, "backend", b, "kind", "use"));
        }
        // 8 pool gauges, 4 backends-per-status, 1 timeout, 3 timers, 2 failure kinds, 6 reasons; 12 per backend
        assertEquals(24 + 2 * 12, registry.getMeters().size(), registry.getMetersAsString());
    }

    @Test
    void valuesFollowClaimsAndReleases() {
        Claim<TcpConnection> a = pool.claim();
        Claim<TcpConnection> b = pool.claim();
        assertEquals(2, timerCount(CueballPoolMetrics.CONNECTIONS_ACQUIRE), "each served claim is timed at once");
        await().atMost(WAIT).untilAsserted(() -> {
            assertEquals(2, gauge(CueballPoolMetrics.CONNECTIONS_ACTIVE));
            assertEquals(2, gauge(CueballPoolMetrics.CONNECTIONS_IDLE));
            assertEquals(4, gauge(CueballPoolMetrics.CONNECTIONS));
            double active = 0;
            double claims = 0;
            for (int i = 0; i < 2; i++) {
                active += gauge(CueballPoolMetrics.BACKEND_CONNECTIONS, "backend", key(i), "state", "active");
                claims += functionCounter(CueballPoolMetrics.BACKEND_CLAIMS, "backend", key(i));
            }
            assertEquals(2, active, "the backends' active connections add up to the pool's");
            assertEquals(2, claims);
        });
        assertEquals(0, timerCount(CueballPoolMetrics.CONNECTIONS_USAGE));
        a.close();
        b.close();
        Timer usage = registry.get(CueballPoolMetrics.CONNECTIONS_USAGE).tags(POOL_TAG).timer();
        assertEquals(2, usage.count(), "each release is timed at once");
        assertTrue(usage.totalTime(TimeUnit.NANOSECONDS) > 0);
        await().atMost(WAIT).untilAsserted(() -> {
            assertEquals(0, gauge(CueballPoolMetrics.CONNECTIONS_ACTIVE));
            assertEquals(4, gauge(CueballPoolMetrics.CONNECTIONS_IDLE));
        });
        assertEquals(0, counter(CueballPoolMetrics.CONNECTIONS_FAILURES, "kind", "use"),
                "closed claims are no failures");
    }

    @Test
    void aDiscardCountsAUseFailureOfItsBackend() {
        Claim<TcpConnection> claim = pool.claim();
        String backend = claim.backend().key();
        claim.discard();
        assertEquals(1, counter(CueballPoolMetrics.CONNECTIONS_FAILURES, "kind", "use"));
        assertEquals(0, counter(CueballPoolMetrics.CONNECTIONS_FAILURES, "kind", "connect"));
        assertEquals(1, timerCount(CueballPoolMetrics.CONNECTIONS_USAGE), "a discarded claim was used too");
        await().atMost(WAIT).untilAsserted(() -> {
            assertEquals(1, functionCounter(CueballPoolMetrics.BACKEND_FAILURES, "backend", backend, "kind", "use"));
            assertTrue(gauge(CueballPoolMetrics.BACKEND_SCORE, "backend", backend) < 1.0, "its score fell");
        });
    }

    @Test
    void aRefusedConnectCountsAConnectFailureAndTheBackendGoesDead() {
        TestTcpServer refusing = TestTcpServer.start();
        servers.add(refusing);
        refusing.refuse();
        String backend = refusing.backend().key();
        resolver.add(refusing.backend());
        await().atMost(WAIT).untilAsserted(() -> {
            assertTrue(counter(CueballPoolMetrics.CONNECTIONS_FAILURES, "kind", "connect") >= 3);
            assertTrue(functionCounter(CueballPoolMetrics.BACKEND_FAILURES, "backend", backend, "kind", "connect")
                    >= 3);
            assertEquals(1, gauge(CueballPoolMetrics.BACKEND_STATE, "backend", backend, "status", "dead"));
            assertEquals(0, gauge(CueballPoolMetrics.BACKEND_STATE, "backend", backend, "status", "live"));
            assertEquals(1, gauge(CueballPoolMetrics.BACKENDS, "status", "dead"));
        });
        assertEquals(0, counter(CueballPoolMetrics.CONNECTIONS_FAILURES, "kind", "use"));
    }

    @Test
    void connectsAreTimedByTheCreationTimer() {
        TestTcpServer third = TestTcpServer.start();
        servers.add(third);
        assertEquals(0, timerCount(CueballPoolMetrics.CONNECTIONS_CREATION), "the pool filled before the binder came");
        resolver.add(third.backend());
        // 4 connections over 3 backends: the third gets one or two, opened as new connects
        await().atMost(WAIT).until(() -> timerCount(CueballPoolMetrics.CONNECTIONS_CREATION) >= 1);
        await().atMost(WAIT).untilAsserted(() -> assertEquals(timerCount(CueballPoolMetrics.CONNECTIONS_CREATION),
                third.acceptedTotal(), "one creation per connection the new backend accepted"));
    }

    @Test
    void backendMetersComeAndGoWithTheResolver() {
        TestTcpServer third = TestTcpServer.start();
        servers.add(third);
        resolver.add(third.backend());
        await().atMost(WAIT).until(() -> backendsWithMeters().equals(Set.of(key(0), key(1), key(2))));
        await().atMost(WAIT).until(() -> gauge(CueballPoolMetrics.BACKEND_CONNECTIONS, "backend", key(2), "state",
                "idle") >= 1);

        resolver.remove(servers.get(0).backend());
        await().atMost(WAIT).until(() -> backendsWithMeters().equals(Set.of(key(1), key(2))));
        assertNull(registry.find(CueballPoolMetrics.BACKEND_SCORE).tag("backend", key(0)).gauge(),
                "no meter of the removed backend is left");
        assertEquals(12 * 2, registry.getMeters().stream()
                .filter(m -> m.getId().getName().startsWith("cueball.backend.")).count());
    }

    @Test
    void aTimedOutClaimIsCountedAndAWaitingClaimIsPending() throws Exception {
        List<Claim<TcpConnection>> all = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            all.add(pool.claim());
        }
        assertThrows(ClaimTimeoutException.class, () -> pool.claim(Duration.ofMillis(50)));
        assertEquals(1, counter(CueballPoolMetrics.CONNECTIONS_ACQUIRE_FAILURES, "reason", "timeout"));
        assertEquals(4, timerCount(CueballPoolMetrics.CONNECTIONS_ACQUIRE), "a failed claim is not an acquire");
        await().atMost(WAIT).until(() -> functionCounter(CueballPoolMetrics.CONNECTIONS_TIMEOUT) == 1);

        CompletableFuture<Claim<TcpConnection>> waiting = CompletableFuture.supplyAsync(() -> pool.claim(WAIT));
        await().atMost(WAIT).until(() -> gauge(CueballPoolMetrics.CONNECTIONS_PENDING) == 1);
        all.get(0).close();
        waiting.get(10, TimeUnit.SECONDS).close();
        await().atMost(WAIT).until(() -> gauge(CueballPoolMetrics.CONNECTIONS_PENDING) == 0);
        all.subList(1, 4).forEach(Claim::close);
        assertEquals(5, timerCount(CueballPoolMetrics.CONNECTIONS_ACQUIRE));
    }

    @Test
    void maxAndMinFollowAResizeAndSuspendIsShown() {
        pool.setMaxConnections(6);
        pool.suspend();
        await().atMost(WAIT).untilAsserted(() -> {
            assertEquals(6, gauge(CueballPoolMetrics.CONNECTIONS_MAX));
            assertEquals(6, gauge(CueballPoolMetrics.CONNECTIONS_MIN), "a fixed-size pool's spares follow");
            assertEquals(1, gauge(CueballPoolMetrics.POOL_SUSPENDED));
        });
        pool.resume();
        await().atMost(WAIT).until(() -> gauge(CueballPoolMetrics.POOL_SUSPENDED) == 0);
    }

    @Test
    void closeRemovesEveryMeterAndStopsRecording() {
        SimpleMeterRegistry second = new SimpleMeterRegistry();
        metrics.bindTo(second);
        metrics.bindTo(second); // twice: nothing more
        assertEquals(registry.getMeters().size(), second.getMeters().size());
        pool.claim().close();
        assertEquals(1, second.get(CueballPoolMetrics.CONNECTIONS_ACQUIRE).timer().count(),
                "recorded once into each registry");
        assertEquals(1, timerCount(CueballPoolMetrics.CONNECTIONS_ACQUIRE));

        Timer acquire = registry.get(CueballPoolMetrics.CONNECTIONS_ACQUIRE).timer();
        metrics.close();
        assertEquals(List.of(), registry.getMeters());
        assertEquals(List.of(), second.getMeters());
        pool.claim().close();
        assertEquals(1, acquire.count(), "the pool no longer records into the binder");
        metrics.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> metrics.bindTo(new SimpleMeterRegistry()));
    }

    @Test
    void extraTagsMayNotTakeTheKeysTheMetersSet() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CueballPoolMetrics(pool, Tags.of("backend", "x")));
        assertTrue(e.getMessage().startsWith("tags: 'backend=x'"), e.getMessage());
    }
}
