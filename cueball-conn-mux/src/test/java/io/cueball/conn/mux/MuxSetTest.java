package io.cueball.conn.mux;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.BackendStatus;
import io.cueball.ConnectionSet;
import io.cueball.ConnectionSetListener;
import io.cueball.Lease;
import io.cueball.PoolState;
import io.cueball.resolver.fixed.StaticResolver;
import io.cueball.testing.TestMuxServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A ConnectionSet of MuxConnections over real loopback TestMuxServers. */
class MuxSetTest {
    private final List<TestMuxServer> servers = new ArrayList<>();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final Set<Thread> threadsBefore = Set.copyOf(Thread.getAllStackTraces().keySet());
    private ConnectionSet<MuxConnection> set;

    @AfterEach
    void tearDown() {
        if (set != null) {
            set.close();
        }
        servers.forEach(TestMuxServer::close);
    }

    private StaticResolver servers(int n) {
        for (int i = 0; i < n; i++) {
            servers.add(TestMuxServer.start());
        }
        return new StaticResolver(servers.stream().map(TestMuxServer::backend).toList());
    }

    private ConnectionSet.Builder<MuxConnection> builder(StaticResolver resolver, MuxConnectionFactory factory) {
        return ConnectionSet.builder(resolver, factory)
                .name("mux-test")
                .random(new Random(17))
                .rebalanceDelay(Duration.ofMillis(20))
                .closeTimeout(Duration.ofMillis(200))
                .listener(new ConnectionSetListener() {
                    @Override
                    public void connectionAdded(String id, io.cueball.Backend backend) {
                        events.add("added " + id);
                    }

                    @Override
                    public void connectionDraining(String id, io.cueball.Backend backend, String reason) {
                        events.add("draining " + id + ": " + reason);
                    }

                    @Override
                    public void connectionClosed(String id, io.cueball.Backend backend, long served, int cut) {
                        events.add("closed " + id + " cut=" + cut);
                    }
                });
    }

    private void awaitConnections(int n) {
        await().atMost(Duration.ofSeconds(10)).until(() -> set.stats().connections() == n);
    }

