package io.cueball;

import static io.cueball.EngineHarness.A;
import static io.cueball.EngineHarness.B;
import static io.cueball.EngineHarness.REBALANCE_DELAY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A failed connect is retried exactly at the backoff policy's delay: initial, doubling, capped. */
class ConnectBackoffTest {
    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void tearDown() {
        h.close();
    }

    /** The gaps between successive connect attempts to {@code b}, in milliseconds. */
    private List<Long> gapsMillis(Backend b) {
        List<Long> times = h.factory.attemptTimes(b);
        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i < times.size(); i++) {
            gaps.add(Duration.ofNanos(times.get(i) - times.get(i - 1)).toMillis());
        }
        return gaps;
    }

    @Test
    void retriesComeAtTheInitialDelayThenDoublingUpToTheCap() {
        h.factory.failAlways(A);
        h.executor.inline(); // each connect runs at the instant it is started
        var pool = h.start(h.builder(A).maxConnections(1).deadAfterFailures(100)
                .backoff(new BackoffPolicy(Duration.ofMillis(100), Duration.ofMillis(800), 0)));

        h.advanceTo(Duration.ofSeconds(5));

        List<Long> times = h.factory.attemptTimes(A);
        assertEquals(h.t0 + REBALANCE_DELAY.toNanos(), times.get(0), "the first attempt at the first rebalance");
        assertEquals(List.of(100L, 200L, 400L, 800L, 800L, 800L), gapsMillis(A).subList(0, 6));
        // And exactly these: no attempt in between (an exact gap list also means none was duplicated).
        assertTrue(gapsMillis(A).stream().allMatch(g -> g == 100 || g == 200 || g == 400 || g == 800),
                gapsMillis(A).toString());
        assertEquals(times.size(), h.stats(A).connectsFailed());
        assertEquals(times.size(), h.stats(A).consecutiveFailures());
        assertEquals(0, pool.stats().total());
    }

    @Test
    void nothingIsAttemptedBeforeTheDelayAndTheRetryStartsExactlyAtIt() {
        h.factory.failNext(A, 2);
        var pool = h.start(h.builder(A).maxConnections(1));
        h.clock.advance(REBALANCE_DELAY);
        assertEquals(1, h.executor.runAll(), "the first connect");
        long failedAt = h.clock.nanoTime();
        assertEquals(1, h.stats(A).consecutiveFailures());
        assertEquals(Duration.ofMillis(100), h.clock.untilNextTask(), "the retry is the next timer");

        h.clock.advanceNanos(Duration.ofMillis(100).toNanos() - 1);
        assertEquals(0, h.executor.pending(), "no connect at 100 ms - 1 ns");
        assertEquals(0, pool.stats().connecting());
        h.clock.advanceNanos(1);
        assertEquals(1, h.executor.pending(), "the retry at exactly 100 ms");
        assertEquals(1, pool.stats().connecting());
        h.executor.runAll();
        assertEquals(2, h.stats(A).consecutiveFailures());

        h.clock.advanceNanos(Duration.ofMillis(200).toNanos() - 1);
        assertEquals(0, h.executor.pending(), "the second delay doubles: nothing at 200 ms - 1 ns");
        h.clock.advanceNanos(1);
        h.executor.runAll();
        assertEquals(Duration.ofMillis(300).toNanos(), h.clock.nanoTime() - failedAt);

        // The third attempt succeeds: the connection opens, the failure count resets, no retry is left armed.
        assertEquals(1, h.stats(A).open());
        assertEquals(0, h.stats(A).consecutiveFailures());
        assertEquals(3, h.factory.attemptTimes(A).size());
        h.clock.advance(Duration.ofSeconds(10));
        assertEquals(3, h.factory.attemptTimes(A).size(), "no attempt after the success");
    }

    @Test
    void aSuccessResetsTheBackoffSoTheNextFailureWaitsTheInitialDelayAgain() {
        h.factory.failNext(A, 3);
        h.executor.inline();
        var pool = h.start(h.builder(A).maxConnections(1).deadAfterFailures(100)
                .healthCheckInterval(Duration.ofSeconds(1)));
        h.advanceTo(Duration.ofMillis(1500)); // attempts at 0.1 (fails), 0.2 (fails), 0.4 (fails), 0.8 s (opens)
        assertEquals(List.of(100L, 200L, 400L), gapsMillis(A));
        assertEquals(0, h.stats(A).consecutiveFailures());
        MemoryConnection first = h.factory.open(A).get(0);

        // The connection goes bad (a health check failure is not held against the backend) and the first
        // connect of its replacement fails: that is failure one of a new run, retried after 100 ms, not 1.6 s.
        first.healthy = false;
        h.factory.failNext(A, 1);
        h.advanceTo(Duration.ofSeconds(3));

        assertEquals(List.of(h.t0 + Duration.ofSeconds(2).toNanos()), first.healthChecks,
                "checked at the first tick after a whole interval idle");
        assertEquals(1, first.closes());
        List<Long> times = h.factory.attemptTimes(A);
        assertEquals(6, times.size());
        assertEquals(h.t0 + Duration.ofSeconds(2).toNanos(), times.get(4), "the replacement right away");
        assertEquals(h.t0 + Duration.ofMillis(2100).toNanos(), times.get(5), "its retry after the initial delay");
        assertEquals(1, h.stats(A).open());
        assertEquals(0, h.stats(A).consecutiveFailures());
        assertEquals(PoolState.RUNNING, pool.state());
    }

    @Test
    void jitterSpreadsEachDelayWithinItsBoundsAndIsReproducibleForASeed() {
        List<Long> first = jitteredGaps();
        List<Long> second = jitteredGaps();
        assertEquals(first, second, "the same seed gives the same retry instants");
        long[] base = {100, 200, 400, 800, 1600};
        for (int i = 0; i < base.length; i++) {
            long gap = first.get(i);
            assertTrue(gap >= base[i] * 8 / 10 && gap <= base[i] * 12 / 10,
                    "gap " + i + " = " + gap + " ms, expected " + base[i] + " ms ± 20 %");
        }
        assertNotEquals(List.of(100L, 200L, 400L, 800L, 1600L), first.subList(0, 5), "jitter moved the instants");
    }

    private List<Long> jitteredGaps() {
        try (EngineHarness j = new EngineHarness()) {
            j.factory.failAlways(B);
            j.executor.inline();
            j.start(j.builder(B).maxConnections(1).deadAfterFailures(100).random(new Random(7))
                    .backoff(new BackoffPolicy(Duration.ofMillis(100), Duration.ofSeconds(30), 0.2)));
            j.advanceTo(Duration.ofSeconds(10));
            List<Long> times = j.factory.attemptTimes(B);
            List<Long> gaps = new ArrayList<>();
            for (int i = 1; i < times.size(); i++) {
                gaps.add(Duration.ofNanos(times.get(i) - times.get(i - 1)).toMillis());
            }
            return gaps;
        }
    }
}
