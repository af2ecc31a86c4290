package io.cueball;

import java.util.Arrays;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;

/**
 * {@link IdleRing} under a model checker (Lincheck), which runs small scenarios of offers and polls on a few
 * threads and explores their interleavings at every shared-memory access.
 *
 * <p>The ring is not linearizable, by design (see its javadoc): {@code poll} may report empty while a producer
 * is between claiming and filling a cell, and {@code offer} may refuse while a consumer is between taking and
 * freeing one. So the operations return nothing (their linearizability is trivial) and record what they did,
 * per thread and in program order; {@link #validate} then checks what the ring does promise, once every
 * thread has finished and the ring has been drained:
 *
 * <ul>
 *   <li>nothing made up: every item polled had been offered, and accepted;
 *   <li>nothing lost or duplicated: every accepted item comes out exactly once (during the run or in the
 *       drain), and none that was refused does;
 *   <li>FIFO as far as it promises: items of one producer come out in the order that producer offered them,
 *       to every consumer, and everything polled during the run came before everything left for the drain;
 *   <li>never more than capacity: what is left after the run is at most the capacity;
 *   <li>nothing stuck: after the drain the ring takes exactly capacity items again and gives them back in order.
 * </ul>
 *
 * <p>Capacity 2, so that a handful of operations laps the ring several times. Lincheck generates its scenarios
 * from a fixed seed, so runs are repeatable.
 */
@Param(name = "thread", gen = ThreadIdGen.class)
public class IdleRingLincheckTest {
    private static final int CAPACITY = 2;
    /** Thread ids Lincheck passes: one for the sequential parts and one for each parallel thread; room to spare. */
    private static final int MAX_THREADS = 6;
    /** Items per thread; with MAX_THREADS, small enough for every item to be a cached Integer (no allocation). */
    private static final int PER_THREAD = 16;

    private final IdleRing<Integer> ring = new IdleRing<>(CAPACITY);

    // What each thread did, in its program order. Each thread touches only its own row, so this bookkeeping adds
    // no synchronisation between threads; and it is plain int arrays, so it allocates nothing as it runs (the
    // model checker tracks every object, and allocations make it slow).
    private final int[] offers = new int[MAX_THREADS];
    private final int[][] accepted = new int[MAX_THREADS][PER_THREAD];
    private final int[] acceptedCount = new int[MAX_THREADS];
    private final int[][] polled = new int[MAX_THREADS][PER_THREAD];
    private final int[] polledCount = new int[MAX_THREADS];

    /** Offers a new item, unique across threads: the thread's id and its own sequence number. */
    @Operation
    public void offer(@Param(name = "thread") int thread) {
        int item = thread * PER_THREAD + offers[thread]++;
        if (ring.offer(item)) {
            accepted[thread][acceptedCount[thread]++] = item;
        }
    }

    @Operation
    public void poll(@Param(name = "thread") int thread) {
        Integer item = ring.poll();
        if (item != null) {
            polled[thread][polledCount[thread]++] = item;
        }
    }

    @Validate
    public void validate() {
        int[] drained = new int[CAPACITY + 1];
        int left = 0;
        Integer item;
        while ((item = ring.poll()) != null) {
            if (left == CAPACITY) {
                fail("the ring holds more than its capacity " + CAPACITY, drained, left);
            }
            drained[left++] = item;
        }

        // Exactly once, and only what was accepted.
        int[] times = new int[MAX_THREADS * PER_THREAD];
        for (int t = 0; t < MAX_THREADS; t++) {
            for (int k = 0; k < polledCount[t]; k++) {
                times[polled[t][k]]++;
            }
        }
        for (int k = 0; k < left; k++) {
            times[drained[k]]++;
        }
        for (int t = 0; t < MAX_THREADS; t++) {
            for (int k = 0; k < acceptedCount[t]; k++) {
                int i = accepted[t][k];
                if (times[i] != 1) {
                    fail("accepted item " + i + " came out " + times[i] + " times", drained, left);
                }
                times[i] = 0;
            }
        }
        for (int i = 0; i < times.length; i++) {
            if (times[i] != 0) {
                fail("item " + i + " came out without having been accepted", drained, left);
            }
        }

        // FIFO per producer, for every consumer (each thread, and the drain) ...
        int[] lastSeq = new int[MAX_THREADS];
        for (int t = 0; t <= MAX_THREADS; t++) {
            int[] got = t < MAX_THREADS ? polled[t] : drained;
            int n = t < MAX_THREADS ? polledCount[t] : left;
            Arrays.fill(lastSeq, -1);
            for (int k = 0; k < n; k++) {
                int producer = got[k] / PER_THREAD;
                if (lastSeq[producer] >= got[k] % PER_THREAD) {
                    fail((t < MAX_THREADS ? "thread " + t : "the drain") + " got producer " + producer
                            + "'s items out of order", drained, left);
                }
                lastSeq[producer] = got[k] % PER_THREAD;
            }
        }
        // ... and everything polled during the run came before what was left for the drain.
        for (int k = 0; k < left; k++) {
            for (int t = 0; t < MAX_THREADS; t++) {
                for (int j = 0; j < polledCount[t]; j++) {
                    int p = polled[t][j];
                    if (p / PER_THREAD == drained[k] / PER_THREAD && p > drained[k]) {
                        fail("item " + p + " was polled while the earlier " + drained[k] + " of the same producer"
                                + " stayed behind", drained, left);
                    }
                }
            }
        }

        // Nothing stuck: the drained ring takes exactly capacity items again, and gives them back in order.
        for (int i = 0; i < CAPACITY; i++) {
            if (!ring.offer(-1 - i)) {
                fail("the drained ring refused item " + (i + 1) + " of " + CAPACITY, drained, left);
            }
        }
        if (ring.offer(-100)) {
            fail("the ring took more than its capacity " + CAPACITY, drained, left);
        }
        for (int i = 0; i < CAPACITY; i++) {
            Integer back = ring.poll();
            if (back == null || back != -1 - i) {
                fail("after the run the ring gave back " + back + ", not " + (-1 - i), drained, left);
            }
        }
        if (ring.poll() != null) {
            fail("the ring is not empty after giving back what it took", drained, left);
        }
    }

    private void fail(String what, int[] drained, int left) {
        StringBuilder b = new StringBuilder(what).append(" (");
        for (int t = 0; t < MAX_THREADS; t++) {
            if (offers[t] > 0 || polledCount[t] > 0) {
                b.append("thread ").append(t).append(": offered ").append(offers[t]).append(", accepted ")
                        .append(Arrays.toString(Arrays.copyOf(accepted[t], acceptedCount[t]))).append(", polled ")
                        .append(Arrays.toString(Arrays.copyOf(polled[t], polledCount[t]))).append("; ");
            }
        }
        throw new AssertionError(b.append("left in the ring: ")
                .append(Arrays.toString(Arrays.copyOf(drained, left))).append(")"));
    }

    @Test
    void modelChecking() {
        new ModelCheckingOptions()
                .threads(3)
                .actorsPerThread(3)
                .actorsBefore(2)
                .actorsAfter(1)
                .iterations(12)
                .invocationsPerIteration(150)
                .check(IdleRingLincheckTest.class);
    }

    @Test
    void stress() {
        new StressOptions()
                .threads(3)
                .actorsPerThread(4)
                .actorsBefore(2)
                .actorsAfter(1)
                .iterations(10)
                .invocationsPerIteration(1000)
                .check(IdleRingLincheckTest.class);
    }
}
