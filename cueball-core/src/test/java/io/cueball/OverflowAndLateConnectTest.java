package io.cueball;

import static io.cueball.EngineHarness.A;
import static io.cueball.EngineHarness.REBALANCE_DELAY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two edges found by reviewing the engine's split into rooms (issue #11): a decoherence interval of "forever"
 * must not stop housekeeping, and a connection that arrives after its connect timed out is closed before its
 * replacement opens. Both failed on the first version of the split.
 */
class OverflowAndLateConnectTest {
    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void tearDown() {
        h.close();
    }

    /**
     * The manual clock, but a delay that would run past Long.MAX_VALUE is held at Long.MAX_VALUE ("never")
     * instead of wrapping into the past, as a real ScheduledThreadPoolExecutor does.
     */
    private PoolClock saturating() {
        return new PoolClock() {
            @Override
            public long nanoTime() {
                return h.clock.nanoTime();
            }

            @Override
            public Timer schedule(Runnable task, long delayNanos) {
                long now = h.clock.nanoTime();
                return h.clock.schedule(task, Math.min(delayNanos, Long.MAX_VALUE - now));
            }
        };
    }

    /**
     * Old engine: housekeeping and decoherence were two timers, so a decoherenceInterval of "forever" (any
     * positive Duration is accepted by the builder) left health checks running every healthCheckInterval.
     * Housekeeper.startLocked/tick compute {@code now + decoherenceInterval} and then compare absolute instants
     * with Math.min, so the overflowed (negative) nextDecoherenceAt wins and the next tick is ~292 years away:
     * health checks, maxLifetime and shrinking stop after the first tick.
     */
    @Test
    void aVeryLongDecoherenceIntervalDoesNotStopHealthChecks() {
        h.executor.inline();
        h.start(h.builder(A).maxConnections(1).clock(saturating())
                .healthCheckInterval(Duration.ofSeconds(30))
                .decoherenceInterval(Duration.ofNanos(Long.MAX_VALUE)));
        h.clock.advance(REBALANCE_DELAY);
        MemoryConnection c = h.factory.connections.get(0);

        h.advanceTo(Duration.ofMinutes(5));
        // Opened at 100 ms, so the tick at 30 s finds it 29.9 s idle; it is checked at 60 s, 90 s, ..., 300 s.
        assertEquals(9, c.healthChecks.size(), "health checks in 5 minutes: " + c.healthChecks);
    }

    /**
     * The deliberate fix in Connector.connected (a late connection's discard now calls fillLocked) queues the
     * replacement connect before the late connection is closed: the close runs after unlock(), which first
     * hands the replacement to the executor. With a same-thread executor (or a free connector thread) the
     * replacement connects while the discarded connection is still open: maxConnections + 1 real connections,
     * although the notes say a closing connection still counts until its close() has returned.
     */
    @Test
    void aLateConnectionIsClosedBeforeItsReplacementConnects() {
        AtomicInteger peakOpen = new AtomicInteger();
        ConnectionFactory<MemoryConnection> counting = b -> {
            peakOpen.accumulateAndGet(h.factory.open().size() + 1, Math::max); // open now, with this one
            return h.factory.connect(b);
        };
        h.builder(A); // makes h.resolver
        h.t0 = h.clock.nanoTime();
        h.pool = ConnectionPool.builder(h.resolver, counting)
                .name("engine-test").clock(h.clock).executor(h.executor).random(new java.util.Random(1))
                .rebalanceDelay(REBALANCE_DELAY).backoff(new BackoffPolicy(Duration.ofMillis(100),
                        Duration.ofSeconds(30), 0))
                .closeTimeout(Duration.ZERO).maxConnections(1).connectTimeout(Duration.ofSeconds(2)).build();
        h.clock.advance(REBALANCE_DELAY);
        assertEquals(1, h.executor.pending(), "the first connect hangs");
        h.clock.advance(Duration.ofSeconds(3)); // timed out at 2.1 s; its backoff retry fired at 2.2 s

        h.executor.inline(); // the late connection returns; the pool's work now runs as soon as it is handed over
        assertEquals(1, h.factory.open().size());
        assertEquals(2, h.factory.connections.size(), "replaced");
        assertTrue(peakOpen.get() <= 1, "a pool of maxConnections 1 had " + peakOpen.get() + " connections open");
    }
}
