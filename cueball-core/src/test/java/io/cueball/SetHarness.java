package io.cueball;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * One connection set under test with everything around it in memory, as {@link EngineHarness} has it for a pool: a
 * manual clock, a manual executor (inline: work runs on the thread that hands it over, so every step settles at
 * once), an in-memory factory and resolver, and a listener that records the set's events as text.
 */
final class SetHarness implements AutoCloseable {
    static final Duration REBALANCE_DELAY = EngineHarness.REBALANCE_DELAY;
    static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(10);

    final ManualPoolClock clock = new ManualPoolClock();
    final ManualExecutor executor = new ManualExecutor().inline();
    final MemoryFactory factory = new MemoryFactory(clock);
    final RecordingPoolListener poolEvents = new RecordingPoolListener(clock);
    /** "added a.test:5432.1", "draining a.test:5432.1: reason", "closed a.test:5432.1 served=3 cut=0". */
    final List<String> events = new CopyOnWriteArrayList<>();
    final ConnectionSetListener recorder = new ConnectionSetListener() {
        @Override
        public void connectionAdded(String id, Backend backend) {
            events.add("added " + id);
        }

        @Override
        public void connectionDraining(String id, Backend backend, String reason) {
            events.add("draining " + id + ": " + reason);
        }

        @Override
        public void connectionClosed(String id, Backend backend, long leasesServed, int leasesCut) {
            events.add("closed " + id + " served=" + leasesServed + " cut=" + leasesCut);
        }
    };
    MemoryResolver resolver;
    ConnectionSet<MemoryConnection> set;

    /** Deterministic defaults: seeded random, no backoff jitter, rebalance delay 100 ms, closeTimeout 0. */
    ConnectionSet.Builder<MemoryConnection> builder(Backend... initial) {
        resolver = new MemoryResolver(initial);
        return ConnectionSet.builder(resolver, factory)
                .name("set-test")
                .clock(clock)
                .executor(executor)
                .random(new Random(EngineHarness.SEED))
                .listener(recorder)
                .poolListener(poolEvents)
                .rebalanceDelay(REBALANCE_DELAY)
                .drainTimeout(DRAIN_TIMEOUT)
                .backoff(new BackoffPolicy(Duration.ofMillis(100), Duration.ofSeconds(30), 0))
                .closeTimeout(Duration.ZERO);
    }

    /** Builds the set and lets its first rebalance run: every connect and the set's sync happen inline. */
    ConnectionSet<MemoryConnection> start(ConnectionSet.Builder<MemoryConnection> builder) {
        set = builder.build();
        advance(REBALANCE_DELAY);
        return set;
    }

    void advance(Duration d) {
        clock.advance(d);
        executor.runAll();
    }

    /** Open connections the set holds (not draining) to {@code b}. */
    int connections(Backend b) {
        return set.stats().backend(b.key()).map(ConnectionSetStats.BackendLoad::connections).orElse(0);
    }

    List<String> events(String kind) {
        return events.stream().filter(e -> e.startsWith(kind + " ")).collect(Collectors.toList());
    }

    /** Acquires until it gets a lease on {@code b}, closing the others. */
    Lease<MemoryConnection> leaseOn(Backend b) {
        List<Lease<MemoryConnection>> others = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 1000; i++) {
                Lease<MemoryConnection> l = set.tryAcquire().orElseThrow(() -> new AssertionError(
                        "no connection may take a lease: " + set.stats()));
                if (l.backend().equals(b)) {
                    return l;
                }
                others.add(l);
            }
            throw new AssertionError("no lease on " + b.key() + " in 1000 acquires: " + set.stats());
        } finally {
            others.forEach(Lease::close);
        }
    }

    @Override
    public void close() {
        if (set == null) {
            return;
        }
        set.close();
        assertEquals(PoolState.CLOSED, set.state());
        assertTrue(factory.closedMoreThanOnce().isEmpty(),
                "connections closed more than once (invariant 4): " + factory.closedMoreThanOnce());
        assertTrue(factory.open().isEmpty(), "connections left open after close: " + factory.open());
    }
}
