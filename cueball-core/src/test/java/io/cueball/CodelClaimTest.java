package io.cueball;

import static io.cueball.EngineHarness.A;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * targetClaimDelay in a pool, at exact instants of the manual clock: waiting claims that have all waited past the
 * target for two intervals are shed (ClaimTimeoutException, counted as timeouts) instead of served, at the control
 * law's pace, and a claim served within the target ends the shedding.
 */
class CodelClaimTest {
    private final EngineHarness h = new EngineHarness();
    private final List<Thread> threads = new ArrayList<>();
    private final LinkedBlockingQueue<Claim<MemoryConnection>> served = new LinkedBlockingQueue<>();
    private final Map<Integer, String> outcome = new ConcurrentHashMap<>();

    @AfterEach
    void tearDown() throws InterruptedException {
        h.close();
        for (Thread t : threads) {
            t.join(10_000);
            assertFalse(t.isAlive());
        }
    }

    private void waiter(ConnectionPool<MemoryConnection> pool, int id) {
        int before = pool.stats().waiting();
        Thread t = new Thread(() -> {
            try {
                Claim<MemoryConnection> c = pool.claim(Duration.ofSeconds(60));
                outcome.put(id, "served");
                served.add(c);
            } catch (ClaimTimeoutException e) {
                outcome.put(id, e.getMessage());
            }
        }, "codel-waiter-" + id);
        threads.add(t);
        t.start();
        await().until(() -> pool.stats().waiting() == before + 1); // queued in id order
    }

    private Claim<MemoryConnection> nextServed() throws InterruptedException {
        Claim<MemoryConnection> c = served.poll(10, TimeUnit.SECONDS);
        assertTrue(c != null, "a claim was served: " + outcome);
        return c;
    }

    @Test
    void overloadedClaimsAreShedAtTheControlLawsPaceAndAdmissionRecovers() throws InterruptedException {
        h.executor.inline();
        // A pool of one whose claims are handed over in queue order (a choosing strategy takes the lock).
        var pool = h.startAndSettle(h.builder(A).maxConnections(1).hostSelection(HostSelection.leastInUse())
                .targetClaimDelay(Duration.ofSeconds(1)));
        Duration t = h.sinceStart();
        Claim<MemoryConnection> holder = pool.claim();
        for (int id = 1; id <= 5; id++) {
            waiter(pool, id);
        }
        h.advanceTo(t.plus(Duration.ofSeconds(2)));
        holder.close(); // sojourn 2 s > 1 s: above target from now; 1 is served
        Claim<MemoryConnection> c = nextServed();
        assertEquals("served", outcome.get(1));
        h.advanceTo(t.plus(Duration.ofMillis(2100)));
        c.close(); // one interval above target: not yet; 2 is served
        c = nextServed();
        assertEquals("served", outcome.get(2));
        h.advanceTo(t.plus(Duration.ofMillis(2200)));
        c.close(); // two intervals: 3 is shed, 4 is served (the next drop is due at 2.3 s)
        c = nextServed();
        assertEquals("served", outcome.get(4));
        await().until(() -> outcome.containsKey(3));
        assertTrue(outcome.get(3).contains("shed") && outcome.get(3).contains("targetClaimDelay 1000 ms"),
                outcome.get(3));
        h.advanceTo(t.plus(Duration.ofMillis(2300)));
        c.close(); // the second drop is due: 5 is shed, and the connection goes idle
        await().until(() -> outcome.containsKey(5));
        assertTrue(outcome.get(5).contains("shed"), outcome.get(5));
        assertEquals(2, pool.stats().claimTimeouts(), "shed claims count as timeouts");
        assertEquals(1, pool.stats().idle());

        // Admission recovers: a claim that waits less than the target is served, and the shedding ends.
        holder = pool.claim();
        waiter(pool, 6);
        h.advanceTo(t.plus(Duration.ofMillis(2350)));
        holder.close();
        nextServed().close();
        assertEquals("served", outcome.get(6));
    }
}
