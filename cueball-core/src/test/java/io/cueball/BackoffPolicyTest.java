package io.cueball;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffPolicyTest {

    @Test
    void doublesFromInitialUpToTheCap() {
        BackoffPolicy p = new BackoffPolicy(Duration.ofMillis(100), Duration.ofSeconds(1), 0);
        Random r = new Random(1);
        assertEquals(100, Duration.ofNanos(p.delayNanos(1, r)).toMillis());
        assertEquals(200, Duration.ofNanos(p.delayNanos(2, r)).toMillis());
        assertEquals(400, Duration.ofNanos(p.delayNanos(3, r)).toMillis());
        assertEquals(800, Duration.ofNanos(p.delayNanos(4, r)).toMillis());
        assertEquals(1000, Duration.ofNanos(p.delayNanos(5, r)).toMillis());
        assertEquals(1000, Duration.ofNanos(p.delayNanos(Integer.MAX_VALUE, r)).toMillis(), "no overflow");
    }

    @Test
    void jitterStaysWithinItsSpreadAndVaries() {
        BackoffPolicy p = BackoffPolicy.DEFAULT;
        Random r = new Random(42);
        long min = Long.MAX_VALUE;
        long max = 0;
        for (int i = 0; i < 1_000; i++) {
            long d = p.delayNanos(1, r);
            min = Math.min(min, d);
            max = Math.max(max, d);
        }
        assertTrue(min >= Duration.ofMillis(80).toNanos(), "at most 20 % below: " + min);
        assertTrue(max <= Duration.ofMillis(120).toNanos(), "at most 20 % above: " + max);
        assertTrue(max - min > Duration.ofMillis(30).toNanos(), "spread out, not constant");
    }

    @Test
    void rejectsBadValuesByName() {
        var initial = assertThrows(IllegalArgumentException.class,
                () -> new BackoffPolicy(Duration.ZERO, Duration.ofSeconds(1), 0.2));
        assertEquals("backoff initial: PT0S (expected: > 0)", initial.getMessage());
        var max = assertThrows(IllegalArgumentException.class,
                () -> new BackoffPolicy(Duration.ofSeconds(2), Duration.ofSeconds(1), 0.2));
        assertTrue(max.getMessage().startsWith("backoff max: PT1S"), max.getMessage());
        var jitter = assertThrows(IllegalArgumentException.class,
                () -> new BackoffPolicy(Duration.ofSeconds(1), Duration.ofSeconds(1), 1.5));
        assertEquals("backoff jitter: 1.5 (expected: 0..1)", jitter.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new BackoffPolicy(Duration.ofSeconds(1), Duration.ofSeconds(1), Double.NaN));
    }
}
