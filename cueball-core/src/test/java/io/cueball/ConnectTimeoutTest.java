package io.cueball;

import static io.cueball.EngineHarness.A;
import static io.cueball.EngineHarness.REBALANCE_DELAY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The pool's own bound on a connect: one that has not returned after connectTimeout counts as failed at that
 * instant, and what it returns late never enters the pool.
 */
class ConnectTimeoutTest {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void tearDown() {
        h.close();
    }

    /** A pool of one connection to A whose first connect is started and then never run (it "hangs"). */
    private ConnectionPool<MemoryConnection> startWithAHangingConnect() {
        var pool = h.start(h.builder(A).maxConnections(1).connectTimeout(CONNECT_TIMEOUT));
        h.clock.advance(REBALANCE_DELAY);
        assertEquals(1, h.executor.pending(), "the connect was started");
        assertEquals(1, pool.stats().connecting());
        return pool;
    }

    @Test
    void aConnectThatNeverReturnsCountsAsFailedAtExactlyConnectTimeout() {
        var pool = startWithAHangingConnect();

        h.clock.advanceNanos(CONNECT_TIMEOUT.toNanos() - 1);
        assertEquals(0, h.stats(A).connectsFailed(), "not failed at connectTimeout - 1 ns");
        assertEquals(0, h.listener.count("connectionFailed"));

        h.clock.advanceNanos(1);
        assertEquals(1, h.stats(A).connectsFailed(), "failed at exactly connectTimeout");
        assertEquals(1, h.stats(A).consecutiveFailures());
        assertEquals(1, h.listener.count("connectionFailed", A.key()));
        assertTrue(h.stats(A).lastError().getMessage().contains("connectTimeout"), h.stats(A).lastError().getMessage());
        // The connector is still busy with it, so it still counts (invariant 1): the backoff retry at 100 ms
        // does not start a second connect beside it.
        assertEquals(1, pool.stats().connecting());
        h.clock.advance(Duration.ofSeconds(1));
        assertEquals(1, h.executor.pending(), "no second connect while the first still runs");
        assertEquals(1, pool.stats().total());
    }

    @Test
    void aConnectionThatArrivesAfterTheTimeoutIsClosedAndNeverHandedOut() {
        var pool = startWithAHangingConnect();
        h.clock.advance(CONNECT_TIMEOUT);

        h.executor.runNext(); // the factory finally returns
        MemoryConnection late = h.factory.connections.get(0);
        assertEquals(1, late.closes(), "closed once, by the pool");
        assertEquals(0, h.listener.count("connectionOpened"));
        assertEquals(0, h.stats(A).connectsSucceeded());
        assertEquals(1, h.stats(A).connectsFailed(), "the timeout was its one failure");
        assertEquals(0, h.stats(A).open());
    }

    @Test
    void aConnectThatFailsAfterTheTimeoutIsNotCountedTwice() {
        startWithAHangingConnect();
        h.clock.advance(CONNECT_TIMEOUT);
        h.factory.failAlways(A);
        h.executor.runNext();
        assertEquals(1, h.stats(A).connectsFailed());
        assertEquals(1, h.stats(A).consecutiveFailures());
        assertEquals(1, h.listener.count("connectionFailed"));
    }

    @Test
    void aLateConnectionThatIsDiscardedIsReplacedAtOnceWhenTheBackoffHasPassed() {
        var pool = startWithAHangingConnect();
        h.clock.advance(CONNECT_TIMEOUT.plus(Duration.ofSeconds(1))); // timed out at 2 s, retry timer at 2.1 s
        h.executor.runNext(); // the late connection comes back at 3 s and is closed

        assertEquals(1, h.executor.pending(), "a replacement connect starts when the late connection is discarded");
        assertEquals(1, pool.stats().connecting());
        h.executor.runAll();
        assertEquals(1, h.stats(A).open());
        assertEquals(PoolState.RUNNING, pool.state());
    }
}
