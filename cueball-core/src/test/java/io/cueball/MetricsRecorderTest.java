package io.cueball;

import static io.cueball.EngineHarness.A;
import static io.cueball.EngineHarness.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What a MetricsRecorder is told, and when: claims, releases, failures and connects, timed by the pool's clock. */
class MetricsRecorderTest {
    private final EngineHarness h = new EngineHarness();
    private final List<String> seen = new CopyOnWriteArrayList<>();

    private final MetricsRecorder recorder = new MetricsRecorder() {
        @Override
        public void claimed(Backend backend, long waitNanos) {
            seen.add("claimed " + backend.host() + " " + waitNanos);
        }

        @Override
        public void released(Backend backend, long heldNanos, boolean failed) {
            seen.add("released " + backend.host() + " " + Duration.ofNanos(heldNanos).toMillis() + "ms"
                    + (failed ? " failed" : ""));
        }

        @Override
        public void claimFailed(CueballException error, long waitedNanos) {
            seen.add("claimFailed " + error.getClass().getSimpleName());
        }

        @Override
        public void connected(Backend backend, long connectNanos) {
            seen.add("connected " + backend.host());
        }

        @Override
        public void connectFailed(Backend backend, long connectNanos, Throwable cause) {
            seen.add("connectFailed " + backend.host());
        }
    };

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void claimsReleasesAndConnectsAreTimedOnTheThreadsWhereTheyHappen() {
        h.executor.inline();
        var pool = h.start(h.builder(A).maxConnections(1).threadAffinity(0));
        pool.addMetricsRecorder(recorder);
        h.advanceTo(EngineHarness.REBALANCE_DELAY);
        assertEquals(List.of("connected a.test"), seen);
        seen.clear();

        Claim<MemoryConnection> c = pool.claim();
        assertEquals(List.of("claimed a.test 0"), seen, "served at once: waited 0 ns by the pool's clock");
        h.advanceTo(h.sinceStart().plus(Duration.ofMillis(250)));
        c.close();
        assertEquals("released a.test 250ms", seen.get(1));

        c = pool.claim();
        h.advanceTo(h.sinceStart().plus(Duration.ofMillis(40)));
        c.discard();
        assertEquals("released a.test 40ms failed", seen.get(3), "a discard is a failed use: " + seen);
        assertEquals("connected a.test", seen.get(4), "and its replacement a new connect");
    }

    @Test
    void failedClaimsAndConnectsAreReported() {
        h.executor.inline();
        h.factory.failAlways(B);
        var pool = h.start(h.builder(A, B).maxConnections(2).maxWaiters(0));
        pool.addMetricsRecorder(recorder);
        h.advanceTo(EngineHarness.REBALANCE_DELAY);
        assertTrue(seen.contains("connected a.test") && seen.contains("connectFailed b.test"), "" + seen);
        Claim<MemoryConnection> c = pool.claim();
        assertThrows(PoolBusyException.class, () -> pool.claim(Duration.ofSeconds(1)));
        assertTrue(seen.contains("claimFailed PoolBusyException"), "" + seen);
        c.close();
        assertTrue(pool.removeMetricsRecorder(recorder));
        seen.clear();
        pool.claim().close();
        assertTrue(seen.isEmpty(), "removed: told nothing more " + seen);
    }

    @Test
    void aRecorderThatThrowsDoesNotBreakTheClaim() {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A).maxConnections(1));
        pool.addMetricsRecorder(new MetricsRecorder() {
            @Override
            public void claimed(Backend backend, long waitNanos) {
                throw new IllegalStateException("broken recorder");
            }
        });
        Claim<MemoryConnection> c = pool.claim();
        assertInstanceOf(MemoryConnection.class, c.connection());
        c.close();
    }
}
