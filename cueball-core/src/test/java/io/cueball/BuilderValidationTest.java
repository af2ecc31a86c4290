package io.cueball;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class BuilderValidationTest {

    /** A resolver that reports nothing; these tests never get as far as starting it. */
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
                bad("maxConnections: 0 (expected: >= 1)", b -> b.maxConnections(0)),
                bad("maxConnections: -5 (expected: >= 1)", b -> b.maxConnections(-5)),
                bad("spares: 11 (expected: 0..10, at most maxConnections)", b -> b.spares(11)),
                bad("spares: -1 (expected: 0..4, at most maxConnections)", b -> b.maxConnections(4).spares(-1)),
                bad("claimTimeout: PT-1S (expected: >= 0)", b -> b.claimTimeout(Duration.ofSeconds(-1))),
                bad("rebalanceDelay: PT-0.001S (expected: >= 0)", b -> b.rebalanceDelay(Duration.ofMillis(-1))),
                bad("decoherenceInterval: PT0S (expected: > 0)", b -> b.decoherenceInterval(Duration.ZERO)),
                bad("healthCheckInterval: PT0S (expected: > 0)", b -> b.healthCheckInterval(Duration.ZERO)),
                bad("idleTimeout: PT-1M (expected: > 0)", b -> b.idleTimeout(Duration.ofMinutes(-1))),
                bad("maxLifetime: PT-1S (expected: >= 0)", b -> b.maxLifetime(Duration.ofSeconds(-1))),
                bad("connectTimeout: PT0S (expected: > 0)", b -> b.connectTimeout(Duration.ZERO)),
                bad("closeTimeout: PT-1S (expected: >= 0)", b -> b.closeTimeout(Duration.ofSeconds(-1))),
                bad("deadAfterFailures: 0 (expected: >= 1)", b -> b.deadAfterFailures(0)),
                bad("threadAffinity: -1 (expected: 0..1000000)", b -> b.threadAffinity(-1)),
                bad("threadAffinity: 1000001 (expected: 0..1000000)", b -> b.threadAffinity(1_000_001)),
                bad("scoreDecay: PT0.019S (expected: >= PT0.02S)", b -> b.scoreDecay(Duration.ofMillis(19))),
                bad("maxEjectionPercent: -1 (expected: 0..100)", b -> b.maxEjectionPercent(-1)),
                bad("maxEjectionPercent: 101 (expected: 0..100)", b -> b.maxEjectionPercent(101)),
                bad("ejectionFailureRate: 0.0 (expected: > 0 and <= 1)", b -> b.ejectionFailureRate(0)),
                bad("ejectionFailureRate: 1.01 (expected: > 0 and <= 1)", b -> b.ejectionFailureRate(1.01)),
                bad("ejectionFailureRate: NaN (expected: > 0 and <= 1)", b -> b.ejectionFailureRate(Double.NaN)),
                bad("ejectionMinOutcomes: 0 (expected: >= 1)", b -> b.ejectionMinOutcomes(0)),
                bad("baseEjectionTime: PT0S (expected: > 0)", b -> b.baseEjectionTime(Duration.ZERO)),
                bad("maxEjectionTime: PT-1S (expected: > 0)", b -> b.maxEjectionTime(Duration.ofSeconds(-1))));
    }

    private static Arguments bad(String message, UnaryOperator<ConnectionPool.Builder<Connection>> setter) {
        return Arguments.of(message, setter);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badOptions")
    void badOptionFailsAtBuildNamingOptionValueAndRange(String message,
            UnaryOperator<ConnectionPool.Builder<Connection>> setter) {
        NoResolver resolver = new NoResolver();
        var builder = setter.apply(ConnectionPool.builder(resolver, NEVER).name("p"));
        var e = assertThrows(IllegalArgumentException.class, builder::build);
        assertEquals("pool 'p': " + message, e.getMessage());
        assertFalse(resolver.started, "a pool that fails validation starts nothing");
    }

    @Test
    void severalBadOptionsAreAllReported() {
        var e = assertThrows(IllegalArgumentException.class, () -> ConnectionPool.builder(new NoResolver(), NEVER)
                .name("p").maxConnections(0).deadAfterFailures(0).build());
        assertTrue(e.getMessage().contains("maxConnections: 0"), e.getMessage());
        assertTrue(e.getMessage().contains("deadAfterFailures: 0"), e.getMessage());
    }

    @Test
    void nullResolverOrFactoryIsRefused() {
        var r = assertThrows(NullPointerException.class, () -> ConnectionPool.builder(null, NEVER).build());
        assertEquals("resolver must not be null", r.getMessage());
        var f = assertThrows(NullPointerException.class,
                () -> ConnectionPool.<Connection>builder(new NoResolver(), null).build());
        assertEquals("connection factory must not be null", f.getMessage());
    }

    @Test
    void nullOptionIsRefusedByName() {
        var e = assertThrows(NullPointerException.class,
                () -> ConnectionPool.builder(new NoResolver(), NEVER).claimTimeout(null).build());
        assertEquals("claimTimeout must not be null", e.getMessage());
        var b = assertThrows(NullPointerException.class,
                () -> ConnectionPool.builder(new NoResolver(), NEVER).backoff(null).build());
        assertEquals("backoff must not be null", b.getMessage());
    }

    @Test
    void badNameIsRefused() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> ConnectionPool.builder(new NoResolver(), NEVER).name("my pool!").build());
        assertEquals("name: 'my pool!' (expected: 1 to 64 characters of A-Z a-z 0-9 . _ -)", e.getMessage());
    }

    @Test
    void defaultsAreTheDocumentedConstants() {
        PoolOptions o = ConnectionPool.builder(new NoResolver(), NEVER).options();
        assertEquals(PoolOptions.DEFAULT_MAX_CONNECTIONS, o.maxConnections());
        assertEquals(o.maxConnections(), o.spares(), "spares default to maxConnections: a fixed-size pool");
        assertEquals(Duration.ofSeconds(30), o.claimTimeout());
        assertEquals(Duration.ofMillis(100), o.rebalanceDelay());
        assertEquals(Duration.ofMinutes(5), o.decoherenceInterval());
        assertEquals(Duration.ofSeconds(30), o.healthCheckInterval());
        assertEquals(Duration.ZERO, o.maxLifetime());
        assertEquals(Duration.ofSeconds(10), o.connectTimeout());
        assertEquals(BackoffPolicy.DEFAULT, o.backoff());
        assertEquals(3, o.deadAfterFailures());
        assertFalse(o.failFastWhenEmpty());
        assertEquals(Duration.ofSeconds(30), o.closeTimeout());
        assertEquals(64, o.threadAffinity());
        assertEquals(Duration.ofMinutes(1), o.scoreDecay());
        assertEquals(50, o.maxEjectionPercent());
        assertEquals(0.85, o.ejectionFailureRate());
        assertEquals(10, o.ejectionMinOutcomes());
        assertEquals(Duration.ofSeconds(30), o.baseEjectionTime());
        assertEquals(Duration.ofMinutes(5), o.maxEjectionTime());
        assertTrue(o.name().matches("pool-\\d+"), o.name());
    }

    @Test
    void threadAffinityTakesLongRunsUpToItsMaximum() {
        // database pools want runs of 10 000 and more (CueballDataSource's advice)
        assertEquals(PoolOptions.MAX_THREAD_AFFINITY, ConnectionPool.builder(new NoResolver(), NEVER)
                .threadAffinity(PoolOptions.MAX_THREAD_AFFINITY).options().threadAffinity());
        assertEquals(10_000, ConnectionPool.builder(new NoResolver(), NEVER).threadAffinity(10_000).options()
                .threadAffinity());
    }

    @Test
    void sparesFollowMaxConnectionsUnlessSet() {
        assertEquals(25, ConnectionPool.builder(new NoResolver(), NEVER).maxConnections(25).options().spares());
        assertEquals(3, ConnectionPool.builder(new NoResolver(), NEVER).maxConnections(25).spares(3).options()
                .spares());
    }
}
