package io.cueball;

import static io.cueball.EngineHarness.A;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The claim path reads the clock once per claim and release (PoolEngine: CLOCK), and what the release's own
 * missing reading changes: a connection held longer than the check-on-claim idle time is checked at its next claim.
 */
class ClockReadsTest {
    private static final int CYCLES = 1000;

    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void aPlainClaimAndReleaseReadTheClockOnce() {
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
        assertEquals(CYCLES, h.clock.reads.get() - before, "clock reads for " + CYCLES + " claims and releases");
    }

    @Test
    void affinityOffAlsoReadsOnce() {
        var pool = h.startAndSettle(h.builder(A).maxConnections(4).threadAffinity(0));
        long before = h.clock.reads.get();
        for (int i = 0; i < CYCLES; i++) {
            pool.claim().close();
        }
        assertEquals(CYCLES, h.clock.reads.get() - before);
    }

    @Test
    void aReleaseThatMustKnowItsOwnInstantReadsTheClockAgain() {
        // A lifetime to check on release: the release needs its own reading.
        var pool = h.startAndSettle(h.builder(A).maxConnections(4).maxLifetime(Duration.ofHours(1)));
        long before = h.clock.reads.get();
        for (int i = 0; i < CYCLES; i++) {
            pool.claim().close();
        }
        assertEquals(2L * CYCLES, h.clock.reads.get() - before);
    }

    @Test
    void aConnectionHeldLongerThanTheIdleCheckTimeIsCheckedAtItsNextClaim() {
        var pool = h.startAndSettle(h.builder(A).maxConnections(1));
        MemoryConnection only = h.factory.connections.get(0);
        Duration idleCheck = PoolOptions.CHECK_ON_CLAIM_AFTER_IDLE;

        // Claimed again at once, many times: never checked.
        for (int i = 0; i < 10; i++) {
            pool.claim().close();
        }
        assertEquals(0, only.healthChecks.size());

        // Held past the idle-check time, then claimed again at once: checked (the release took the claim's
        // instant as its last use, so the connection looks as if it had sat idle since then).
        Claim<MemoryConnection> held = pool.claim();
        h.clock.advance(idleCheck.plusMillis(1));
        held.close();
        pool.claim().close();
        assertEquals(1, only.healthChecks.size(), "checked after a long hold");

        // Idle past the idle-check time after a short use: checked, as before.
        h.clock.advance(idleCheck.plusMillis(1));
        pool.claim().close();
        assertEquals(2, only.healthChecks.size(), "checked after sitting idle");

        // A check passed is a fresh use: the next claim right away is not checked.
        pool.claim().close();
        assertEquals(2, only.healthChecks.size());
    }
}
