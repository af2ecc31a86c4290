package io.cueball;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class IdleRingTest {

    @Test
    void firstInFirstOutAcrossManyLapsAndRefusesWhenFull() {
        IdleRing<Integer> ring = new IdleRing<>(5);
        assertEquals(8, ring.capacity(), "rounded up to a power of two");
        int next = 0;
        int expected = 0;
        for (int lap = 0; lap < 100; lap++) {
            while (ring.offer(next)) {
                next++;
            }
            assertEquals(8, ring.size(), "full after " + next + " offers");
            for (int i = 0; i < 3; i++) {
                assertEquals(expected++, ring.poll());
            }
        }
        while (!ring.isEmpty()) {
            assertEquals(expected++, ring.poll());
        }
        assertNull(ring.poll());
        assertEquals(next, expected, "every item came out once, in order");
    }

    /** Tokens passed around by threads that poll one and offer it back: none is lost or duplicated. */
    @Test
    void concurrentPollersAndOfferersNeitherLoseNorDuplicate() throws Exception {
        int tokens = 16;
        IdleRing<Integer> ring = new IdleRing<>(tokens);
        for (int i = 0; i < tokens; i++) {
            assertTrue(ring.offer(i));
        }
        AtomicIntegerArray held = new AtomicIntegerArray(tokens);
        AtomicIntegerArray moves = new AtomicIntegerArray(tokens);
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    go.await();
                    int doubles = 0;
                    for (int i = 0; i < 100_000; i++) {
                        Integer token = ring.poll();
                        if (token == null) {
                            continue; // all held, or the next one not yet published
                        }
                        if (held.getAndIncrement(token) != 0) {
                            doubles++;
                        }
                        moves.incrementAndGet(token);
                        held.decrementAndGet(token);
                        // Refused only while another poller is between taking its item and freeing the cell.
                        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                        while (!ring.offer(token)) {
                            assertTrue(System.nanoTime() < giveUp, "refused for 10 s with room for it");
                            Thread.yield();
                        }
                    }
                    return doubles;
                }));
            }
            go.countDown();
            for (Future<Integer> r : results) {
                assertEquals(0, r.get(60, TimeUnit.SECONDS), "a token was held by two threads at once");
            }
        } finally {
            pool.shutdownNow();
        }
        List<Integer> left = new ArrayList<>();
        for (Integer token; (token = ring.poll()) != null;) {
            left.add(token);
        }
        left.sort(null);
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < tokens; i++) {
            all.add(i);
        }
        assertEquals(all, left, "every token is back, once");
        long total = 0;
        for (int i = 0; i < tokens; i++) {
            total += moves.get(i);
        }
        assertFalse(total == 0, "the threads did move tokens");
    }
}
