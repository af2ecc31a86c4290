package io.cueball.conn.jdbc;

import static io.cueball.conn.jdbc.ServerRole.PRIMARY;
import static io.cueball.conn.jdbc.ServerRole.REPLICA;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.Backend;
import io.cueball.testing.ManualResolver;
import io.cueball.testing.RecordingResolverListener;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The tracker's threads and resolvers, over a scripted probe: no database. */
class PostgresRolesTest {
    private static final Backend P = Backend.of("10.0.0.1", 5432);
    private static final Backend R1 = Backend.of("10.0.0.2", 5432);
    private static final Backend R2 = Backend.of("10.0.0.3", 5432);
    private static final Duration INTERVAL = Duration.ofMillis(40);
    private static final AtomicInteger NAMES = new AtomicInteger();

    /** What each backend answers: a role, or an exception to throw; a latch to block on first. */
    private final Map<String, Object> answers = new ConcurrentHashMap<>();
    private final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> probes = new ConcurrentHashMap<>();
    private final ManualResolver source = new ManualResolver(P, R1, R2);
    private final String name = "test-" + NAMES.incrementAndGet();
    private PostgresRoles roles;

    @BeforeAll
    static void awaitility() {
        Awaitility.setDefaultPollDelay(Duration.ZERO);
        Awaitility.setDefaultPollInterval(Duration.ofMillis(5));
        Awaitility.setDefaultTimeout(Duration.ofSeconds(5));
    }

    @AfterEach
    void close() {
        if (roles != null) {
            roles.close();
        }
        gates.values().forEach(CountDownLatch::countDown);
    }

    private PostgresRoles roles() {
        answers.put(P.key(), PRIMARY);
        answers.put(R1.key(), REPLICA);
        answers.put(R2.key(), REPLICA);
        roles = PostgresRoles.builder(source, backend -> {
            probes.computeIfAbsent(backend.key(), k -> new AtomicInteger()).incrementAndGet();
            CountDownLatch gate = gates.get(backend.key());
            if (gate != null) {
                gate.await();
            }
            Object answer = answers.get(backend.key());
            if (answer instanceof Exception e) {
                throw e;
            }
            return (ServerRole) answer;
        }).name(name).checkInterval(INTERVAL).build();
        return roles;
    }

    private static RecordingResolverListener start(PostgresRoleResolver resolver) {
        RecordingResolverListener l = new RecordingResolverListener();
        resolver.start(l);
        return l;
    }

    private static List<String> keys(Backend... backends) {
        return java.util.Arrays.stream(backends).map(Backend::key).sorted().toList();
    }

