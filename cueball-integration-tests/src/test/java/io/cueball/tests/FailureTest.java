package io.cueball.tests;

import static io.cueball.tests.Fixture.awaitSettled;
import static io.cueball.tests.Fixture.openPerLiveBackend;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.Backend;
import io.cueball.BackendStats;
import io.cueball.BackendStatus;
import io.cueball.BackoffPolicy;
import io.cueball.ConnectionPool;
import io.cueball.PoolFailedException;
import io.cueball.PoolState;
import io.cueball.conn.tcp.TcpConnection;
import io.cueball.testing.ManualClock;
import io.cueball.testing.RecordingListener.Kind;
import io.cueball.testing.TrackingFactory.Tracked;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Backoff, dead backends and the FAILED state, stepped through with a manual clock. */
class FailureTest {

    private static BackendStats stats(ConnectionPool<?> pool, Backend b) {
        return pool.stats().backend(b.key()).orElseThrow();
    }

    @Test
    void failedConnectsRetryWithCappedExponentialBackoffAndJitter() {
        ManualClock clock = new ManualClock();
        BackoffPolicy policy = new BackoffPolicy(Duration.ofMillis(100), Duration.ofSeconds(1), 0.2);
        try (Fixture f = Fixture.withServers(1)) {
            f.server(0).refuse();
            var pool = f.track(f.builder("backoff").clock(clock).maxConnections(1).backoff(policy)
                    .deadAfterFailures(100).scoreDecay(Duration.ofHours(1)).build()); // score ticks out of the way
            clock.advance(Duration.ofMillis(20));
            Random replica = new Random(Fixture.SEED); // the pool draws from its random only for jitter here,
            replica.nextLong(); // after its backend preference seed (Backends), drawn once when it is built
            long[] bases = {100, 200, 400, 800, 1000, 1000, 1000};
            for (int k = 1; k <= bases.length; k++) {
                int failures = k;
                await().atMost(5, TimeUnit.SECONDS)
                        .until(() -> stats(pool, f.backend(0)).consecutiveFailures() == failures);
                long expected = policy.delayNanos(k, replica);
                assertEquals(expected, clock.untilNextTask().toNanos(), "retry " + k + " waits the seeded delay");
                long ms = TimeUnit.NANOSECONDS.toMillis(expected);
                assertTrue(ms >= bases[k - 1] * 0.8 - 1 && ms <= bases[k - 1] * 1.2 + 1, k + ": " + ms + " ms");
                clock.advance(Duration.ofNanos(expected - 1));
                assertEquals(k, stats(pool, f.backend(0)).connectsFailed(), "no retry before the delay");
                clock.advance(Duration.ofNanos(1));
            }
            assertEquals(BackendStatus.LIVE, stats(pool, f.backend(0)).status(), "deadAfterFailures=100");
        }
    }

    @Test
    void aRefusingBackendIsMarkedDeadKeepsOneMonitorSlotAndRegainsItsShareWhenItAccepts() {
        ManualClock clock = new ManualClock();
        BackoffPolicy policy = new BackoffPolicy(Duration.ofMillis(100), Duration.ofMillis(400), 0.2);
        try (Fixture f = Fixture.withServers(3)) {
            Backend c = f.backend(2);
            f.server(2).refuse();
            var pool = f.track(f.builder("dead").clock(clock).maxConnections(9).backoff(policy)
                    .rebalanceDelay(Duration.ofMillis(100)).build());
            clock.advance(Duration.ofMillis(100));
            await().atMost(5, TimeUnit.SECONDS).until(() -> stats(pool, c).status() == BackendStatus.DEAD);
            assertEquals(3, stats(pool, c).consecutiveFailures(), "dead after deadAfterFailures=3 in a row");
            f.awaitEvents(Kind.BACKEND_DEAD, c.key(), 1);

            clock.advance(Duration.ofMillis(100)); // the rebalance the death armed
            awaitSettled(pool, 8);
            assertEquals(1, stats(pool, c).target(), "one monitor slot");
            assertEquals(4, stats(pool, f.backend(0)).open(), "its share went to the live backends");
            assertEquals(4, stats(pool, f.backend(1)).open());

            // The monitor: one connect at a time, one per backoff period, never more. Each round steps from timer
            // to timer until the monitor's retry (320..480 ms away) starts a connect, so each holds exactly one.
            for (int round = 1; round <= 4; round++) {
                long failedBefore = stats(pool, c).connectsFailed();
                Duration untilRetry = stepToTheNextConnect(clock, pool, c);
                assertTrue(untilRetry.toMillis() <= 480, "retrying at the capped delay: " + untilRetry);
                await().atMost(5, TimeUnit.SECONDS).until(() -> stats(pool, c).connecting() == 0
                        && stats(pool, c).connectsFailed() == failedBefore + 1);
                assertEquals(BackendStatus.DEAD, stats(pool, c).status());
            }

            f.server(2).resume();
            stepToTheNextConnect(clock, pool, c);
            await().atMost(5, TimeUnit.SECONDS).until(() -> stats(pool, c).status() == BackendStatus.LIVE);
            await().atMost(5, TimeUnit.SECONDS).until(() -> f.events.count(Kind.BACKEND_ALIVE, c.key()) == 1);
            clock.advance(Duration.ofMillis(100)); // the rebalance the revival armed
            awaitSettled(pool, 9);
            await().atMost(5, TimeUnit.SECONDS).until(() -> openPerLiveBackend(pool).values().stream()
                    .allMatch(n -> n == 3));
            await().atMost(5, TimeUnit.SECONDS).until(() -> f.server(2).openConnections() == 3); // its share
        }
    }

