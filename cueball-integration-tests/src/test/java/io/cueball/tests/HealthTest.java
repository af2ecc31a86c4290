package io.cueball.tests;

import static io.cueball.tests.Fixture.awaitSettled;
import static io.cueball.tests.Fixture.openPerLiveBackend;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.Backend;
import io.cueball.Claim;
import io.cueball.ConnectionFactory;
import io.cueball.ConnectionPool;
import io.cueball.conn.tcp.TcpConnection;
import io.cueball.conn.tcp.TcpConnectionFactory;
import io.cueball.testing.ManualClock;
import io.cueball.testing.RecordingListener.Kind;
import io.cueball.testing.TrackingFactory;
import io.cueball.testing.TrackingFactory.Tracked;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Health checks, check-on-claim, maximum lifetime, spares and the connect watchdog. */
class HealthTest {

    @Test
    void idleConnectionsThatBrokeAreFoundByTheHealthCheckAndReplaced() {
        ManualClock clock = new ManualClock();
        try (Fixture f = Fixture.withServers(2)) {
            var pool = f.track(f.builder("health").clock(clock).maxConnections(4)
                    .healthCheckInterval(Duration.ofSeconds(1)).build());
            clock.advance(Duration.ofMillis(20));
            awaitSettled(pool, 4);
            f.awaitServersHold(2, 2);
            f.server(0).dropConnections(); // the server closes its side of both connections

            clock.advance(Duration.ofSeconds(1)); // idle 0.98 s: not due yet
            assertEquals(2, f.server(0).acceptedTotal());
            clock.advance(Duration.ofSeconds(1)); // idle 1.98 s: checked
            await().atMost(5, TimeUnit.SECONDS).until(() -> f.server(0).acceptedTotal() == 4);
            awaitSettled(pool, 4);
            assertEquals(2, f.server(1).acceptedTotal(), "healthy connections are kept");
            f.awaitEvents(Kind.CONNECTION_CLOSED, f.backend(0).key(), 2);
            assertEquals(0, f.events.count(Kind.CONNECTION_FAILED), "a stale connection is not a backend failure");
            for (Claim<Tracked<TcpConnection>> c : claimAll(pool, 4)) {
                Fixture.roundTrip(c.connection().delegate(), 5);
                c.close();
            }
        }
    }

    @Test
    void aConnectionIdleForLongIsCheckedWhenClaimedAndReplacedIfBroken() {
        ManualClock clock = new ManualClock();
        try (Fixture f = Fixture.withServers(1)) {
            var pool = f.track(f.builder("onclaim").clock(clock).maxConnections(2)
                    .healthCheckInterval(Duration.ofHours(1)).build());
            clock.advance(Duration.ofMillis(20));
            awaitSettled(pool, 2);
            f.awaitServersHold(2);
            f.server(0).dropConnections();
            clock.advance(Duration.ofSeconds(2));
            try (var claim = pool.claim()) {
                Fixture.roundTrip(claim.connection().delegate(), 3); // not a dead connection
            }
            // Both stale connections were found (the claim checked each) and replaced.
            await().atMost(5, TimeUnit.SECONDS).until(() -> f.server(0).acceptedTotal() == 4);
            await().atMost(5, TimeUnit.SECONDS)
                    .until(() -> f.factory.made().stream().filter(t -> t.closes() == 1).count() == 2);
            awaitSettled(pool, 2);
        }
    }

    @Test
    void connectionsAreReplacedAtTheirMaximumLifetime() {
        ManualClock clock = new ManualClock();
        try (Fixture f = Fixture.withServers(2)) {
            var pool = f.track(f.builder("lifetime").clock(clock).maxConnections(4)
                    .maxLifetime(Duration.ofMinutes(10)).healthCheckInterval(Duration.ofHours(1)).build());
            clock.advance(Duration.ofMillis(20));
            awaitSettled(pool, 4);
            List<Tracked<TcpConnection>> first = f.factory.made();
            clock.advance(Duration.ofMinutes(9));
            assertTrue(first.stream().allMatch(t -> t.closes() == 0), "none expires early");
            clock.advance(Duration.ofMinutes(1));
            await().atMost(5, TimeUnit.SECONDS).until(() -> first.stream().allMatch(t -> t.closes() == 1));
            awaitSettled(pool, 4);
            assertEquals(8, f.factory.made().size());
            assertEquals(List.of(2, 2), List.copyOf(openPerLiveBackend(pool).values()));
        }
    }

