package io.cueball;

import static io.cueball.EngineHarness.A;
import static io.cueball.EngineHarness.B;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** close(): claims fail, every connection is closed exactly once, the state ends CLOSED. */
class PoolCloseTest {
    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void closeFailsWaitingAndLaterClaimsAndClosesEveryConnectionOnce() throws Exception {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A, B).maxConnections(2));
        var held = h.claimAll(); // both claimed: the next claim has to wait
        assertEquals(2, held.size());
        var kept = held.get(0);
        var second = held.get(1);

        CompletableFuture<Claim<MemoryConnection>> waiter = CompletableFuture.supplyAsync(
                () -> pool.claim(Duration.ofSeconds(30)));
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().waiting() == 1);

        pool.close();

        var failure = assertThrows(ExecutionException.class, () -> waiter.get(10, TimeUnit.SECONDS));
        assertInstanceOf(PoolClosedException.class, failure.getCause(), "the waiting claim");
        assertThrows(PoolClosedException.class, pool::tryClaim);
        assertThrows(PoolClosedException.class, () -> pool.claim(Duration.ZERO));
        assertThrows(PoolClosedException.class, pool::claim);
        assertEquals(PoolState.CLOSED, pool.state());
        assertEquals(List.of("stateChanged STARTING->RUNNING", "stateChanged RUNNING->CLOSING",
                "stateChanged CLOSING->CLOSED"), h.listener.of("stateChanged"));
        assertEquals(1, h.resolver.closes, "the resolver is closed");

        // Claimed past closeTimeout (0 here): each closes when its claim is released, exactly once.
        assertEquals(0, kept.connection().closes());
        MemoryConnection c1 = kept.connection();
        MemoryConnection c2 = second.connection();
        kept.close();
        second.close();
        kept.close(); // idempotent
        assertEquals(1, c1.closes());
        assertEquals(1, c2.closes());
        h.factory.connections.forEach(c -> assertEquals(1, c.closes(), c.toString()));
        assertThrows(IllegalStateException.class, kept::connection, "a released claim cannot reach it");
    }

    @Test
    void closeClosesIdleConnectionsAtOnceAndEachExactlyOnce() {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A, B).maxConnections(4));
        assertEquals(4, pool.stats().idle());
        pool.close();
        assertEquals(4, h.factory.connections.size());
        h.factory.connections.forEach(c -> assertEquals(1, c.closes(), c.toString()));
        assertEquals(4, h.listener.count("connectionClosed"));
        assertEquals(0, pool.stats().total());
        pool.close(); // idempotent
        h.factory.connections.forEach(c -> assertEquals(1, c.closes(), c.toString()));
    }

    @Test
    void closeStopsThePoolsTimersFromDoingAnything() {
        h.factory.failAlways(A);
        h.executor.inline();
        var pool = h.start(h.builder(A, B).maxConnections(2));
        h.clock.advance(Duration.ofMillis(100)); // A failed once: a retry is armed
        h.resolver.add(EngineHarness.C); // and a rebalance
        int attempts = h.factory.attempts.size();
        pool.close();
        h.clock.advance(Duration.ofHours(1));
        assertEquals(attempts, h.factory.attempts.size(), "no connect after close");
        assertEquals(1, pool.stats().rebalances(), "no rebalance after close");
        assertTrue(h.factory.open().isEmpty());
    }
}