    /**
     * Advances the clock timer by timer until one starts a connect to {@code b}: the pool's other timers (the
     * housekeeper's STAMPS pass runs for a second after connections arrive) may come first.
     *
     * @return how far the clock moved
     */
    private static Duration stepToTheNextConnect(ManualClock clock, ConnectionPool<?> pool, Backend b) {
        long attempts = attempts(pool, b);
        Duration moved = Duration.ZERO;
        for (int step = 0; step < 100; step++) {
            Duration next = clock.untilNextTask();
            assertTrue(next != null, "no timer left, and no connect to " + b);
            clock.advance(next);
            moved = moved.plus(next);
            if (attempts(pool, b) > attempts) {
                return moved;
            }
        }
        throw new AssertionError("no connect to " + b + " after 100 timers (" + moved + ")");
    }

    /** Connects to {@code b} started so far: in flight, failed or succeeded (one may end before it is looked at). */
    private static long attempts(ConnectionPool<?> pool, Backend b) {
        BackendStats s = stats(pool, b);
        return s.connecting() + s.connectsFailed() + s.connectsSucceeded();
    }

    @Test
    void everyBackendDeadFailsWaitingAndNewClaimsUntilOneRecovers() throws Exception {
        ManualClock clock = new ManualClock();
        BackoffPolicy policy = new BackoffPolicy(Duration.ofMillis(100), Duration.ofMillis(200), 0);
        try (Fixture f = Fixture.withServers(2)) {
            f.server(0).refuse();
            f.server(1).refuse();
            var pool = f.track(f.builder("failed").clock(clock).maxConnections(2).deadAfterFailures(2)
                    .backoff(policy).build());
            CompletableFuture<Throwable> waiter = f.claimInBackground(pool, Duration.ofSeconds(30));
            await().atMost(5, TimeUnit.SECONDS).until(() -> pool.stats().waiting() == 1);
            clock.advance(Duration.ofMillis(20));
            await().atMost(5, TimeUnit.SECONDS).until(() -> pool.stats().backends().stream()
                    .allMatch(b -> b.consecutiveFailures() == 1 && b.connecting() == 0));
            assertEquals(PoolState.STARTING, pool.state());
            clock.advance(Duration.ofMillis(100));

            Throwable failure = waiter.get(10, TimeUnit.SECONDS);
            assertInstanceOf(PoolFailedException.class, failure, "the waiting claim failed instead of hanging");
            assertInstanceOf(ConnectException.class, failure.getCause().getCause(), "carrying the last cause");
            assertEquals(PoolState.FAILED, pool.state());
            var now = assertThrows(PoolFailedException.class, () -> pool.claim(Duration.ofSeconds(30)));
            assertTrue(now.getMessage().contains("all 2 backends are dead"), now.getMessage());

            f.server(1).resume();
            clock.advance(Duration.ofMillis(200));
            await().atMost(5, TimeUnit.SECONDS).until(() -> pool.state() == PoolState.RUNNING);
            try (var claim = pool.claim(Duration.ofSeconds(5))) {
                Fixture.roundTrip(claim.connection().delegate(), 9);
                assertEquals(f.backend(1), claim.backend());
            }
            await().atMost(5, TimeUnit.SECONDS).until(() -> f.events.events(Kind.STATE_CHANGED).stream()
                    .map(e -> e.detail()).toList().equals(List.of("STARTING->FAILED", "FAILED->RUNNING")));
        }
    }

    @Test
    void aConnectionThatSawAnIoErrorIsDiscardedOnReleaseNotReused() {
        try (Fixture f = Fixture.withServers(1)) {
            var pool = f.track(f.builder("broken").maxConnections(1).build());
            awaitSettled(pool, 1);
            f.awaitServersHold(1);
            f.server(0).dropConnections();
            Tracked<TcpConnection> first;
            try (var claim = pool.claim()) { // the usual code: no discard(), try-with-resources releases
                first = claim.connection();
                assertThrows(java.io.UncheckedIOException.class,
                        () -> Fixture.roundTrip(claim.connection().delegate(), 1));
            }
            await().atMost(5, TimeUnit.SECONDS).until(() -> first.closes() == 1);
            try (var claim = pool.claim()) {
                assertTrue(claim.connection() != first, "the broken connection was not handed out again");
                Fixture.roundTrip(claim.connection().delegate(), 2);
            }
            BackendStats s = stats(pool, f.backend(0));
            assertEquals(1, s.useFailures(), "a use failure of its backend");
            assertEquals(0, s.connectsFailed(), "not a connect failure");
        }
    }

    @Test
    void discardClosesTheConnectionCountsAFailureAndReplacesIt() {
        try (Fixture f = Fixture.withServers(1)) {
            var pool = f.track(f.builder("discard").maxConnections(2).build());
            awaitSettled(pool, 2);
            var claim = pool.claim();
            Tracked<TcpConnection> broken = claim.connection();
            claim.discard();
            claim.close(); // a later close does nothing
            await().atMost(5, TimeUnit.SECONDS).until(() -> broken.closes() == 1);
            await().atMost(5, TimeUnit.SECONDS).until(() -> f.server(0).acceptedTotal() == 3);
            awaitSettled(pool, 2);
            assertEquals(1, stats(pool, f.backend(0)).useFailures(), "a use failure, scored");
            assertTrue(stats(pool, f.backend(0)).score() < 1.0, "the failure lowers its score");
            assertEquals(0, stats(pool, f.backend(0)).consecutiveFailures(), "never a connect failure");
            assertEquals(0, f.events.events(Kind.CONNECTION_FAILED).size(), "connectionFailed is for connects only");
            assertEquals(3, stats(pool, f.backend(0)).connectsSucceeded());
        }
    }
}
