package io.cueball;

import static io.cueball.EngineHarness.A;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How often the claim path reads the clock (PoolEngine: CLOCK and CLOCKLESS), and what stands in for the readings
 * it skips: check-on-claim and the housekeeper's health checks go by the STAMPS pass (Housekeeper).
 */
class ClockReadsTest {
    private static final int CYCLES = 1000;
    private static final Duration IDLE_CHECK = PoolOptions.CHECK_ON_CLAIM_AFTER_IDLE;

    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void aPlainClaimAndReleaseReadNoClock() {
        var pool = h.startAndSettle(h.builder(A).maxConnections(4));
        for (int i = 0; i < 10; i++) { // the first claims of this thread: no different, but off the count
            pool.claim().close();
        }
        long before = h.clock.reads.get();
        for (int i = 0; i < CYCLES; i++) {
            try (Claim<MemoryConnection> c = pool.claim()) {
                c.connection();
            }
        }
        assertEquals(0, h.clock.reads.get() - before, "clock reads for " + CYCLES + " claims and releases");
    }

    @Test
    void affinityOffAlsoReadsNoClock() {
        var pool = h.startAndSettle(h.builder(A).maxConnections(4).threadAffinity(0));
        long before = h.clock.reads.get();
        for (int i = 0; i < CYCLES; i++) {
            pool.claim().close();
        }
        assertEquals(0, h.clock.reads.get() - before);
    }

    @Test
    void aLifetimeMakesTheClaimAndTheReleaseReadIt() {
        // A lifetime to check on release: the claim reads the clock and the release needs its own reading.
        assertTwoReadsPerClaimAndRelease(h.builder(A).maxConnections(4).maxLifetime(Duration.ofHours(1)));
    }

    @Test
    void leakDetectionMakesTheClaimAndTheReleaseReadIt() {
        assertTwoReadsPerClaimAndRelease(h.builder(A).maxConnections(4).leakDetectionThreshold(Duration.ofMinutes(1)));
    }

    private void assertTwoReadsPerClaimAndRelease(ConnectionPool.Builder<MemoryConnection> builder) {
        var pool = h.startAndSettle(builder);
        long before = h.clock.reads.get();
        for (int i = 0; i < CYCLES; i++) {
            pool.claim().close();
        }
        assertEquals(2L * CYCLES, h.clock.reads.get() - before);
    }

    @Test
    void recordersTurnTheClockBackOnAndSeeOnlyTheClaimsTheySawBegin() {
        var pool = h.startAndSettle(h.builder(A).maxConnections(4));
        AtomicLong claimed = new AtomicLong();
        AtomicLong released = new AtomicLong();
        MetricsRecorder recorder = new MetricsRecorder() {
            @Override
            public void claimed(Backend backend, long waitNanos) {
                claimed.incrementAndGet();
            }

            @Override
            public void released(Backend backend, long heldNanos, boolean failed) {
                released.incrementAndGet();
                assertTrue(heldNanos >= 0 && heldNanos < Duration.ofSeconds(1).toNanos(), "held " + heldNanos);
            }
        };
        Claim<MemoryConnection> before = pool.claim(); // served with no clock read
        pool.addMetricsRecorder(recorder);
        before.close(); // a claim the recorder never saw begin: not reported
        long reads = h.clock.reads.get();
        for (int i = 0; i < CYCLES; i++) {
            pool.claim().close();
        }
        assertEquals(2L * CYCLES, h.clock.reads.get() - reads, "a claim and a release each read it for the recorder");
        assertEquals(CYCLES, claimed.get());
        assertEquals(CYCLES, released.get());

        pool.removeMetricsRecorder(recorder);
        reads = h.clock.reads.get();
        for (int i = 0; i < CYCLES; i++) {
            pool.claim().close();
        }
        assertEquals(0, h.clock.reads.get() - reads, "no recorder left: no clock again");
    }

