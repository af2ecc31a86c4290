package io.cueball;

import static io.cueball.EngineHarness.A;
import static io.cueball.EngineHarness.B;
import static io.cueball.EngineHarness.C;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Every decoherenceInterval the idle queue is shuffled with the pool's seeded random, and not in between. */
class DecoherenceTest {
    private static final Duration INTERVAL = Duration.ofSeconds(10);

    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void tearDown() {
        h.close();
    }

    /** Claim orders observed just before and at each of the first three intervals. */
    private static List<List<String>> observe(EngineHarness h) {
        h.executor.inline();
        // threadAffinity 0: claims take the oldest idle connection, so the claim order is the queue's order.
        h.startAndSettle(h.builder(A, B, C).maxConnections(6).threadAffinity(0).decoherenceInterval(INTERVAL)
                .healthCheckInterval(Duration.ofHours(1)));
        List<List<String>> orders = new ArrayList<>();
        orders.add(h.claimOrder());
        for (int i = 1; i <= 3; i++) {
            h.advanceTo(INTERVAL.multipliedBy(i).minusNanos(1));
            orders.add(h.claimOrder());
            h.advanceTo(INTERVAL.multipliedBy(i));
            orders.add(h.claimOrder());
        }
        return orders;
    }

    @Test
    void theIdleQueueIsReshuffledAtEachIntervalAndNotBefore() {
        List<List<String>> orders = observe(h);
        // Opened in backend order, two each, and served oldest first.
        assertEquals(List.of("a.test", "a.test", "b.test", "b.test", "c.test", "c.test"), orders.get(0));
        assertEquals(orders.get(0), orders.get(1), "no shuffle at interval - 1 ns");
        assertNotEquals(orders.get(1), orders.get(2), "shuffled at the interval");
        assertEquals(orders.get(2), orders.get(3), "and left alone until the next one");
        assertNotEquals(orders.get(3), orders.get(4), "shuffled again at twice the interval");
        assertEquals(orders.get(4), orders.get(5));
        assertNotEquals(orders.get(5), orders.get(6), "and at three times");
        orders.forEach(o -> assertEquals(6, o.size(), "a shuffle neither loses nor adds a connection"));
    }

    @Test
    void theShuffleIsTheSameForTheSameSeed() {
        List<List<String>> first = observe(h);
        try (EngineHarness again = new EngineHarness()) {
            assertEquals(first, observe(again));
        }
    }
}
