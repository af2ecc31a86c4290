package io.cueball;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A backend that dies in a pool with more live backends than connections gets no monitor slot; its retry gives it
 * the benefit of the doubt, so it is connected again once it is back (found by review: it stayed DEAD for good, and
 * with subsetting the fleet's balance with it).
 */
class FleetRecoveryTest {
    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void tearDown() {
        h.close();
    }

    @ParameterizedTest(name = "subsetting {0}")
    @ValueSource(booleans = {false, true})
    void aRestartedBackendIsConnectedAgain(boolean subsetting) {
        List<Backend> all = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            all.add(Backend.of("b" + i + ".test", 5432));
        }
        h.executor.inline();
        var builder = h.builder(all.toArray(new Backend[0])).maxConnections(10);
        if (subsetting) {
            builder.subsetting(2, 5);
        }
        var pool = h.startAndSettle(builder);
        Backend x = pool.stats().backends().stream().filter(s -> s.open() > 0).findFirst().orElseThrow().backend();
        h.factory.failAlways(x);
        h.factory.open(x).forEach(c -> c.broken = true);
        for (int i = 0; i < 30; i++) {
            pool.claim(Duration.ofSeconds(1)).close(); // x's broken connection is discarded on release
        }
        for (int s = 0; s < 60; s++) {
            h.advanceTo(h.sinceStart().plus(Duration.ofSeconds(1)));
        }
        assertEquals(0, h.stats(x).open(), "x is down: " + h.stats(x));
        h.factory.succeed(x);
        for (int s = 0; s < 120; s++) { // the backoff reaches 30 s: two minutes cover a retry
            h.advanceTo(h.sinceStart().plus(Duration.ofSeconds(1)));
        }
        BackendStats back = h.stats(x);
        assertEquals(BackendStatus.LIVE, back.status(), "x is back: " + back);
        assertEquals(1, back.open(), "and holds its connection again: " + back);
        assertEquals(10, pool.stats().idle(), "the pool is whole");
    }
}
