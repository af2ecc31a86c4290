package io.cueball.tests;

import static io.cueball.tests.Fixture.awaitSettled;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.PoolState;
import io.cueball.testing.RecordingListener.Kind;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Graceful close. */
class CloseTest {

    @Test
    void closeStopsTheResolverClosesIdleAndWaitsForClaimedConnections() throws Exception {
        try (Fixture f = Fixture.withServers(2)) {
            var pool = f.builder("graceful").maxConnections(4).closeTimeout(Duration.ofSeconds(30)).build();
            awaitSettled(pool, 4);
            var claim = pool.claim();
            CompletableFuture<Void> closing = CompletableFuture.runAsync(pool::close, f.async);
            await().atMost(5, TimeUnit.SECONDS).until(() -> pool.state() == PoolState.CLOSING);
            assertTrue(f.resolver.isClosed(), "the resolver is stopped first");
            await().atMost(5, TimeUnit.SECONDS).until(() -> f.factory.open().size() == 1); // idle ones closed
            await().during(300, TimeUnit.MILLISECONDS).atMost(2, TimeUnit.SECONDS)
                    .until(() -> !closing.isDone()); // still waiting for the claimed one
            Fixture.roundTrip(claim.connection().delegate(), 11); // which still works
            claim.close();
            closing.get(10, TimeUnit.SECONDS);
            assertEquals(PoolState.CLOSED, pool.state());
            assertEquals(List.of(), f.factory.open());
            assertEquals(List.of(), f.factory.closedMoreThanOnce());
            assertFalse(Fixture.threadsOfPoolAlive("graceful"));
            await().atMost(5, TimeUnit.SECONDS).until(() -> f.events.events(Kind.STATE_CHANGED).stream()
                    .map(e -> e.detail()).toList().containsAll(List.of("RUNNING->CLOSING", "CLOSING->CLOSED")));
        }
    }

    @Test
    void concurrentClosesWaitForTheFirst() throws Exception {
        try (Fixture f = Fixture.withServers(1)) {
            var pool = f.builder("twice").maxConnections(2).build();
            awaitSettled(pool, 2);
            var claim = pool.claim();
            CompletableFuture<Void> first = CompletableFuture.runAsync(pool::close, f.async);
            await().atMost(5, TimeUnit.SECONDS).until(() -> pool.state() == PoolState.CLOSING);
            CompletableFuture<Void> second = CompletableFuture.runAsync(pool::close, f.async);
            await().during(200, TimeUnit.MILLISECONDS).atMost(2, TimeUnit.SECONDS).until(() -> !second.isDone());
            claim.close();
            first.get(10, TimeUnit.SECONDS);
            second.get(10, TimeUnit.SECONDS);
            assertEquals(PoolState.CLOSED, pool.state());
        }
    }
}