    private List<Thread> threads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("cueball-roles-" + name)).toList();
    }

    @Test
    void eachResolverReportsOnlyTheBackendsOfItsTargetRole() {
        PostgresRoles r = roles();
        var primary = start(r.resolver(TargetRole.PRIMARY));
        var replicas = start(r.resolver(TargetRole.REPLICA));
        var prefer = start(r.resolver(TargetRole.PREFER_REPLICA));

        await().until(() -> primary.keys().equals(keys(P)) && replicas.keys().equals(keys(R1, R2))
                && prefer.keys().equals(keys(R1, R2)));
        assertEquals(1, source.starts(), "one source for every resolver of a tracker");
        assertEquals(List.of("+" + P.key()), primary.events().stream().map(Object::toString).toList(),
                "each backend reported once, and the primary never to the replicas' resolvers");
        assertTrue(prefer.events().stream().allMatch(e -> e.added() && !e.backend().equals(P)),
                "prefer-replica did not take the primary for a moment while the replicas were being probed");
    }

    /**
     * A source that reports its backends one call at a time, slowly: the primary first, then (after giving a probe
     * every chance to run) the replicas. What start() reports is one batch, so the primary is never probed alone
     * and never handed to prefer-replica for a moment.
     */
    @Test
    void whatTheSourceReportsWhileStartingIsOneBatch() throws Exception {
        CountDownLatch primaryProbed = new CountDownLatch(1);
        io.cueball.Resolver slow = new io.cueball.Resolver() {
            @Override
            public void start(io.cueball.ResolverListener l) {
                l.backendAdded(P);
                try {
                    primaryProbed.await(300, TimeUnit.MILLISECONDS); // a probe that could start, would by now
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                l.backendAdded(R1);
                l.backendAdded(R2);
            }

            @Override
            public void close() {
            }
        };
        roles = PostgresRoles.builder(slow, backend -> {
            if (backend.equals(P)) {
                primaryProbed.countDown();
                return PRIMARY;
            }
            return REPLICA;
        }).name(name).checkInterval(INTERVAL).build();
        var prefer = start(roles.resolver(TargetRole.PREFER_REPLICA));

        await().until(() -> prefer.keys().equals(keys(R1, R2)));
        assertTrue(prefer.events().stream().noneMatch(e -> e.backend().equals(P)),
                "prefer-replica was handed the primary while the source was still reporting: " + prefer.events());
    }

    @Test
    void aPromotionMovesTheReplicaFromTheReplicasToThePrimaryInTheSameStep() {
        PostgresRoles r = roles();
        var primary = start(r.resolver(TargetRole.PRIMARY));
        var replicas = start(r.resolver(TargetRole.REPLICA));
        await().until(() -> primary.keys().equals(keys(P)) && replicas.keys().equals(keys(R1, R2)));

        answers.put(P.key(), new ConnectException("Connection refused"));
        await().until(() -> !primary.failures().isEmpty());
        assertEquals(keys(P), primary.keys(), "a primary that does not answer stays (invariant 6)");
        assertTrue(primary.failures().get(0).getMessage().contains("cannot read the role of backend " + P.key()
                + " (keeping its last known role, PRIMARY)"), primary.failures().get(0).getMessage());
        assertTrue(replicas.failures().isEmpty(), "told to the pools that have the backend only");

        answers.put(R1.key(), PRIMARY); // pg_promote()
        await().until(() -> primary.keys().equals(keys(R1)));
        assertEquals(keys(R2), replicas.keys());
        assertEquals(1, primary.failures().size(), "a backend that stays down is reported once, not every interval");
        assertEquals(List.of("-" + P.key(), "+" + R1.key()),
                primary.events().subList(1, 3).stream().map(Object::toString).toList(), "removals first");
        var status = r.status();
        assertEquals(List.of(P, R1, R2), status.stream().map(PostgresRoles.Status::backend).toList());
        assertEquals(null, status.get(0).role(), status.toString());
        assertFalse(status.get(0).answering());
        assertEquals(PRIMARY, status.get(1).role());
    }

    @Test
    void aFrozenBackendDelaysNoOtherBackendsProbe() {
        gates.put(P.key(), new CountDownLatch(1)); // P's probe hangs, as on a server stopped with SIGSTOP
        PostgresRoles r = roles();
        var replicas = start(r.resolver(TargetRole.REPLICA));
        await().until(() -> replicas.keys().equals(keys(R1, R2)));
        await().until(() -> probes.get(R1.key()).get() >= 3);
        assertEquals(1, probes.get(P.key()).get(), "never a second probe of a backend whose probe still runs");
    }

    @Test
    void theSourcesFailureReachesEveryResolverAndRemovesNothing() {
        PostgresRoles r = roles();
        var primary = start(r.resolver(TargetRole.PRIMARY));
        var replicas = start(r.resolver(TargetRole.REPLICA));
        await().until(() -> primary.keys().equals(keys(P)) && replicas.keys().equals(keys(R1, R2)));

        source.fail(new IllegalStateException("DNS timed out"));
        await().until(() -> primary.failures().size() == 1 && replicas.failures().size() == 1);
        assertEquals(keys(P), primary.keys());

        source.remove(R2);
        await().until(() -> replicas.keys().equals(keys(R1)));
        source.add(R2.withWeight(3));
        await().until(() -> replicas.backends().contains(R2.withWeight(3)));
    }

    @Test
    void closingTheLastResolverClosesTheSourceAndStopsTheThreads() {
        PostgresRoles r = roles();
        PostgresRoleResolver primary = r.resolver(TargetRole.PRIMARY);
        PostgresRoleResolver replicas = r.resolver(TargetRole.REPLICA);
        var l = start(primary);
        start(replicas);
        await().until(() -> l.keys().equals(keys(P)));
        assertFalse(threads().isEmpty());

        primary.close();
        assertFalse(source.isClosed(), "the replicas' pool still uses the tracker");
        replicas.close();
        assertTrue(source.isClosed());
        await().until(() -> threads().isEmpty());
        assertThrows(IllegalStateException.class, () -> r.resolver(TargetRole.PRIMARY));
    }

    @Test
    void aResolverIsStartedOnceAndNothingStartsBeforeTheFirstResolverDoes() throws InterruptedException {
        PostgresRoles r = roles();
        PostgresRoleResolver primary = r.resolver(TargetRole.PRIMARY);
        TimeUnit.MILLISECONDS.sleep(50);
        assertEquals(0, source.starts());
        assertTrue(threads().isEmpty());
        start(primary);
        var e = assertThrows(IllegalStateException.class, () -> primary.start(new RecordingResolverListener()));
        assertTrue(e.getMessage().contains("already started"), e.getMessage());
    }

    @Test
    void theOptionsFailAtBuildNamingTheOptionAndTheValue() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> PostgresRoles.builder(source, b -> PRIMARY).checkInterval(Duration.ZERO).build());
        assertEquals("checkInterval: PT0S (expected: >= 1 ms)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> PostgresRoles.builder(source, b -> PRIMARY).probeTimeout(Duration.ofMillis(-5)).build());
        assertEquals("probeTimeout: PT-0.005S (expected: >= 1 ms)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> PostgresRoles.builder(source, b -> PRIMARY).name(" ").build());
        assertEquals("name: ' ' (expected: a non-blank name)", e.getMessage());
        assertEquals(Duration.ofSeconds(10), PostgresRoles.DEFAULT_CHECK_INTERVAL);
    }
}