    @Test
    void aConnectionHeldLongerThanTheIdleCheckTimeIsCheckedAtItsNextClaim() {
        var pool = h.startAndSettle(h.builder(A).maxConnections(1));
        MemoryConnection only = h.factory.connections.get(0);

        // Claimed again at once, many times: never checked.
        for (int i = 0; i < 10; i++) {
            pool.claim().close();
        }
        assertEquals(0, only.healthChecks.size());

        // Held past the idle-check time, then claimed again at once: checked (its last claim began that long ago;
        // nothing read the clock at the release, so the connection looks as if it had sat idle since then).
        Claim<MemoryConnection> held = pool.claim();
        h.clock.advance(IDLE_CHECK.plusMillis(1));
        held.close();
        pool.claim().close();
        assertEquals(1, only.healthChecks.size(), "checked after a long hold");

        // Idle past the idle-check time after a short use: checked, as before.
        h.clock.advance(IDLE_CHECK.plusMillis(1));
        pool.claim().close();
        assertEquals(2, only.healthChecks.size(), "checked after sitting idle");

        // And not again right after.
        pool.claim().close();
        assertEquals(2, only.healthChecks.size());
    }

    @Test
    void aConnectionClaimedWithinThreeQuartersOfTheIdleCheckTimeIsNeverChecked() {
        var pool = h.startAndSettle(h.builder(A).maxConnections(1)
                .healthCheckInterval(Duration.ofSeconds(2))); // the housekeeper's checks must not find it idle either
        MemoryConnection only = h.factory.connections.get(0);
        pool.claim().close();
        Duration gap = IDLE_CHECK.multipliedBy(3).dividedBy(4).minusMillis(1);
        for (int i = 0; i < 40; i++) { // 30 s: the STAMPS pass ran about 120 times, the health checks 15
            h.clock.advance(gap);
            h.executor.runAll();
            pool.claim().close();
        }
        assertEquals(0, only.healthChecks.size(), "checked at " + only.healthChecks);
    }

    @Test
    void anIdlePoolStopsItsStampsAndAClaimStartsThemAgain() {
        var pool = h.startAndSettle(h.builder(A).maxConnections(2));
        Duration stampEvery = IDLE_CHECK.dividedBy(4);
        pool.claim().close();
        assertNextTaskWithin(stampEvery, "stamps run while a connection may not yet be due");

        // Idle: after the idle-check time every connection is due for its check and the pass stops.
        h.clock.advance(IDLE_CHECK.plusMillis(1));
        assertTrue(h.clock.untilNextTask().compareTo(stampEvery) > 0,
                "an idle pool's next wake-up: " + h.clock.untilNextTask());

        // The next claim is checked, and that starts the pass again: its connection will be due in its turn.
        pool.claim().close();
        assertEquals(1, h.factory.connections.stream().mapToInt(c -> c.healthChecks.size()).sum());
        assertNextTaskWithin(stampEvery, "stamps run again");
        h.clock.advance(stampEvery.plusMillis(50));
        pool.claim().close();
        assertEquals(1, h.factory.connections.stream().mapToInt(c -> c.healthChecks.size()).sum(),
                "a check is a use: not due again 300 ms later");
        h.clock.advance(IDLE_CHECK.plusMillis(1));
        Claim<MemoryConnection> first = pool.claim();
        Claim<MemoryConnection> second = pool.claim();
        first.close();
        second.close();
        assertEquals(3, h.factory.connections.stream().mapToInt(c -> c.healthChecks.size()).sum(),
                "both connections checked after the second idle second");
    }

    @Test
    void aConnectionBackFromAHealthCheckStartsTheStoppedStampsToo() {
        Duration healthEvery = Duration.ofSeconds(5);
        var pool = h.startAndSettle(h.builder(A).maxConnections(1).healthCheckInterval(healthEvery));
        MemoryConnection only = h.factory.connections.get(0);
        h.advanceTo(healthEvery.multipliedBy(2).plusMillis(1)); // idle: the stamps stopped long ago; checked at 10 s
        h.executor.runAll();
        assertEquals(1, only.healthChecks.size(), "the housekeeper's health check");

        // Checked just now, so not again at once; but once it has sat idle for the idle-check time since, it is.
        pool.claim().close();
        assertEquals(1, only.healthChecks.size());
        h.clock.advance(IDLE_CHECK.plusMillis(1));
        pool.claim().close();
        assertEquals(2, only.healthChecks.size(), "checked at a claim after sitting idle since its health check");
    }

    private void assertNextTaskWithin(Duration bound, String what) {
        Duration next = h.clock.untilNextTask();
        assertNotNull(next, what);
        assertTrue(next.compareTo(bound) <= 0, what + ": next task in " + next);
    }
}
