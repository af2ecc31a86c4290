package io.cueball;

import static io.cueball.EngineHarness.A;
import static io.cueball.EngineHarness.B;
import static io.cueball.EngineHarness.C;
import static io.cueball.SetHarness.DRAIN_TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The set's logic against in-memory connections, a manual clock and an inline executor: what it keeps, how leases
 * share connections, draining, and how it follows the resolver and the pool's health model.
 */
class ConnectionSetTest {
    private final SetHarness h = new SetHarness();

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void keepsConnectionsPerBackendAndFollowsTheResolverWithoutDrainingTheOthers() {
        var set = h.start(h.builder(A, B).connectionsPerBackend(2));
        assertEquals(2, h.connections(A));
        assertEquals(2, h.connections(B));
        assertEquals(4, h.factory.open().size());

        h.resolver.add(C);
        h.advance(SetHarness.REBALANCE_DELAY);
        assertEquals(2, h.connections(C), set.stats().toString());
        assertEquals(2, h.connections(A));
        assertEquals(2, h.connections(B));
        assertEquals(6, h.factory.open().size());
        assertEquals(List.of(), h.events("draining"), "a backend coming must not drain the others' connections");

        h.resolver.remove(B);
        h.advance(SetHarness.REBALANCE_DELAY);
        assertEquals(List.of(), h.factory.open(B), "B's unleased connections close at once");
        assertEquals(2, h.events("draining").size());
        assertTrue(h.events("draining").stream().allMatch(e -> e.endsWith("its backend was removed")),
                h.events.toString());
        assertEquals(6, h.factory.connections.size(), "only B's connections moved: nothing else closed or opened");
        assertEquals(2, h.connections(A));
        assertEquals(2, h.connections(C));
        assertEquals(4, h.factory.open().size());
    }

    @Test
    void totalSpreadIsThePoolsPlan() {
        h.start(h.builder(A, B, C).maxConnections(4));
        int a = h.connections(A);
        int b = h.connections(B);
        int c = h.connections(C);
        assertEquals(4, a + b + c);
        assertTrue(Math.max(a, Math.max(b, c)) - Math.min(a, Math.min(b, c)) <= 1, a + " " + b + " " + c);
    }

