package io.cueball.tests;

import static io.cueball.tests.Fixture.awaitSettled;
import static io.cueball.tests.Fixture.openPerLiveBackend;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.BackendStats;
import io.cueball.BackendStatus;
import io.cueball.Claim;
import io.cueball.conn.tcp.TcpConnection;
import io.cueball.testing.ManualClock;
import io.cueball.testing.RecordingListener.Kind;
import io.cueball.testing.TrackingFactory.Tracked;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Debounced rebalancing and decoherence, stepped through exact instants with a manual clock. */
class RebalanceTest {

    @Test
    void aBurstOfResolverEventsCostsOneRebalanceAfterTheDelay() {
        ManualClock clock = new ManualClock();
        try (Fixture f = Fixture.withServers(5, 0)) {
            var pool = f.track(f.builder("burst").clock(clock).rebalanceDelay(Duration.ofMillis(100))
                    .maxConnections(10).build());
            for (int i = 0; i < 5; i++) {
                f.resolver.add(f.backend(i));
            }
            clock.advance(Duration.ofMillis(99));
            assertEquals(0, pool.stats().rebalances(), "nothing before rebalanceDelay");
            assertEquals(0, f.factory.attempts());
            clock.advance(Duration.ofMillis(1));
            assertEquals(1, pool.stats().rebalances(), "one rebalance for five events");
            awaitSettled(pool, 10);
            assertTrue(openPerLiveBackend(pool).values().stream().allMatch(n -> n == 2), openPerLiveBackend(pool)
                    .toString());

            // A second burst: two removals and one re-add net out to one removal.
            f.resolver.remove(f.backend(0));
            clock.advance(Duration.ofMillis(50));
            f.resolver.remove(f.backend(1));
            f.resolver.add(f.backend(0));
            clock.advance(Duration.ofMillis(49));
            assertEquals(1, pool.stats().rebalances(), "the delay runs from the first event of a burst");
            clock.advance(Duration.ofMillis(1));
            assertEquals(2, pool.stats().rebalances());
            awaitSettled(pool, 10);
            await().atMost(5, TimeUnit.SECONDS).until(() -> f.events.count(Kind.BACKEND_REMOVED) == 1);
            f.awaitEvents(Kind.BACKEND_REMOVED, f.backend(1).key(), 1);
            assertEquals(List.of(2, 2, 3, 3), openPerLiveBackend(pool).values().stream().sorted().toList());
            assertEquals(2, f.server(1).acceptedTotal(), "the removed backend got nothing new");
            await().atMost(5, TimeUnit.SECONDS).until(() -> f.server(1).openConnections() == 0);
        }
    }

    @Test
    void removedBackendsConnectionsAreClosedWhenReleased() {
        ManualClock clock = new ManualClock();
        try (Fixture f = Fixture.withServers(3)) {
            var pool = f.track(f.builder("removed").clock(clock).maxConnections(6).build());
            clock.advance(Duration.ofMillis(20));
            awaitSettled(pool, 6);
            List<Claim<Tracked<TcpConnection>>> claims = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                claims.add(pool.claim());
            }
            Claim<Tracked<TcpConnection>> ofRemoved = claims.stream()
                    .filter(c -> c.backend().equals(f.backend(2))).findFirst().orElseThrow();
            claims.stream().filter(c -> c != ofRemoved && c.backend().equals(f.backend(2))).forEach(Claim::close);

            f.resolver.remove(f.backend(2));
            clock.advance(Duration.ofMillis(20));
            await().atMost(5, TimeUnit.SECONDS).until(() -> {
                BackendStats gone = pool.stats().backend(f.backend(2).key()).orElseThrow();
                return gone.status() == BackendStatus.REMOVED && gone.idle() == 0 && gone.claimed() == 1
                        && gone.target() == 0 && pool.stats().closing() == 0;
            });
            claims.stream().filter(c -> !c.backend().equals(f.backend(2))).forEach(Claim::close);
            await().atMost(5, TimeUnit.SECONDS).until(() -> openPerLiveBackend(pool).values().stream()
                    .mapToInt(Integer::intValue).sum() == 6);
            assertEquals(List.of(3, 3), List.copyOf(openPerLiveBackend(pool).values()));
            assertEquals(1, f.server(2).openConnections(), "still claimed, so still open");
            Fixture.roundTrip(ofRemoved.connection().delegate(), 42); // and still usable by its holder

            ofRemoved.close();
            await().atMost(5, TimeUnit.SECONDS).until(() -> f.server(2).openConnections() == 0);
            await().atMost(5, TimeUnit.SECONDS).until(() -> pool.stats().backend(f.backend(2).key()).isEmpty());
            assertEquals(List.of(), f.factory.closedMoreThanOnce());
        }
    }

    @Test
    void decoherenceShufflesTheIdleQueueWithTheSeededRandom() {
        ManualClock clock = new ManualClock();
        try (Fixture f = Fixture.withServers(4)) {
            var pool = f.track(f.builder("shuffle").clock(clock).maxConnections(8)
                    .healthCheckInterval(Duration.ofHours(1)).decoherenceInterval(Duration.ofMinutes(1)).build());
            clock.advance(Duration.ofMillis(20));
            awaitSettled(pool, 8);

            // Put the idle queue in backend order: runs of two per backend.
            List<Claim<Tracked<TcpConnection>>> all = claimAll(pool, 8);
            all.sort((a, b) -> a.backend().key().compareTo(b.backend().key()));
            List<Tracked<TcpConnection>> sorted = all.stream().map(Claim::connection).toList();
            all.forEach(Claim::close);
            List<Claim<Tracked<TcpConnection>>> again = claimAll(pool, 8);
            assertEquals(sorted, again.stream().map(Claim::connection).toList(), "FIFO: oldest idle first");
            again.forEach(Claim::close);

            clock.advance(Duration.ofMinutes(1));
            List<Claim<Tracked<TcpConnection>>> shuffled = claimAll(pool, 8);
            List<Tracked<TcpConnection>> order = shuffled.stream().map(Claim::connection).toList();
            shuffled.forEach(Claim::close);

            // The pool drew only its preference seed before this shuffle, so the same seed predicts it exactly.
            List<Tracked<TcpConnection>> expected = new ArrayList<>(sorted);
            Random replica = new Random(Fixture.SEED);
            replica.nextLong(); // the pool drew its backend preference seed first (Backends), when it was built
            for (int i = expected.size() - 1; i > 0; i--) {
                Collections.swap(expected, i, replica.nextInt(i + 1));
            }
            assertEquals(expected, order);
            assertNotEquals(sorted, order);
        }
    }

    private static List<Claim<Tracked<TcpConnection>>> claimAll(
            io.cueball.ConnectionPool<Tracked<TcpConnection>> pool, int n) {
        List<Claim<Tracked<TcpConnection>>> claims = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            claims.add(pool.tryClaim().orElseThrow());
        }
        return claims;
    }
}
