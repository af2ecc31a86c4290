package io.cueball;

import static io.cueball.EngineHarness.A;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cueball.internal.Score;
import java.net.SocketTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The use score (Score's notes): pooly's recency-weighted mean of slot means, the newest slot weighing
 * {@link Score#SLOTS} and the oldest 1, empty slots left out, 1.0 with no outcomes; an outcome stops counting
 * when its slot leaves the scoreDecay window.
 */
class ScoreTest {
    private static final long SECOND = 1_000_000_000L;
    /** 20 slots of one second. */
    private static final long DECAY = Score.SLOTS * SECOND;
    /** The start of a slot: far from zero, as the manual clock is. */
    private static final long T = 1_000 * SECOND;
    private static final double EXACT = 1e-12;

    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void tearDown() {
        h.close();
    }

    private static long at(long seconds) {
        return T + seconds * SECOND;
    }

    @Test
    void aBackendWithNoOutcomesScoresOne() {
        Score s = new Score(DECAY);
        assertEquals(SECOND, s.slotWidth());
        assertEquals(1.0, s.score(T));
        assertEquals(0, s.outcomes(T));
    }

    @Test
    void aSlotCountsTheMeanOfItsOutcomes() {
        Score s = new Score(DECAY);
        s.add(T, 3, 2.0); // two successes, one failure
        assertEquals(2.0 / 3, s.score(T), EXACT);
        s.add(T + SECOND / 2, 1, 0.5); // a reported 0.5, same slot
        assertEquals(2.5 / 4, s.score(T + SECOND / 2), EXACT);
        assertEquals(4, s.outcomes(T + SECOND / 2));
    }

    @Test
    void theNewestSlotWeighsSlotsAndTheOldestOne() {
        Score failedFirst = new Score(DECAY);
        failedFirst.add(at(0), 1, 0.0);
        failedFirst.add(at(19), 1, 1.0);
        // At 19 s the failure's slot is the oldest in the window (weight 1), the success's the newest (20).
        assertEquals(20.0 / 21, failedFirst.score(at(19)), EXACT);

        Score succeededFirst = new Score(DECAY);
        succeededFirst.add(at(0), 1, 1.0);
        succeededFirst.add(at(19), 1, 0.0);
        assertEquals(1.0 / 21, succeededFirst.score(at(19)), EXACT);
    }

    @Test
    void emptySlotsAreLeftOutNotCountedAsHalf() {
        Score s = new Score(DECAY);
        s.add(at(0), 1, 0.0);
        s.add(at(5), 1, 1.0);
        // Ages 5 and 0: weights 15 and 20. Pooly would add 0.5 for each of the 18 empty slots.
        assertEquals(20.0 / 35, s.score(at(5)), EXACT);
        // Five quiet seconds later: ages 10 and 5, weights 10 and 15; the empty slots still count for nothing.
        assertEquals(15.0 / 25, s.score(at(10)), EXACT);
    }

    @Test
    void aSlotOfManyOutcomesWeighsNoMoreThanASlotOfOne() {
        Score s = new Score(DECAY);
        s.add(at(0), 10, 0.0); // ten failures
        s.add(at(1), 1, 1.0); // one success a second later
        assertEquals(20.0 / 39, s.score(at(1)), EXACT, "slot means are weighted, not outcomes");
        assertEquals(11, s.outcomes(at(1)));
    }

    @Test
    void anOutcomeLeavesTheWindowScoreDecayAfterItsSlotBegan() {
        Score s = new Score(DECAY);
        s.add(at(0), 1, 0.0);
        assertEquals(0.0, s.score(T + DECAY - 1));
        assertEquals(1, s.outcomes(T + DECAY - 1));
        assertEquals(1.0, s.score(T + DECAY), "out of the window: no outcomes, innocent again");
        assertEquals(0, s.outcomes(T + DECAY));

        // One recorded half a slot in leaves with its slot, scoreDecay after the slot began, not after it.
        Score late = new Score(DECAY);
        late.add(T + SECOND / 2, 1, 0.0);
        assertEquals(1, late.outcomes(T + DECAY - 1));
        assertEquals(0, late.outcomes(T + DECAY));
    }

    @Test
    void aSlotReusedAWindowLaterForgetsWhatItHeld() {
        Score s = new Score(DECAY);
        s.add(at(0), 5, 0.0);
        s.add(T + DECAY, 1, 1.0); // the same entry of the ring, one window later
        assertEquals(1, s.outcomes(T + DECAY));
        assertEquals(1.0, s.score(T + DECAY));
    }

    @Test
    void scoresDecayFailuresWeighLessAsTheyAgeAndOnlyNewOutcomesCountAfterTheWindow() {
        Score s = new Score(DECAY);
        s.add(at(0), 5, 0.0);
        assertEquals(0.0, s.score(at(0)));
        s.add(at(10), 5, 5.0);
        assertEquals(20.0 / 30, s.score(at(10)), EXACT, "failures at age 10 weigh 10, successes 20");
        assertEquals(15.0 / 20, s.score(at(15)), EXACT, "five seconds on, the failures weigh 5");
        assertEquals(1.0, s.score(at(20)), "the failures have left the window");
        assertEquals(5, s.outcomes(at(20)));
        s.add(at(25), 1, 0.0);
        assertEquals(5.0 / 25, s.score(at(25)), EXACT, "the successes at age 15 (weight 5) and the new failure");
    }

    @Test
    void clearForgetsEveryOutcome() {
        Score s = new Score(DECAY);
        s.add(at(0), 3, 0.0);
        s.clear();
        assertEquals(1.0, s.score(at(0)));
        assertEquals(0, s.outcomes(at(0)));
    }

    @Test
    void aBackendsScoreInStatsRisesAsItsFailuresAgeAndForgetsThemAfterScoreDecay() {
        h.executor.inline();
        // The manual clock starts on a whole second, so the pool's slots of 1 s begin at t0.
        var pool = h.startAndSettle(h.builder(A).maxConnections(1).scoreDecay(Duration.ofSeconds(20)));
        assertEquals(1.0, h.stats(A).score());

        h.advanceTo(Duration.ofSeconds(1));
        for (int i = 0; i < 3; i++) {
            pool.tryClaim().orElseThrow().fail(new SocketTimeoutException("read timed out"));
        }
        assertEquals(0.0, h.stats(A).score());

        h.advanceTo(Duration.ofSeconds(11));
        for (int i = 0; i < 3; i++) {
            pool.tryClaim().orElseThrow().close(); // lock-free: harvested by the stats below, in this slot
        }
        assertEquals(20.0 / 30, h.stats(A).score(), EXACT);

        h.advanceTo(Duration.ofSeconds(16));
        assertEquals(15.0 / 20, h.stats(A).score(), EXACT, "the failures weigh less as they age");

        h.advanceTo(Duration.ofSeconds(21));
        assertEquals(1.0, h.stats(A).score(), "the failures have left the window");
        assertEquals(6, h.stats(A).uses(), "uses and failures are counts of ever, not of the window");
        assertEquals(3, h.stats(A).useFailures());

        h.advanceTo(Duration.ofSeconds(22));
        pool.tryClaim().orElseThrow().discard();
        assertEquals(9.0 / 29, h.stats(A).score(), EXACT, "successes at age 11 (weight 9), the new failure (20)");
    }
}
