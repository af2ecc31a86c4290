package io.cueball;

import static io.cueball.EngineHarness.A;
import static io.cueball.EngineHarness.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Real threads claim and release in a CLOCKLESS pool while another moves the manual clock (so the STAMPS pass runs
 * on time, concurrently with the claims). Checked per connection: never two holders; a claim whose connection's last
 * claim began over 1 s before is checked; one whose last claim began under 750 ms before is not.
 */
class ClocklessStressTest {
    private static final long SEC = 1_000_000_000L;
    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void tearDown() {
        h.close();
    }

    private static final class Track {
        final AtomicBoolean held = new AtomicBoolean();
        long beforePrev = Long.MIN_VALUE; // pool clock before the last claim began (owner only)
        long afterPrev = Long.MIN_VALUE;  // pool clock after the last claim returned
        int checksAtRelease;
    }

    @Test
    void concurrentClaimsWhileTheClockMoves() throws Exception {
        run(h.builder(A, B).maxConnections(12), false);
    }

    @Test
    void concurrentClaimsWithPausesAndNoAffinity() throws Exception {
        run(h.builder(A, B).maxConnections(6).threadAffinity(0), true);
    }

    private void run(ConnectionPool.Builder<MemoryConnection> builder, boolean pauses) throws Exception {
        h.executor.inline();
        var pool = h.startAndSettle(builder.healthCheckInterval(Duration.ofHours(1)));
        assertTrue(pool.engine().clockless);

        Map<MemoryConnection, Track> tracks = new ConcurrentHashMap<>();
        List<String> violations = new CopyOnWriteArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong claims = new AtomicLong();
        AtomicLong dueChecked = new AtomicLong();
        AtomicLong longIdle = new AtomicLong();
        Thread advancer = new Thread(() -> {
            Random r = new Random(7);
            while (!stop.get()) {
                h.clock.advance(Duration.ofMillis(1 + r.nextInt(9)));
                for (int i = 0; i < 3000; i++) {
                    Thread.onSpinWait();
                }
            }
        }, "advancer");
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < 3; w++) {
            int seed = w;
            workers.add(new Thread(() -> {
                Random r = new Random(seed);
                try {
                    while (!stop.get()) {
                        int n = r.nextInt(30000) == 0 ? 2 : 1;
                        List<Claim<MemoryConnection>> got = new ArrayList<>();
                        List<long[]> times = new ArrayList<>();
                        for (int i = 0; i < n; i++) {
                            long before = h.clock.nanoTime();
                            Claim<MemoryConnection> c = pool.claim(Duration.ofSeconds(20));
                            long after = h.clock.nanoTime();
                            got.add(c);
                            times.add(new long[] {before, after});
                            MemoryConnection conn = c.connection();
                            Track t = tracks.computeIfAbsent(conn, k -> new Track());
                            if (!t.held.compareAndSet(false, true)) {
                                violations.add("double hand-out of " + conn);
                                continue;
                            }
                            int checks = conn.healthChecks.size() - t.checksAtRelease;
                            if (t.afterPrev != Long.MIN_VALUE) {
                                long idleAtLeast = before - t.afterPrev;
                                long idleAtMost = after - t.beforePrev;
                                if (checks == 0 && idleAtLeast > SEC) {
                                    violations.add(conn + " unchecked after at least " + idleAtLeast / 1_000_000
                                            + " ms idle (claim at " + (before - h.t0) / 1_000_000 + " ms)");
                                }
                                if (idleAtLeast > SEC) {
                                    longIdle.incrementAndGet();
                                }
                                if (checks > 0 && idleAtLeast > SEC) {
                                    dueChecked.incrementAndGet();
                                }
                                if (checks > 0 && idleAtMost < SEC * 3 / 4) {
                                    violations.add(conn + " checked after at most " + idleAtMost / 1_000_000
                                            + " ms idle (claim at " + (before - h.t0) / 1_000_000 + " ms)");
                                }
                            }
                            t.beforePrev = before;
                            t.afterPrev = after;
                            claims.incrementAndGet();
                        }
                        for (int i = 0; i < 50 + r.nextInt(500); i++) {
                            Thread.onSpinWait();
                        }
                        if (pauses) { // hold, then (after the release below) pause, by the pool clock
                            long until = h.clock.nanoTime() + r.nextInt(100) * 1_000_000L;
                            while (h.clock.nanoTime() - until < 0 && !stop.get()) {
                                Thread.onSpinWait();
                            }
                        }
                        for (Claim<MemoryConnection> c : got) {
                            MemoryConnection conn = c.connection();
                            Track t = tracks.get(conn);
                            t.checksAtRelease = conn.healthChecks.size();
                            t.held.set(false);
                            c.close();
                        }
                        if (pauses) {
                            long until = h.clock.nanoTime() + r.nextInt(400) * 1_000_000L;
                            while (h.clock.nanoTime() - until < 0 && !stop.get()) {
                                Thread.onSpinWait();
                            }
                        }
                    }
                } catch (RuntimeException e) {
                    violations.add("claim failed: " + e);
                }
            }, "worker-" + w));
        }
        advancer.start();
        workers.forEach(Thread::start);
        long end = System.nanoTime() + 4 * SEC;
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> System.nanoTime() - end > 0
                || violations.size() > 20);
        stop.set(true);
        for (Thread t : workers) {
            t.join(30_000);
        }
        advancer.join(30_000);
        System.err.println("STRESS claims=" + claims.get() + " pool time=" + h.sinceStart() + " idle over 1 s=" + longIdle.get() + " conns=" + tracks.size() + " due and checked=" + dueChecked.get() + " violations="
                + violations.size());
        assertEquals(List.of(), violations.subList(0, Math.min(20, violations.size())));
    }
}
