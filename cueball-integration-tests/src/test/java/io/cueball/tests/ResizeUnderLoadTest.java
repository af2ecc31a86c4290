package io.cueball.tests;

import static io.cueball.tests.Fixture.openPerLiveBackend;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.ConnectionPool;
import io.cueball.HostSelection;
import io.cueball.PoolStats;
import io.cueball.conn.tcp.TcpConnection;
import io.cueball.testing.TrackingFactory.Tracked;
import java.time.Duration;
import java.util.IntSummaryStatistics;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runtime resize under load (issue #15): worker threads claim, echo and release against real loopback TCP servers
 * while the pool's maximum goes 12 -> 4 -> 20 -> 6, with invariant 1 checked around every change. A lowered
 * maximum makes its claimed surplus exempt until released (RESIZE in PoolEngine's notes), so while a lowering
 * drains, what exists is bounded by the new maximum plus what was claimed when it was lowered; once it has drained,
 * by the new maximum alone. No claim fails or outlives its timeout, no connection has two holders or is closed
 * twice, and each settled pool is spread evenly over the four servers.
 */
class ResizeUnderLoadTest {
    private static final int THREADS = 10;
    private static final Duration CLAIM_TIMEOUT = Duration.ofSeconds(5);

    /** Round-robin claims lock-free from the ring; least-in-use chooses each claim's backend under the lock. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"round-robin", "least-in-use"})
    void resizingUpAndDownUnderLoadKeepsEveryInvariant(String strategy) {
        try (Fixture f = Fixture.withServers(4)) {
            var pool = f.track(f.builder("resize-" + strategy).maxConnections(12).claimTimeout(CLAIM_TIMEOUT)
                    .hostSelection(HostSelection.parse(strategy)).build());
            awaitSpreadEvenly(f, pool, 12);
            try (Workload work = new Workload(pool, THREADS).start()) {
                work.awaitClaims(300, Duration.ofSeconds(10));
                int max = 12;
                for (int next : List.of(4, 20, 6)) {
                    resize(f, pool, work, max, next);
                    max = next;
                }
                work.stop();
                assertEquals(0, work.doubleHolders.get(), "never two holders of one connection");
                assertTrue(work.unexpected.isEmpty(), () -> "unexpected: " + work.unexpected);
                assertTrue(work.claimErrors.isEmpty(), () -> "no claim was lost: " + work.claimErrors);
                assertTrue(work.maxClaimNanos.get() < CLAIM_TIMEOUT.toNanos(),
                        "no claim outlived its timeout: longest " + work.maxClaimNanos.get() / 1_000_000 + " ms");
            }
            pool.close();
            assertEquals(List.of(), f.factory.open(), "every connection the factory opened is closed");
            assertEquals(List.of(), f.factory.closedMoreThanOnce(), "and closed exactly once");
        }
    }

    /** One change of the maximum while the workload runs, checked while it takes effect and once it has. */
    private static void resize(Fixture f, ConnectionPool<Tracked<TcpConnection>> pool, Workload work, int from,
            int to) {
        f.factory.resetPeak();
        int before = f.factory.existing();
        pool.setMaxConnections(to);
        assertEquals(to, pool.maxConnections());
        // While it takes effect: at most the new maximum, plus (when lowered) the surplus claimed at that moment,
        // which is at most what the workers can hold. The peak is measured at every connect, so nothing opened
        // past the bound goes unseen; it starts from what existed as the change began.
        int claimedBound = to < from ? Math.min(from, THREADS) : 0;
        awaitSpreadEvenly(f, pool, to);
        int peak = f.factory.peak();
        assertTrue(peak <= Math.max(before, to + claimedBound), from + " -> " + to + ": peak " + peak
                + " connections while it took effect (bound " + Math.max(before, to + claimedBound) + ")");

        // Taken effect: the exempt surplus is released and gone; from now on nothing exceeds the new maximum.
        f.factory.resetPeak();
        work.awaitClaims(work.claims.get() + 300, Duration.ofSeconds(10));
        assertTrue(f.factory.peak() <= to, from + " -> " + to + ": peak " + f.factory.peak() + " > " + to
                + " once settled; " + pool.stats());
        assertTrue(f.factory.existing() <= to, "existing " + f.factory.existing() + " > " + to);
    }

    /**
     * Waits until the pool holds exactly {@code total} connections, nothing connecting or closing, the factory
     * agrees (no connection it made is open that the pool does not list: no exempt one left), and the live
     * backends' counts differ by at most one (invariant 2).
     */
    private static void awaitSpreadEvenly(Fixture f, ConnectionPool<?> pool, int total) {
        await().atMost(10, TimeUnit.SECONDS).until(() -> {
            PoolStats s = pool.stats();
            Map<String, Integer> open = openPerLiveBackend(pool);
            IntSummaryStatistics per = open.values().stream().mapToInt(Integer::intValue).summaryStatistics();
            return s.connecting() == 0 && s.closing() == 0 && s.idle() + s.claimed() == total && open.size() == 4
                    && per.getSum() == total && per.getMax() - per.getMin() <= 1 && f.factory.existing() == total;
        });
    }
}