    @Test
    void sparesBelowMaxGrowOnDemandAndShrinkAfterIdleTimeout() {
        ManualClock clock = new ManualClock();
        try (Fixture f = Fixture.withServers(2)) {
            var pool = f.track(f.builder("spares").clock(clock).maxConnections(8).spares(2)
                    .idleTimeout(Duration.ofMinutes(1)).healthCheckInterval(Duration.ofHours(1)).build());
            clock.advance(Duration.ofMillis(20));
            awaitSettled(pool, 2);
            assertEquals(List.of(1, 1), List.copyOf(openPerLiveBackend(pool).values()), "spares, spread");

            List<Claim<Tracked<TcpConnection>>> held = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                held.add(pool.claim()); // beyond the two spares: the pool grows while claims wait
            }
            awaitSettled(pool, 7); // five claimed plus two spares
            assertEquals(2, pool.stats().idle());
            held.forEach(Claim::close);
            assertEquals(7, pool.stats().idle());

            clock.advance(Duration.ofMinutes(1)); // the first window saw the idle queue empty: nothing to shrink
            assertEquals(7, pool.stats().idle());
            clock.advance(Duration.ofMinutes(1)); // a whole window with 5 connections never needed
            awaitSettled(pool, 2);
            assertEquals(List.of(1, 1), List.copyOf(openPerLiveBackend(pool).values()), "shrunk evenly");
            try (var claim = pool.claim()) {
                Fixture.roundTrip(claim.connection().delegate(), 1);
            }
        }
    }

    @Test
    void aConnectThatOutlivesConnectTimeoutCountsAsFailedAndItsLateConnectionIsClosed() throws Exception {
        ManualClock clock = new ManualClock();
        CountDownLatch release = new CountDownLatch(1);
        TcpConnectionFactory tcp = TcpConnectionFactory.create();
        ConnectionFactory<TcpConnection> stuck = b -> {
            release.await(); // a connect that hangs until the test lets it go
            return tcp.connect(b);
        };
        TrackingFactory<TcpConnection> factory = new TrackingFactory<>(stuck);
        try (Fixture f = Fixture.withServers(1)) {
            Backend b = f.backend(0);
            var pool = f.track(ConnectionPool.builder(f.resolver, factory).name("stuck").clock(clock)
                    .listener(f.events).maxConnections(1).connectTimeout(Duration.ofSeconds(10))
                    .rebalanceDelay(Duration.ofMillis(20)).build());
            clock.advance(Duration.ofMillis(20));
            await().atMost(5, TimeUnit.SECONDS).until(() -> factory.attempts() == 1);
            clock.advance(Duration.ofSeconds(10));
            var s = pool.stats().backend(b.key()).orElseThrow();
            assertEquals(1, s.consecutiveFailures());
            assertTrue(String.valueOf(s.lastError()).contains("did not finish within connectTimeout (10000 ms)"),
                    String.valueOf(s.lastError()));
            assertEquals(1, s.connecting(), "still counted while the factory holds the thread");

            release.countDown();
            await().atMost(5, TimeUnit.SECONDS).until(() -> factory.made().size() == 1
                    && factory.made().get(0).closes() == 1);
            assertEquals(0, pool.stats().idle(), "a connection that came too late never enters the pool");
            assertEquals(0, pool.stats().connecting());
        }
    }

    private static List<Claim<Tracked<TcpConnection>>> claimAll(ConnectionPool<Tracked<TcpConnection>> pool,
            int n) {
        List<Claim<Tracked<TcpConnection>>> claims = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            claims.add(pool.claim());
        }
        return claims;
    }
}
