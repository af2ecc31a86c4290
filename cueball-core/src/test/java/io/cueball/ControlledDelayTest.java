package io.cueball;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The claim queue's delay control (CoDel as node-cueball applies it, with RFC 8289's control law) at exact
 * instants: no drop until the sojourn has stayed above target for two intervals, then drops at interval/sqrt(n), an
 * end to dropping as soon as a claim is served within target, and node-cueball's bound on a waiting claim.
 */
class ControlledDelayTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long T0 = 1_000_000 * MS;

    private static long at(long ms) {
        return T0 + ms * MS;
    }

    @Test
    void dropsOnlyAfterTwoIntervalsAboveTargetThenAtTheControlLawsPace() {
        ControlledDelay codel = new ControlledDelay(10 * MS, T0);
        // sojourn 20 ms > target from t=100: the first interval starts
        assertFalse(codel.overloaded(at(100), at(80)));
        assertFalse(codel.overloaded(at(150), at(130)), "above target, but not yet for an interval");
        assertFalse(codel.overloaded(at(200), at(180)), "one interval above: CoDel waits one more before its first drop");
        assertFalse(codel.dropping());
        assertTrue(codel.overloaded(at(300), at(280)), "two intervals above target: the first drop");
        assertTrue(codel.dropping());
        assertFalse(codel.overloaded(at(399), at(380)), "next drop 100 ms after the first (interval / sqrt(1))");
        assertTrue(codel.overloaded(at(400), at(380)), "the second drop at 400 ms");
        long third = 400 * MS + (long) (100 * MS / Math.sqrt(2)); // 470.71 ms
        assertFalse(codel.overloaded(T0 + third - 1, at(450)));
        assertTrue(codel.overloaded(T0 + third, at(450)), "the third interval / sqrt(2) after the second");
        // One claim served within target ends the dropping state.
        assertFalse(codel.overloaded(at(500), at(495)));
        assertFalse(codel.dropping());
        assertFalse(codel.overloaded(at(510), at(480)), "above again: a new interval starts");
    }

    @Test
    void aReturnSoonAfterDroppingResumesAtTheRateItHadReached() {
        ControlledDelay codel = new ControlledDelay(10 * MS, T0);
        codel.overloaded(at(0), at(-20));
        codel.overloaded(at(100), at(80));
        assertTrue(codel.overloaded(at(200), at(180))); // first drop: count 1, next at 300
        assertTrue(codel.overloaded(at(300), at(280))); // count 2, next at 370.7
        assertTrue(codel.overloaded(at(371), at(350))); // count 3, next at 428.4
        assertFalse(codel.overloaded(at(380), at(375)), "within target: dropping ends");
        // Above target again at once: at the end of one interval, within an interval of the last drop_next (428),
        // dropping resumes at once with count 3 - 2 = 1.
        assertFalse(codel.overloaded(at(390), at(370)));
        assertTrue(codel.overloaded(at(490), at(470)), "resumed one interval after going above, without waiting two");
    }

    @Test
    void aDrainedQueueEndsTheIntervalAboveTarget() {
        ControlledDelay codel = new ControlledDelay(10 * MS, T0);
        assertFalse(codel.overloaded(at(0), at(-20)));
        assertFalse(codel.overloaded(at(100), at(80)));
        codel.empty(at(150));
        assertFalse(codel.overloaded(at(200), at(180)), "the queue drained: the sojourn is judged afresh");
        assertFalse(codel.overloaded(at(300), at(280)));
        assertTrue(codel.overloaded(at(400), at(380)));
    }

    @Test
    void aClaimWaitsAtMostTenTimesTheTargetOrThreeTimesOnceTheQueueStayedFull() {
        ControlledDelay codel = new ControlledDelay(10 * MS, T0);
        assertEquals(100 * MS, codel.maxWaitNanos(at(5), true), "queue empty: 10 x target");
        assertEquals(100 * MS, codel.maxWaitNanos(at(105), false), "not empty for exactly 10 x target: still 10 x");
        assertEquals(30 * MS, codel.maxWaitNanos(at(106), false), "not empty for longer: 3 x target");
        codel.empty(at(200));
        assertEquals(100 * MS, codel.maxWaitNanos(at(250), false));
    }
}