    @Test
    void leasesShareConnectionsAndGoToTheLeastLoaded() {
        var set = h.start(h.builder(A, B).connectionsPerBackend(1));
        List<Lease<MemoryConnection>> leases = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            leases.add(set.acquire(Duration.ZERO));
        }
        // two backends: the power of two choices compares both, so the loads never differ by more than one
        var stats = set.stats();
        assertEquals(3, stats.backend(A.key()).orElseThrow().leasesInFlight(), stats.connectionLoads().toString());
        assertEquals(3, stats.backend(B.key()).orElseThrow().leasesInFlight());
        assertEquals(6, stats.leasesInFlight());
        // many leases, one connection each backend: all of A's leases share one MemoryConnection
        MemoryConnection a = null;
        for (Lease<MemoryConnection> l : leases) {
            if (l.backend().equals(A)) {
                if (a == null) {
                    a = l.connection();
                }
                assertSame(a, l.connection());
            }
        }
        leases.forEach(Lease::close);
        assertEquals(0, set.stats().leasesInFlight());
        assertEquals(6, set.stats().leasesServed());
        assertThrows(IllegalStateException.class, () -> leases.get(0).connection(),
                "an ended lease no longer reaches its connection");
    }

    @Test
    void drainingOnRemovalNeverCutsALeaseInUse() {
        var set = h.start(h.builder(A, B).connectionsPerBackend(1));
        Lease<MemoryConnection> onA = h.leaseOn(A);
        MemoryConnection conn = onA.connection();

        h.resolver.remove(A);
        h.advance(SetHarness.REBALANCE_DELAY);
        assertEquals(List.of("draining a.test:5432.1: its backend was removed"), h.events("draining"));
        assertFalse(conn.isClosed(), "a lease in use is not cut");
        assertSame(conn, onA.connection());
        for (int i = 0; i < 10; i++) {
            try (var l = set.acquire(Duration.ZERO)) {
                assertEquals(B, l.backend(), "a draining connection takes no new lease");
            }
        }
        h.advance(DRAIN_TIMEOUT.minusMillis(200));
        assertFalse(conn.isClosed(), "still within the drain timeout");
        assertEquals(1, set.stats().draining());

        onA.close();
        assertTrue(conn.isClosed(), "closed when its last lease ended");
        assertEquals(1, conn.closes());
        assertEquals(List.of("closed a.test:5432.1 served=1 cut=0"), h.events("closed"));
        assertEquals(0, set.stats().draining());
    }

    @Test
    void aRemovedBackendsRecordsAreForgottenOnceItsConnectionsAreGone() {
        // a resolver whose backends churn (new addresses at every deploy) must not grow the set's per-key records
        var set = h.start(h.builder(A, B).connectionsPerBackend(1));
        h.leaseOn(A).close();
        h.leaseOn(B).close();
        h.resolver.remove(A);
        h.advance(SetHarness.REBALANCE_DELAY);
        assertEquals(1, h.events("closed").size(), h.events.toString());
        assertTrue(h.events("closed").get(0).startsWith("closed a.test:5432.1 served="), h.events.toString());
        long served = set.stats().leasesServed();
        assertTrue(served >= 2, "served " + served);
        h.advance(Duration.ofNanos(SetEngine.TICK_NANOS)); // a review, after the pool forgot A
        assertEquals(1, set.engine().recordedKeys(), "only B's records are kept");
        assertEquals(served, set.stats().leasesServed(), "A's leases still count in the set's total");

        h.resolver.add(A); // it comes back: a new connection, its records start again
        h.advance(SetHarness.REBALANCE_DELAY);
        assertEquals(1, h.connections(A));
        assertEquals(2, set.engine().recordedKeys());
    }

    @Test
    void aForgottenLeaseIsCutAfterTheDrainTimeout() {
        h.start(h.builder(A, B).connectionsPerBackend(1));
        Lease<MemoryConnection> onA = h.leaseOn(A);
        MemoryConnection conn = onA.connection();
        h.resolver.remove(A);
        h.advance(SetHarness.REBALANCE_DELAY);
        h.advance(DRAIN_TIMEOUT);
        assertTrue(conn.isClosed());
        assertEquals(List.of("closed a.test:5432.1 served=1 cut=1"), h.events("closed"));
        onA.close(); // late: nothing breaks, nothing is closed twice
        assertEquals(1, conn.closes());
    }

    @Test
    void aBrokenConnectionDrainsAndIsReplacedAsAUseFailure() {
        var set = h.start(h.builder(A, B).connectionsPerBackend(1));
        Lease<MemoryConnection> onA = h.leaseOn(A);
        Lease<MemoryConnection> second = h.leaseOn(A);
        MemoryConnection conn = onA.connection();
        conn.broken = true;
        onA.fail(new java.io.IOException("connection reset"));
        assertEquals(1, h.events("draining").size(), h.events.toString());
        assertTrue(h.events("draining").get(0).contains("it broke: java.io.IOException: connection reset"));
        assertFalse(conn.isClosed(), "the other lease still has it");
        second.close();
        assertTrue(conn.isClosed());
        List<MemoryConnection> a = h.factory.open(A);
        assertEquals(1, a.size(), "replaced");
        assertNotSame(conn, a.get(0));
        assertEquals(1, h.connections(A));
        BackendStats health = set.stats().backend(A.key()).orElseThrow().health();
        assertEquals(1, health.useFailures(), "the broken connection, once (the failed lease on it adds nothing)");
        assertEquals(BackendStatus.LIVE, health.status(), "use failures never make a backend dead");
    }

    @Test
    void aConnectionThatBreaksUnderTwentyLeasesIsOneUseFailureAndEjectsNothing() {
        // a multiplexed connection that breaks fails every request in flight: one break, not twenty failures
        var set = h.start(h.builder(A, B).connectionsPerBackend(1).maxLeasesPerConnection(100));
        List<Lease<MemoryConnection>> onA = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            onA.add(h.leaseOn(A));
        }
        MemoryConnection conn = onA.get(0).connection();
        assertTrue(onA.stream().allMatch(l -> l.connection() == conn), "all twenty share A's one connection");
        conn.broken = true;
        for (Lease<MemoryConnection> l : onA) {
            l.fail(new java.io.IOException("connection reset"));
        }
        assertTrue(conn.isClosed(), "given back once its last lease ended");
        var stats = set.stats().backend(A.key()).orElseThrow();
        assertEquals(1, stats.health().useFailures(), "one broken connection, one use failure");
        assertEquals(BackendStatus.LIVE, stats.status(), "ejection needs 10 outcomes (default): one break is one");
        assertEquals(1, h.connections(A), "replaced");
    }

    @Test
    void leasesCutByTheDrainTimeoutAreNoFailuresOfTheirBackend() {
        // the set closed the connection under them (a mux connection then fails every request in flight, and a
        // closed one does not say isBroken): twenty cut requests are the set's doing, not twenty backend failures
        var set = h.start(h.builder(A, B).connectionsPerBackend(1).maxLeasesPerConnection(100)
                .maxLifetime(Duration.ofMinutes(1)));
        List<Lease<MemoryConnection>> onA = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            onA.add(h.leaseOn(A));
        }
        MemoryConnection conn = onA.get(0).connection();
        long failuresBefore = set.stats().backend(A.key()).orElseThrow().health().useFailures();
        h.advance(Duration.ofMinutes(1).plusSeconds(1)); // it reached its lifetime: drains, its leases are slow
        h.advance(DRAIN_TIMEOUT.plusSeconds(1));
        assertTrue(conn.isClosed(), "cut by the drain timeout");
        assertTrue(h.events("closed").contains("closed a.test:5432.1 served=20 cut=20"), h.events.toString());
        for (Lease<MemoryConnection> l : onA) {
            l.fail(new java.io.IOException("connection closed under the request"));
        }
        var a = set.stats().backend(A.key()).orElseThrow();
        assertEquals(failuresBefore, a.health().useFailures(), "the set cut them: " + a.health());
        assertEquals(BackendStatus.LIVE, a.status(), "a backend is not ejected for the set's own cut");
    }

    @Test
    void aConnectionThatBreaksWhileDrainingAndIsCutIsStillOneUseFailure() {
        var set = h.start(h.builder(A, B).connectionsPerBackend(1).maxLifetime(Duration.ofMinutes(1)));
        Lease<MemoryConnection> onA = h.leaseOn(A);
        MemoryConnection conn = onA.connection();
        h.advance(Duration.ofMinutes(1).plusSeconds(1)); // drains (lifetime) under its lease
        assertEquals(1, set.stats().draining());
        conn.broken = true; // then breaks; its lease hangs until the drain timeout cuts it
        h.advance(DRAIN_TIMEOUT.plusSeconds(1));
        assertTrue(conn.isClosed());
        onA.fail(new java.io.IOException("connection reset"));
        var a = set.stats().backend(A.key()).orElseThrow().health();
        assertEquals(1, a.useFailures(), "it broke once: " + a);
    }

    @Test
    void anAbandonedLeaseIsNoOutcomeOfItsBackend() {
        var set = h.start(h.builder(A, B).connectionsPerBackend(1));
        Lease<MemoryConnection> lease = h.leaseOn(A);
        long usesBefore = set.stats().backend(A.key()).orElseThrow().health().uses();
        lease.abandon();
        assertTrue(lease.isEnded());
        lease.fail(new RuntimeException("too late")); // ended already: nothing
        BackendStats a = set.stats().backend(A.key()).orElseThrow().health();
        assertEquals(usesBefore, a.uses(), "neither a success nor a failure");
        assertEquals(0, a.useFailures());
        assertEquals(0, set.stats().leasesInFlight(), "the lease ended");
        assertEquals(0, set.stats().draining(), "the connection stays in service");
    }

    @Test
    void aConnectionThatBreaksWhileIdleIsFoundByTheTickAndReplaced() {
        h.start(h.builder(A).connectionsPerBackend(1));
        MemoryConnection conn = h.factory.open(A).get(0);
        conn.broken = true;
        h.advance(Duration.ofNanos(SetEngine.TICK_NANOS));
        assertTrue(conn.isClosed());
        assertEquals(1, h.factory.open(A).size());
        assertEquals(1, h.connections(A));
    }

    @Test
    void anAcquireNeverLeasesABrokenConnection() {
        var set = h.start(h.builder(A, B).connectionsPerBackend(1));
        h.factory.open(A).get(0).broken = true;
        for (int i = 0; i < 20; i++) {
            try (var l = set.acquire(Duration.ZERO)) {
                assertFalse(l.connection().isBroken(), "leased a broken connection");
            }
        }
    }

    @Test
    void leaseOutcomesFeedTheBackendsScore() {
        var set = h.start(h.builder(A, B).connectionsPerBackend(1).ejectionMinOutcomes(1000));
        for (int i = 0; i < 4; i++) {
            h.leaseOn(A).close();
        }
        h.leaseOn(A).fail(new RuntimeException("timed out"));
        BackendStats a = set.stats().backend(A.key()).orElseThrow().health();
        assertEquals(1, a.useFailures());
        assertTrue(a.uses() >= 5, "uses " + a.uses());
        assertTrue(a.score() < 1.0, "score " + a.score());
        assertEquals(0, set.stats().draining(), "a failed request keeps its connection");
    }

    @Test
    void anEjectedBackendKeepsOneConnectionOutOfServiceAndLeasesGoElsewhere() {
        var set = h.start(h.builder(A, B).connectionsPerBackend(2).ejectionMinOutcomes(5));
        for (int i = 0; i < 5; i++) {
            h.leaseOn(A).fail(new RuntimeException("no answer"));
        }
        var stats = set.stats();
        assertEquals(BackendStatus.EJECTED, stats.backend(A.key()).orElseThrow().status(), stats.toString());
        assertEquals(1, h.connections(A), "its monitor connection: " + h.events);
        assertEquals(3, h.connections(B), "the rest of A's share");
        assertTrue(h.events("draining").stream().anyMatch(e -> e.contains("its backend was ejected")),
                h.events.toString());
        for (int i = 0; i < 20; i++) {
            try (var l = set.acquire(Duration.ZERO)) {
                assertEquals(B, l.backend(), "leases go to the backend in service");
            }
        }
    }

    @Test
    void aDeadBackendsShareMovesToTheOthersAndComesBackWhenItRevives() {
        var set = h.start(h.builder(A, B).connectionsPerBackend(2));
        h.factory.failAlways(A);
        for (MemoryConnection c : h.factory.open(A)) {
            c.broken = true;
        }
        h.advance(Duration.ofNanos(SetEngine.TICK_NANOS)); // the tick finds them broken; their refills fail
        h.advance(Duration.ofSeconds(2)); // backoff: 100, 200, 400 ms...
        var stats = set.stats();
        assertEquals(BackendStatus.DEAD, stats.backend(A.key()).orElseThrow().status(), stats.toString());
        // A's share moved to B, but for the monitor slot the plan keeps for A (it probes with a connect)
        assertEquals(3, h.connections(B), stats.connectionLoads().toString());
        assertEquals(0, h.connections(A));
        try (var l = set.acquire(Duration.ZERO)) {
            assertEquals(B, l.backend());
        }

        h.factory.succeed(A);
        h.advance(Duration.ofSeconds(30)); // its next retry connects: alive, and the plan gives it its share back
        stats = set.stats();
        assertEquals(BackendStatus.LIVE, stats.backend(A.key()).orElseThrow().status(), stats.toString());
        assertEquals(2, h.connections(A), stats.connectionLoads().toString());
        assertEquals(2, h.connections(B), "B's extra connections drained: " + h.events);
    }

    @Test
    void maxLifetimeDrainsAndReplaces() {
        h.start(h.builder(A).connectionsPerBackend(1).maxLifetime(Duration.ofMinutes(1)));
        MemoryConnection first = h.factory.open(A).get(0);
        h.advance(Duration.ofMinutes(2));
        assertTrue(first.isClosed());
        assertTrue(h.events("draining").get(0).endsWith("it reached its maximum lifetime"), h.events.toString());
        assertEquals(1, h.connections(A));
    }

    @Test
    void maxLeasesPerConnectionBoundsTheLeasesAndTheTimeoutSaysWhy() {
        var set = h.start(h.builder(A).connectionsPerBackend(1).maxLeasesPerConnection(2));
        var one = set.acquire(Duration.ZERO);
        var two = set.acquire(Duration.ZERO);
        assertTrue(set.tryAcquire().isEmpty());
        ClaimTimeoutException e = assertThrows(ClaimTimeoutException.class, () -> set.acquire(Duration.ofMillis(20)));
        assertTrue(e.getMessage().contains("connection set 'set-test'"), e.getMessage());
        assertTrue(e.getMessage().contains("maxLeasesPerConnection=2"), e.getMessage());
        assertTrue(e.getMessage().contains("leases=2"), e.getMessage());
        assertEquals(1, set.stats().acquireTimeouts());
        one.close();
        try (var three = set.acquire(Duration.ZERO)) {
            assertEquals(A, three.backend());
        }
        two.close();
    }

    @Test
    void closeFailsWaitingAcquiresAndClosesEveryConnection() throws Exception {
        var set = h.start(h.builder().connectionsPerBackend(1));
        var failure = new java.util.concurrent.atomic.AtomicReference<Throwable>();
        Thread waiter = new Thread(() -> {
            try {
                set.acquire(Duration.ofMinutes(1));
            } catch (RuntimeException e) {
                failure.set(e);
            }
        }, "cueball-test-waiter");
        waiter.start();
        org.awaitility.Awaitility.await().until(() -> set.stats().waiting() == 1);
        set.close();
        waiter.join(5_000);
        assertTrue(failure.get() instanceof PoolClosedException, String.valueOf(failure.get()));
        assertThrows(PoolClosedException.class, set::acquire);
        assertEquals(PoolState.CLOSED, set.state());
    }

    @Test
    void closeLetsLeasesInFlightEndWithinCloseTimeoutThenClosesUnderThem() {
        var set = h.start(h.builder(A).connectionsPerBackend(1).closeTimeout(Duration.ofMillis(50)));
        var lease = set.acquire(Duration.ZERO);
        MemoryConnection conn = lease.connection();
        set.close();
        assertTrue(conn.isClosed());
        assertEquals(List.of("closed a.test:5432.1 served=1 cut=1"), h.events("closed"));
        lease.close(); // after close: harmless
    }

    @Test
    void aWaitingAcquireFailsFastWhenTheResolverRemovesEveryBackend() {
        var set = h.start(h.builder(A).connectionsPerBackend(1).maxLeasesPerConnection(1).failFastWhenEmpty(true));
        var lease = set.acquire(Duration.ZERO);
        var failure = new java.util.concurrent.atomic.AtomicReference<Throwable>();
        Thread waiter = new Thread(() -> {
            try {
                set.acquire(Duration.ofMinutes(1)).close();
            } catch (RuntimeException e) {
                failure.set(e);
            }
        }, "cueball-test-waiter");
        waiter.setDaemon(true);
        waiter.start();
        org.awaitility.Awaitility.await().until(() -> set.stats().waiting() == 1);
        h.resolver.remove(A);
        h.advance(SetHarness.REBALANCE_DELAY);
        // as a pool's waiting claims do: not after the minute, but once the set has seen the resolver empty
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> failure.get() != null);
        assertTrue(failure.get() instanceof NoBackendsException, String.valueOf(failure.get()));
        assertTrue(failure.get().getMessage().contains("failFastWhenEmpty"), failure.get().getMessage());
        lease.close();
    }

    @Test
    void failsFastWhenEveryBackendIsDead() {
        h.factory.failAlways(A);
        var set = h.start(h.builder(A).connectionsPerBackend(1));
        h.advance(Duration.ofSeconds(2));
        assertEquals(PoolState.FAILED, set.state());
        PoolFailedException e = assertThrows(PoolFailedException.class, () -> set.acquire(Duration.ofSeconds(1)));
        assertTrue(e.getMessage().contains("connection refused: a.test:5432"), e.getMessage());
    }

    @Test
    void builderNamesEveryBadOption() {
        var b = ConnectionSet.builder(new MemoryResolver(), h.factory).name("bad")
                .connectionsPerBackend(0).maxLeasesPerConnection(0).drainTimeout(Duration.ofSeconds(-1))
                .deadAfterFailures(0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::options);
        assertTrue(e.getMessage().startsWith("connection set 'bad': "), e.getMessage());
        assertTrue(e.getMessage().contains("connectionsPerBackend: 0 (expected: >= 1)"), e.getMessage());
        assertTrue(e.getMessage().contains("maxLeasesPerConnection: 0"), e.getMessage());
        assertTrue(e.getMessage().contains("drainTimeout: PT-1S (expected: >= 0)"), e.getMessage());
        assertTrue(e.getMessage().contains("deadAfterFailures: 0 (expected: >= 1)"), e.getMessage());
        var both = ConnectionSet.builder(new MemoryResolver(), h.factory).connectionsPerBackend(1).maxConnections(3);
        e = assertThrows(IllegalArgumentException.class, both::options);
        assertTrue(e.getMessage().contains("connectionsPerBackend: 1 and maxConnections: 3 (expected: one of them"),
                e.getMessage());
    }
}
