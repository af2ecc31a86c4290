package io.cueball;

import static io.cueball.EngineHarness.A;
import static io.cueball.EngineHarness.B;
import static io.cueball.EngineHarness.C;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** CHOICE: a strategy other than round-robin chooses the backend of every claim among those with idle connections. */
class ClaimChoiceTest {
    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void tearDown() {
        h.close();
    }

    private ConnectionPool<MemoryConnection> start(HostSelection selection, int max) {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A, B, C).maxConnections(max).hostSelection(selection)
                .scoreDecay(Duration.ofSeconds(20)).maxEjectionPercent(0));
        assertEquals(max, pool.stats().idle());
        return pool;
    }

    /** Claims and closes {@code n} times, one at a time; counts the claims per backend host. */
    private Map<String, Integer> claims(int n) {
        Map<String, Integer> count = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            var claim = h.pool.tryClaim().orElseThrow();
            count.merge(claim.backend().host(), 1, Integer::sum);
            claim.close();
        }
        return count;
    }

    @Test
    void epsilonGreedyWithoutExplorationServesEveryClaimFromTheBestBackend() {
        var pool = start(HostSelection.epsilonGreedy(0), 9);
        // A and B fail every use, C serves every use: scores 0, 0 and 1 (no ejection: maxEjectionPercent 0).
        for (int i = 0; i < 60; i++) {
            var claim = pool.tryClaim().orElseThrow();
            if (claim.backend().equals(C)) {
                claim.close();
            } else {
                claim.fail(new IOException("use failed"));
            }
        }
        assertTrue(h.stats(A).score() < 0.5 && h.stats(B).score() < 0.5, pool.stats().backends().toString());
        assertEquals(Map.of("c.test", 200), claims(200), "with C idle, every claim goes to the best score");
    }

    @Test
    void softmaxOfEqualScoresChoosesUniformly() {
        start(HostSelection.softmax(1e-9), 9); // all scores 1.0: softmax of equal scores is uniform
        Map<String, Integer> uniform = claims(3000);
        for (int c : uniform.values()) {
            assertEquals(1000, c, 100, "equal scores, equal chances: " + uniform);
        }
    }

    @Test
    void leastInUseAvoidsTheBackendWhoseConnectionsAreClaimed() {
        var pool = start(HostSelection.leastInUse(), 9);
        // Hold two of A's three connections: A has 2 in use, B and C none.
        List<Claim<MemoryConnection>> held = new ArrayList<>();
        List<Claim<MemoryConnection>> others = new ArrayList<>();
        while (held.size() < 2) {
            var c = pool.tryClaim().orElseThrow();
            (c.backend().equals(A) ? held : others).add(c);
        }
        others.forEach(Claim::close);
        Map<String, Integer> count = claims(3000);
        // Two at random of {A, B, C}: A wins only against nobody; pairs with A go to B or C.
        assertEquals(null, count.get("a.test"), "A has the most in use and never wins a pair: " + count);
        held.forEach(Claim::close);
    }
}
