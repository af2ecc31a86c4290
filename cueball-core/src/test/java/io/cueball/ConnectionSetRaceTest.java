package io.cueball;

import static io.cueball.EngineHarness.A;
import static io.cueball.EngineHarness.B;
import static io.cueball.EngineHarness.C;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A set on its own threads (real executor and clock) while application threads acquire and end leases as fast as
 * they can, and the test removes and re-adds backends, breaks connections and finally closes the set under them:
 * the races between a lease and a drain, a give-back and a close. What must hold whatever the interleaving.
 */
class ConnectionSetRaceTest {
    private static final long SEED = 1717;

    @Test
    void leasesRacingDrainsBreaksAndCloseNeverSeeAClosedConnectionAndCloseLeavesNothingOpen() throws Exception {
        Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
        var clock = new ManualPoolClock(); // only stamps the connections; the set runs on the system clock
        var factory = new MemoryFactory(clock);
        var resolver = new MemoryResolver(A, B, C);
        var set = ConnectionSet.builder(resolver, factory)
                .name("race")
                .random(new Random(SEED))
                .connectionsPerBackend(2)
                .maxLeasesPerConnection(3)
                .rebalanceDelay(Duration.ofMillis(5))
                .backoff(new BackoffPolicy(Duration.ofMillis(5), Duration.ofMillis(20), 0))
                .drainTimeout(Duration.ofMinutes(5)) // no lease is cut: a closed connection under one is a bug
                .closeTimeout(Duration.ofSeconds(5))
                .build();
        await().atMost(Duration.ofSeconds(10)).until(() -> set.stats().connections() == 6);

        List<String> violations = new CopyOnWriteArrayList<>();
        List<Throwable> unexpected = new CopyOnWriteArrayList<>();
        AtomicLong leases = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        Set<Lease<MemoryConnection>> held = ConcurrentHashMap.newKeySet();
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < 6; w++) {
            Random random = new Random(SEED + w);
            Thread t = new Thread(() -> {
                while (!stop.get()) {
                    Lease<MemoryConnection> lease;
                    try {
                        lease = set.acquire(Duration.ofSeconds(10));
                    } catch (PoolClosedException closed) {
                        return;
                    } catch (RuntimeException e) {
                        unexpected.add(e);
                        return;
                    }
                    held.add(lease);
                    leases.incrementAndGet();
                    MemoryConnection c = lease.connection();
                    if (c.isClosed()) {
                        violations.add("leased a closed connection: " + c);
                    }
                    Thread.onSpinWait();
                    if (c.isClosed()) {
                        violations.add("a connection was closed under its lease: " + c);
                    }
                    held.remove(lease);
                    switch (random.nextInt(20)) {
                        case 0 -> lease.fail(new RuntimeException("request failed"));
                        case 1 -> {
                            c.broken = true;
                            lease.discard(new RuntimeException("out of step"));
                        }
                        default -> lease.close();
                    }
                }
            }, "cueball-test-race-" + w);
            t.setDaemon(true);
            workers.add(t);
            t.start();
        }

        Random chaos = new Random(SEED);
        long end = System.nanoTime() + Duration.ofMillis(1500).toNanos();
        Backend[] all = {A, B, C};
        while (System.nanoTime() < end) {
            Backend b = all[chaos.nextInt(3)];
            resolver.remove(b);
            await().pollDelay(Duration.ofMillis(chaos.nextInt(15))).until(() -> true);
            resolver.add(b);
            List<MemoryConnection> open = factory.open();
            if (!open.isEmpty()) {
                open.get(chaos.nextInt(open.size())).broken = true; // found by a lease's end, an acquire or the tick
            }
            await().pollDelay(Duration.ofMillis(chaos.nextInt(15))).until(() -> true);
        }
        set.close(); // while the workers still acquire
        stop.set(true);
        for (Thread t : workers) {
            t.join(10_000);
        }
        for (Lease<MemoryConnection> l : held) {
            l.close();
        }

        assertEquals(List.of(), violations);
        assertEquals(List.of(), unexpected);
        assertTrue(leases.get() > 1000, "the workers got only " + leases.get() + " leases");
        assertEquals(List.of(), factory.closedMoreThanOnce(), "closed more than once");
        assertEquals(List.of(), factory.open(), "left open after close");
        assertEquals(PoolState.CLOSED, set.state());
        assertEquals(0, set.stats().leasesInFlight());
        List<String> left = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t) && t.isAlive() && !t.getName().startsWith("cueball-test-"))
                .map(t -> t.getName() + (t.isDaemon() ? "" : " (not a daemon)")).collect(Collectors.toList());
        assertEquals(List.of(), left, "threads the set started are gone after close()");
    }
}
