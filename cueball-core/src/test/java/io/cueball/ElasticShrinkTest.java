package io.cueball;

import static io.cueball.EngineHarness.A;
import static io.cueball.EngineHarness.B;
import static io.cueball.EngineHarness.C;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An elastic pool that went idle shrinks back to its spares with the default healthCheckInterval, under every
 * strategy (found by review: the low-water mark was reset while the health checks had the idle connections out of
 * the queue, so it never shrank).
 */
class ElasticShrinkTest {
    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void tearDown() {
        h.close();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"round-robin", "epsilon-greedy:0.1", "least-in-use"})
    void anIdlePoolShrinksToItsSpares(String strategy) {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A, B, C).maxConnections(6).spares(2)
                .hostSelection(HostSelection.parse(strategy)));
        List<Claim<MemoryConnection>> held = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            held.add(pool.claim(Duration.ofSeconds(1)));
        }
        held.forEach(Claim::close);
        assertEquals(6, pool.stats().idle());
        for (int i = 0; i < 6; i++) { // idleTimeout is 10 min: three windows are plenty
            h.advanceTo(h.sinceStart().plus(Duration.ofMinutes(10)));
            h.executor.runAll();
        }
        assertEquals(2, pool.stats().idle() + pool.stats().claimed(), "shrunk to spares: " + pool.stats());
    }
}
