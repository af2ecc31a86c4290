package io.cueball;

import static io.cueball.EngineHarness.A;
import static io.cueball.EngineHarness.B;
import static io.cueball.EngineHarness.C;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Backends: SHARES. A score-driven strategy re-plans at every score tick so that connections follow the scores,
 * moving at most a tenth of maxConnections per re-plan; round-robin's shares ignore scores.
 */
class ScoreSharesTest {
    private static final int MAX = 20;
    /** The score tick: scoreDecay / Score.SLOTS. */
    private static final Duration TICK = Duration.ofSeconds(1);

    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void tearDown() {
        h.close();
    }

    private void start(HostSelection selection) {
        h.executor.inline();
        h.startAndSettle(h.builder(A, B, C).maxConnections(MAX).threadAffinity(0).hostSelection(selection)
                .scoreDecay(Duration.ofSeconds(20)));
        assertEquals(MAX, h.pool.stats().idle());
    }

    /** A and B serve half their uses, C all of them (no ejection: 0.5 is below the 0.85 failure rate). */
    private void outcomes() {
        for (int i = 0; i < 10; i++) {
            for (Backend b : new Backend[] {A, B}) {
                boolean ok = i % 2 == 0;
                h.useOnce(b, claim -> {
                    if (ok) {
                        claim.close();
                    } else {
                        claim.fail(new java.io.IOException("use failed"));
                    }
                });
            }
            h.useOnce(C, Claim::close);
        }
    }

    private int connections(Backend b) {
        BackendStats s = h.stats(b);
        return s.open() + s.connecting();
    }

    @Test
    void epsilonGreedyMovesConnectionsToTheBestBackendAFewAtATime() {
        start(HostSelection.epsilonGreedy(0.1));
        int a0 = connections(A);
        int b0 = connections(B);
        int c0 = connections(C);
        assertTrue(Math.abs(a0 - c0) <= 1 && Math.abs(b0 - c0) <= 1, "every score is 1.0: even " + a0 + "/" + b0
                + "/" + c0);
        outcomes();
        int maxMoves = MAX / 10;
        int before = c0;
        Duration t = h.sinceStart();
        for (int tick = 1; tick <= 12; tick++) {
            t = t.plus(TICK);
            h.advanceTo(t);
            h.executor.runAll();
            int c = connections(C);
            assertTrue(c - before <= maxMoves, "tick " + tick + ": C went from " + before + " to " + c
                    + ", more than " + maxMoves + " moves");
            assertTrue(connections(A) + connections(B) + c <= MAX, "invariant 1");
            before = c;
        }
        // Scores about 0.95, 0.95 and 1.0 (useOnce's passing claims count as successes): epsilon-greedy(0.1)
        // shares 1/30, 1/30, 28/30 of 20 connections, 18.7 to C; the largest remainder gives C 19, one to A.
        assertTrue(connections(C) >= 18, "C holds most connections: " + h.pool.stats().backends());
        assertTrue(connections(A) + connections(B) >= 1, "one explorer is left: " + h.pool.stats().backends());
        // With no uses, every outcome leaves the 20 s window, every score is 1.0 again (no outcomes), and the
        // shares even out: a backend starved by its score is tried again.
        for (int tick = 0; tick < 30; tick++) {
            t = t.plus(TICK);
            h.advanceTo(t);
            h.executor.runAll();
        }
        assertTrue(connections(A) >= 6 && connections(B) >= 6, "even again once the outcomes decayed: "
                + h.pool.stats().backends());
    }

    @Test
    void aBackendOfWeightZeroGetsNoShareWhileAnotherHasWeight() {
        h.executor.inline();
        Backend zero = new Backend("zero.test", 5432, 0, 0, java.util.Map.of());
        Backend one = new Backend("one.test", 5432, 1, 0, java.util.Map.of());
        Backend two = new Backend("two.test", 5432, 1, 0, java.util.Map.of());
        var pool = h.startAndSettle(h.builder(zero, one, two).maxConnections(6)
                .hostSelection(HostSelection.epsilonGreedy(0.1)));
        assertEquals(0, pool.stats().backend(zero.key()).orElseThrow().open(), pool.stats().backends().toString());
        assertEquals(6, pool.stats().idle());
    }

    @Test
    void roundRobinIgnoresScores() {
        start(HostSelection.roundRobin());
        int c0 = connections(C);
        outcomes();
        h.advanceTo(h.sinceStart().plus(TICK.multipliedBy(5)));
        h.executor.runAll();
        assertEquals(c0, connections(C), "round-robin's shares do not follow scores");
    }
}
