package io.cueball;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Each strategy's choices under a seeded random, and its shares, against what its definition says. */
class HostSelectionTest {
    private static final double[] SCORES = {0.1, 0.1, 0.9};
    private static final int[] WEIGHTS = {1, 2, 7};
    private static final int[] IN_USE = {5, 0, 3};
    private static final int TRIALS = 100_000;

    /** How often each candidate is chosen, as a fraction, over TRIALS seeded choices. */
    private static double[] frequencies(HostSelection s) {
        SplittableRandom random = new SplittableRandom(42);
        int[] count = new int[3];
        for (int t = 0; t < TRIALS; t++) {
            count[s.choose(SCORES, WEIGHTS, IN_USE, 3, t, random)]++;
        }
        double[] f = new double[3];
        for (int i = 0; i < 3; i++) {
            f[i] = (double) count[i] / TRIALS;
        }
        return f;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        // strategy,          expected share of candidates 0, 1, 2 (scores 0.1 0.1 0.9, weights 1 2 7)
        "round-robin,         0.1,    0.2,    0.7",
        "weighted,            0.1,    0.2,    0.7",
        "epsilon-greedy:0.1,  0.0333, 0.0333, 0.9333",
        "epsilon-greedy:0.9,  0.3,    0.3,    0.4",
        // exp(0.1/τ) : exp(0.1/τ) : exp(0.9/τ) = 1 : 1 : exp(0.8/τ); τ 0.2: e^4 = 54.6; τ 10: e^0.08 = 1.083
        "softmax:0.2,         0.0177, 0.0177, 0.9647",
        "softmax:10,          0.3243, 0.3243, 0.3513",
    })
    void choicesFollowTheStrategysDistributionAndItsShares(String strategy, double s0, double s1, double s2) {
        HostSelection s = HostSelection.parse(strategy);
        double[] expected = {s0, s1, s2};
        double[] chosen = frequencies(s);
        double[] shares = new double[3];
        s.shares(SCORES, WEIGHTS, 3, shares);
        for (int i = 0; i < 3; i++) {
            assertEquals(expected[i], chosen[i], 0.006, strategy + ": candidate " + i + " chosen");
            assertEquals(expected[i], shares[i], 0.0005, strategy + ": candidate " + i + " share");
        }
    }

    @Test
    void roundRobinTakesTurns() {
        HostSelection rr = HostSelection.roundRobin();
        SplittableRandom random = new SplittableRandom(1);
        int[] equal = {0, 0, 0};
        for (int t = 0; t < 9; t++) {
            assertEquals(t % 3, rr.choose(SCORES, equal, IN_USE, 3, t, random));
        }
    }

    @Test
    void leastInUsePicksTheLessLoadedOfTwo() {
        // Of two distinct candidates at random: {0,1} -> 1, {0,2} -> 2, {1,2} -> 1; each pair equally likely.
        double[] f = frequencies(HostSelection.leastInUse());
        assertEquals(0, f[0], 0.0, "the busiest is never the less loaded of two");
        assertEquals(2.0 / 3, f[1], 0.006);
        assertEquals(1.0 / 3, f[2], 0.006);
        double[] shares = new double[3];
        HostSelection.leastInUse().shares(SCORES, new int[] {0, 0, 0}, 3, shares);
        assertEquals(1.0 / 3, shares[0], 1e-12, "least-in-use follows load per claim, shares stay even");
    }

    @Test
    void epsilonGreedyBreaksTiesAtRandom() {
        double[] tied = {0.8, 0.8, 0.2};
        SplittableRandom random = new SplittableRandom(3);
        int[] count = new int[3];
        for (int t = 0; t < 10_000; t++) {
            count[HostSelection.epsilonGreedy(0).choose(tied, WEIGHTS, IN_USE, 3, t, random)]++;
        }
        assertEquals(0, count[2]);
        assertTrue(Math.abs(count[0] - count[1]) < 400, "tied best backends share the choice: " + count[0] + " "
                + count[1]);
    }

    @Test
    void sameSeedSameChoices() {
        HostSelection s = HostSelection.softmax(0.3);
        SplittableRandom a = new SplittableRandom(7);
        SplittableRandom b = new SplittableRandom(7);
        for (int t = 0; t < 1000; t++) {
            assertEquals(s.choose(SCORES, WEIGHTS, IN_USE, 3, t, a), s.choose(SCORES, WEIGHTS, IN_USE, 3, t, b));
        }
    }

    @Test
    void badParametersNameTheValue() {
        assertEquals("epsilon: 1.5 (expected: 0 to 1)",
                assertThrows(IllegalArgumentException.class, () -> HostSelection.epsilonGreedy(1.5)).getMessage());
        assertEquals("temperature: 0.0 (expected: > 0 and finite)",
                assertThrows(IllegalArgumentException.class, () -> HostSelection.softmax(0)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> HostSelection.parse("fastest"))
                .getMessage().contains("'fastest'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> HostSelection.parse("softmax"))
                .getMessage().contains("a parameter is expected"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> HostSelection.parse("softmax:x"))
                .getMessage().contains("x is not a number"));
        assertEquals("softmax:0.2", HostSelection.parse(" SOFTMAX:0.2 ").toString());
        assertEquals(HostSelection.parse("epsilon-greedy:0.1"), HostSelection.epsilonGreedy(0.1));
    }

    @Test
    void builderRejectsBadSubsetting() {
        var b = ConnectionPool.<MemoryConnection>builder(new MemoryResolver(), backend -> null);
        String m = assertThrows(IllegalArgumentException.class, () -> b.subsetting(5, 5).options()).getMessage();
        assertTrue(m.contains("subsetting instanceId: 5 (expected: 0..4)"), m);
        m = assertThrows(IllegalArgumentException.class, () -> b.subsetting(0, 0).options()).getMessage();
        assertTrue(m.contains("subsetting instanceCount: 0 (expected: >= 1)"), m);
        assertEquals(HostSelection.roundRobin(), b.subsetting(1, 3).options().hostSelection());
    }
}