    @Test
    void tenThousandConcurrentRequestsOverThreeBackendsLoseAndDuplicateNothing() throws Exception {
        StaticResolver resolver = servers(3);
        set = builder(resolver, MuxConnectionFactory.builder().maxInFlight(20_000).build())
                .connectionsPerBackend(1).build();
        awaitConnections(3);
        int threads = 8;
        int n = 10_000;
        List<CompletableFuture<byte[]>> futures = new ArrayList<>(java.util.Collections.nCopies(n, null));
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        List<Thread> senders = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int first = t;
            Random random = new Random(42 + t);
            Thread sender = new Thread(() -> {
                try {
                    for (int i = first; i < n; i += threads) {
                        // a delay of 0 to 4 ms each: the answers come back out of order, thousands in flight at once,
                        // sent by eight threads at once over the three shared connections
                        String request = "sleep " + random.nextInt(5) + " request-" + i;
                        futures.set(i, MuxConnection.sendOn(set.acquire(), request.getBytes(UTF_8)));
                    }
                } catch (RuntimeException e) {
                    failures.add(e);
                }
            }, "cueball-test-sender-" + t);
            sender.setDaemon(true);
            senders.add(sender);
            sender.start();
        }
        for (Thread sender : senders) {
            sender.join(30_000);
        }
        assertEquals(List.of(), failures);
        Set<String> answers = new HashSet<>();
        for (int i = 0; i < n; i++) {
            String answer = new String(futures.get(i).get(30, TimeUnit.SECONDS), UTF_8);
            assertEquals("request-" + i, answer, "the response of request " + i);
            answers.add(answer);
        }
        assertEquals(n, answers.size(), "no answer lost or duplicated");
        long received = servers.stream().mapToLong(TestMuxServer::requestsReceived).sum();
        assertEquals(n, received);
        for (TestMuxServer s : servers) {
            assertTrue(s.requestsReceived() > n / 6, "every backend served its share: " + s);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> set.stats().leasesInFlight() == 0);
        assertEquals(n, set.stats().leasesServed());
        assertEquals(3, set.stats().connections());
    }

    @Test
    void anAcquireWaitingForRoomWakesOnAResponseOnATimeoutAndOnClose() throws Exception {
        StaticResolver resolver = servers(1);
        set = builder(resolver, MuxConnectionFactory.builder().requestTimeout(Duration.ofMillis(300)).build())
                .connectionsPerBackend(1).maxLeasesPerConnection(1).build();
        awaitConnections(1);
        for (String request : List.of("sleep 300 answered", "silent")) {
            CompletableFuture<byte[]> first = MuxConnection.sendOn(set.acquire(), request.getBytes(UTF_8));
            assertTrue(set.tryAcquire().isEmpty(), "the one connection carries its one lease");
            // the waiting acquire gets the connection when the first request's lease ends with its outcome
            try (Lease<MuxConnection> next = set.acquire(Duration.ofSeconds(5))) {
                Throwable outcome = first.handle((r, e) -> e).get(5, TimeUnit.SECONDS);
                if (request.equals("silent")) {
                    assertInstanceOf(MuxTimeoutException.class, MuxConnection.unwrap(outcome));
                }
                assertEquals("next", new String(next.connection().send("next".getBytes(UTF_8)).get(5,
                        TimeUnit.SECONDS), UTF_8));
            }
        }
        MuxConnection.sendOn(set.acquire(), "silent".getBytes(UTF_8));
        CompletableFuture<Throwable> waiter = CompletableFuture.supplyAsync(() -> {
            try {
                set.acquire(Duration.ofSeconds(30)).close();
                return null;
            } catch (RuntimeException e) {
                return e;
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> set.stats().waiting() == 1);
        set.close();
        assertInstanceOf(io.cueball.PoolClosedException.class, waiter.get(5, TimeUnit.SECONDS));
    }

    @Test
    void aRequestRefusedAsBusyIsNoOutcomeOfItsBackend() throws Exception {
        StaticResolver resolver = servers(1);
        set = builder(resolver, MuxConnectionFactory.builder().maxInFlight(1).build()).connectionsPerBackend(1)
                .build();
        awaitConnections(1);
        String key = servers.get(0).backend().key();
        long usesBefore = set.stats().backend(key).orElseThrow().health().uses();
        CompletableFuture<byte[]> first = MuxConnection.sendOn(set.acquire(), "sleep 1000 one".getBytes(UTF_8));
        CompletableFuture<byte[]> refused = MuxConnection.sendOn(set.acquire(), "two".getBytes(UTF_8));
        ExecutionException e = assertThrows(ExecutionException.class, () -> refused.get(5, TimeUnit.SECONDS));
        assertInstanceOf(MuxBusyException.class, e.getCause());
        assertEquals(1, set.stats().leasesInFlight(), "the refused request's lease ended (abandoned)");
        assertEquals("one", new String(first.get(5, TimeUnit.SECONDS), UTF_8));
        await().atMost(Duration.ofSeconds(5)).until(() -> set.stats().leasesInFlight() == 0);
        var health = set.stats().backend(key).orElseThrow().health();
        assertEquals(usesBefore + 1, health.uses(), "the answered request counts, the refused one does not");
        assertEquals(0, health.useFailures());
        assertEquals(1.0, health.score(), "its one use, a success");
    }

    @Test
    void requestsCutByTheDrainTimeoutAreNoFailuresOfTheirBackend() throws Exception {
        // the connection reaches its lifetime with twenty requests in flight, drains, and the drain timeout closes
        // it under them: the set's doing, not the backend's (a closed mux connection is not a broken one)
        StaticResolver resolver = servers(1);
        set = builder(resolver, MuxConnectionFactory.create()).connectionsPerBackend(1)
                .maxLifetime(Duration.ofSeconds(1)).drainTimeout(Duration.ofMillis(300)).build();
        awaitConnections(1);
        String key = servers.get(0).backend().key();
        List<CompletableFuture<byte[]>> pending = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            pending.add(MuxConnection.sendOn(set.acquire(), ("sleep 60000 r" + i).getBytes(UTF_8)));
        }
        for (CompletableFuture<byte[]> f : pending) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
            assertInstanceOf(MuxConnectionException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("was closed while request"), e.getCause().getMessage());
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> set.stats().leasesInFlight() == 0);
        assertTrue(events.stream().anyMatch(e -> e.startsWith("closed ") && e.endsWith("cut=20")), events.toString());
        var stats = set.stats().backend(key).orElseThrow();
        assertEquals(0, stats.health().useFailures(), "twenty cut requests: " + stats);
        assertEquals(BackendStatus.LIVE, stats.status());
    }

    @Test
    void aBrokenConnectionFailsItsPendingRequestsAndTheSetReplacesIt() throws Exception {
        StaticResolver resolver = servers(1);
        set = builder(resolver, MuxConnectionFactory.create()).connectionsPerBackend(1).build();
        awaitConnections(1);
        String before = set.stats().connectionLoads().get(0).id();
        List<CompletableFuture<byte[]>> pending = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            pending.add(MuxConnection.sendOn(set.acquire(), ("sleep 10000 r" + i).getBytes(UTF_8)));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> servers.get(0).requestsReceived() == 4);
        servers.get(0).dropConnections();
        for (CompletableFuture<byte[]> f : pending) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
            assertInstanceOf(MuxConnectionException.class, e.getCause());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> set.stats().connections() == 1
                && !set.stats().connectionLoads().get(0).id().equals(before));
        assertEquals(2, servers.get(0).acceptedTotal(), "a new connection replaced the broken one");
        var health = set.stats().backend(servers.get(0).backend().key()).orElseThrow().health();
        assertEquals(1, health.useFailures(), "the broken connection is one use failure, though it failed four "
                + "requests: " + health);
        assertEquals(BackendStatus.LIVE, health.status());
        assertTrue(events.stream().anyMatch(e -> e.startsWith("draining " + before + ": it broke")), events.toString());
        try (Lease<MuxConnection> lease = set.acquire()) {
            assertEquals("again", new String(lease.connection().send("again".getBytes(UTF_8)).get(5,
                    TimeUnit.SECONDS), UTF_8));
        }
    }

    @Test
    void drainingOnRemovalNeverCutsARequestInFlight() throws Exception {
        StaticResolver resolver = servers(2);
        set = builder(resolver, MuxConnectionFactory.create()).connectionsPerBackend(1).build();
        awaitConnections(2);
        var a = servers.get(0).backend();
        Lease<MuxConnection> onA = null;
        List<Lease<MuxConnection>> others = new ArrayList<>();
        while (onA == null) {
            Lease<MuxConnection> l = set.acquire();
            if (l.backend().equals(a)) {
                onA = l;
            } else {
                others.add(l);
            }
        }
        others.forEach(Lease::close);
        CompletableFuture<byte[]> slow = onA.connection().send("sleep 600 finished".getBytes(UTF_8));
        resolver.remove(a);
        await().atMost(Duration.ofSeconds(5)).until(() -> set.stats().draining() == 1);
        for (int i = 0; i < 20; i++) {
            try (Lease<MuxConnection> l = set.acquire()) {
                assertNotEquals(a, l.backend(), "a draining connection takes no new lease");
            }
        }
        assertEquals("finished", new String(slow.get(5, TimeUnit.SECONDS), UTF_8), "the request in flight finished");
        assertEquals(1, servers.get(0).openConnections(), "still open while its lease lasts");
        onA.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> servers.get(0).openConnections() == 0);
        assertTrue(events.stream().anyMatch(e -> e.startsWith("closed 127.0.0.1:" + a.port() + ".1 cut=0")),
                events.toString());
    }

    @Test
    void theSetFollowsABackendThatDiesAndComesBack() {
        StaticResolver resolver = servers(2);
        set = builder(resolver, MuxConnectionFactory.builder().connectTimeout(Duration.ofMillis(500)).build())
                .connectionsPerBackend(1)
                .backoff(new io.cueball.BackoffPolicy(Duration.ofMillis(50), Duration.ofMillis(200), 0))
                .build();
        awaitConnections(2);
        TestMuxServer dying = servers.get(0);
        dying.kill();
        await().atMost(Duration.ofSeconds(10)).until(() -> set.stats().backend(dying.backend().key()).orElseThrow()
                .status() == BackendStatus.DEAD);
        for (int i = 0; i < 10; i++) {
            try (Lease<MuxConnection> l = set.acquire()) {
                assertEquals(servers.get(1).backend(), l.backend(), "leases go to the live backend");
            }
        }
        dying.resume();
        await().atMost(Duration.ofSeconds(10)).until(() -> set.stats().backend(dying.backend().key()).orElseThrow()
                .connections() == 1 && set.stats().backend(dying.backend().key()).orElseThrow().status()
                == BackendStatus.LIVE);
    }

    @Test
    void closeFailsPendingRequestsWithAClearExceptionAndLeavesNoThread() throws Exception {
        StaticResolver resolver = servers(2);
        set = builder(resolver, MuxConnectionFactory.builder().virtualThreads(false).build())
                .connectionsPerBackend(1).build();
        awaitConnections(2);
        Lease<MuxConnection> lease = set.acquire();
        CompletableFuture<byte[]> pending = lease.connection().send("silent".getBytes(UTF_8));
        assertFalse(MuxTests.threads("cueball-mux-").isEmpty());
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (!threadsBefore.contains(t) && t.isAlive()) {
                assertTrue(t.getName().startsWith("cueball-") && t.isDaemon(), "a thread named " + t.getName()
                        + (t.isDaemon() ? "" : ", not a daemon"));
            }
        }
        set.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> pending.get(5, TimeUnit.SECONDS));
        assertInstanceOf(MuxConnectionException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("was closed while request"), e.getCause().getMessage());
        assertEquals(PoolState.CLOSED, set.state());
        assertEquals(List.of(), MuxTests.threads("cueball-mux-"), "mux readers and timer");
        assertEquals(List.of(), MuxTests.threads("cueball-mux-test-"), "the set's pool threads");
        assertThrows(io.cueball.PoolClosedException.class, set::acquire);
        lease.close();
    }
}
