package io.cueball;

import static io.cueball.EngineHarness.A;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The options issue #15 added (leakDetectionThreshold, maxWaiters, targetClaimDelay): bad values fail at build()
 * naming the option, the value and what was expected, before anything starts; a null is refused by name; the
 * defaults are the documented constants; and values too long to matter (a "forever") are taken as such rather than
 * overflowing.
 */
class OperabilityOptionsTest {
    /** Far longer than anything could wait, and more nanoseconds than a long holds. */
    private static final Duration FOREVER = Duration.ofSeconds(Long.MAX_VALUE);

    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void tearDown() {
        h.close();
    }

    /** A resolver that reports nothing and records whether it was started. */
    private static final class NoResolver implements Resolver {
        boolean started;

        @Override
        public void start(ResolverListener listener) {
            started = true;
        }

        @Override
        public void close() {
        }
    }

    private static final ConnectionFactory<Connection> NEVER = b -> {
        throw new AssertionError("no connection expected");
    };

    static Stream<Arguments> badOptions() {
        return Stream.of(
                bad("leakDetectionThreshold: PT-1S (expected: >= 0)",
                        b -> b.leakDetectionThreshold(Duration.ofSeconds(-1))),
                bad("leakDetectionThreshold: PT-0.000000001S (expected: >= 0)",
                        b -> b.leakDetectionThreshold(Duration.ofNanos(-1))),
                bad("maxWaiters: -1 (expected: >= 0; Integer.MAX_VALUE for unbounded)", b -> b.maxWaiters(-1)),
                bad("maxWaiters: -2147483648 (expected: >= 0; Integer.MAX_VALUE for unbounded)",
                        b -> b.maxWaiters(Integer.MIN_VALUE)),
                bad("targetClaimDelay: PT-0.001S (expected: >= 0)", b -> b.targetClaimDelay(Duration.ofMillis(-1))),
                bad("targetClaimDelay: PT-2562047H-47M-16.854775808S (expected: >= 0)",
                        b -> b.targetClaimDelay(Duration.ofNanos(Long.MIN_VALUE))));
    }

    private static Arguments bad(String message, UnaryOperator<ConnectionPool.Builder<Connection>> setter) {
        return Arguments.of(message, setter);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badOptions")
    void aBadValueFailsAtBuildNamingTheOptionTheValueAndTheRange(String message,
            UnaryOperator<ConnectionPool.Builder<Connection>> setter) {
        NoResolver resolver = new NoResolver();
        var builder = setter.apply(ConnectionPool.builder(resolver, NEVER).name("p"));
        var e = assertThrows(IllegalArgumentException.class, builder::build);
        assertEquals("pool 'p': " + message, e.getMessage());
        assertFalse(resolver.started, "a pool that fails validation starts nothing");
    }

    @Test
    void allThreeBadAtOnceAreAllReported() {
        var e = assertThrows(IllegalArgumentException.class, () -> ConnectionPool.builder(new NoResolver(), NEVER)
                .name("p").leakDetectionThreshold(Duration.ofSeconds(-1)).maxWaiters(-1)
                .targetClaimDelay(Duration.ofSeconds(-1)).build());
        assertTrue(e.getMessage().contains("leakDetectionThreshold: PT-1S"), e.getMessage());
        assertTrue(e.getMessage().contains("maxWaiters: -1"), e.getMessage());
        assertTrue(e.getMessage().contains("targetClaimDelay: PT-1S"), e.getMessage());
    }

    @Test
    void aNullDurationIsRefusedByName() {
        var leak = assertThrows(NullPointerException.class,
                () -> ConnectionPool.builder(new NoResolver(), NEVER).leakDetectionThreshold(null).build());
        assertEquals("leakDetectionThreshold must not be null", leak.getMessage());
        var codel = assertThrows(NullPointerException.class,
                () -> ConnectionPool.builder(new NoResolver(), NEVER).targetClaimDelay(null).build());
        assertEquals("targetClaimDelay must not be null", codel.getMessage());
    }

    @Test
    void theDefaultsAreTheDocumentedConstantsAllOff() {
        PoolOptions o = ConnectionPool.builder(new NoResolver(), NEVER).options();
        assertEquals(PoolOptions.DEFAULT_LEAK_DETECTION_THRESHOLD, o.leakDetectionThreshold());
        assertEquals(Duration.ZERO, o.leakDetectionThreshold(), "leak detection off");
        assertEquals(PoolOptions.DEFAULT_MAX_WAITERS, o.maxWaiters());
        assertEquals(Integer.MAX_VALUE, o.maxWaiters(), "unbounded");
        assertEquals(PoolOptions.DEFAULT_TARGET_CLAIM_DELAY, o.targetClaimDelay());
        assertEquals(Duration.ZERO, o.targetClaimDelay(), "no delay control");
        assertFalse(o.registerMbeans());
        assertTrue(o.toString().contains("maxWaiters=unbounded"), o.toString());
    }

    @Test
    void zeroAndTheExtremesThatAreValidBuild() {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A).maxConnections(1).maxWaiters(0)
                .leakDetectionThreshold(Duration.ofNanos(1)).targetClaimDelay(Duration.ofNanos(1)));
        assertEquals(0, pool.options().maxWaiters());
        pool.claim(Duration.ofSeconds(1)).close();
    }

    @Test
    void aLeakDetectionThresholdOfForeverBuildsAndIsTakenAsForever() {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A).maxConnections(1).leakDetectionThreshold(FOREVER));
        assertTrue(pool.engine().leakThreshold >= Long.MAX_VALUE / 2, "saturated, not overflowed");
        try (Claim<MemoryConnection> c = pool.claim(Duration.ofSeconds(1))) {
            h.clock.advance(Duration.ofMinutes(1)); // housekeeping runs; the leak scan is never due
            assertEquals(A, c.backend());
        }
    }

    @Test
    void aTargetClaimDelayOfCenturiesLetsAWaitingClaimWaitItsWholeTimeout() {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A).maxConnections(1).targetClaimDelay(Duration.ofDays(365 * 100)));
        try (Claim<MemoryConnection> held = pool.claim(Duration.ofSeconds(1))) {
            long start = System.nanoTime();
            var e = assertThrows(ClaimTimeoutException.class, () -> pool.claim(Duration.ofMillis(200)));
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(waitedMs >= 200, "waited its timeout, not cut short by the delay control's bound: "
                    + waitedMs + " ms; " + e.getMessage());
        }
    }
}
