package io.cueball.benchmarks;

import java.lang.reflect.InvocationTargetException;
import java.util.Locale;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * 1 000 virtual threads on a pool of 32, each claiming, holding its connection ~50 µs and releasing, in a loop: the
 * shape of a server on virtual threads whose requests each run one short query. One pool per run (run it in a JVM
 * of its own per pool, as {@code run.sh} does): 2 s of warmup, then a 5 s window in which it counts
 *
 * <ul>
 *   <li>the claims per second (claims that got a connection inside the window);</li>
 *   <li>the starved threads: those that went {@value #STARVED_SECONDS} s or more without a claim inside the window
 *       (counting from the window's start, and to its end for a thread still waiting), and of them the threads
 *       that got no claim at all;</li>
 *   <li>the waits (calling claim to holding a connection) that overlapped the window, including those that ended
 *       after it (a thread starved through the window is served once the others stop): p50 to p99.9 and the
 *       longest;</li>
 *   <li>claims that timed out (the pools' 30 s timeout; a thread then claims again), and the mean hold.</li>
 * </ul>
 *
 * <p>The hold is {@code LockSupport.parkNanos(50 µs)}, not a busy spin: a query waits on the network, and that is
 * what virtual threads are for. Parked, the thread leaves its carrier to the others, so the pool, not the two
 * cores, is the limit: at most 32 / 50 µs = 640 000 claims per second. (A spin would hold a carrier for 50 µs and
 * make the 2 carriers the limit, 40 000 a second, whatever the pool does.) A virtual thread's park is woken by the
 * JDK's timer, so a hold lasts somewhat longer than 50 µs; the mean hold printed is the real one.
 *
 * <p>Prints one line for {@link Report} on standard output and a summary on standard error. Needs Java 21+ (it
 * creates the virtual threads through reflection, so the module still compiles for Java 17).
 *
 * <p>Arguments: the pool (see {@link PoolUnderTest}), then optionally the window in seconds (5) and the warmup (2).
 */
public final class VirtualThreads {
    static final int THREADS = 1_000;
    static final int SIZE = 32;
    static final long HOLD_NANOS = 50_000;
    static final int STARVED_SECONDS = 1;

    private VirtualThreads() {
    }

    /** One virtual thread's loop and what it saw; read by the main thread after it ended. */
    private static final class Worker implements Runnable {
        final WaitHistogram waits = new WaitHistogram();
        private final PoolUnderTest pool;
        private final long windowStart;
        private final long windowEnd;
        long claims;
        long timeouts;
        long holdNanos;
        long longestGap;
        Throwable failure;

        Worker(PoolUnderTest pool, long windowStart, long windowEnd) {
            this.pool = pool;
            this.windowStart = windowStart;
            this.windowEnd = windowEnd;
        }

        @Override
        public void run() {
            long last = windowStart;
            try {
                while (true) {
                    long start = System.nanoTime();
                    if (start >= windowEnd) {
                        break;
                    }
                    Object claimed = pool.claim();
                    long got = System.nanoTime();
                    boolean inWindow = got >= windowStart && got < windowEnd;
                    if (claimed == null) {
                        timeouts += inWindow ? 1 : 0;
                        continue;
                    }
                    try {
                        // The time since this thread's last claim (or the window's start), within the window.
                        longestGap = Math.max(longestGap, Math.min(got, windowEnd) - Math.max(last, windowStart));
                        last = got;
                        if (got >= windowStart) {
                            // Every wait that overlapped the window, also one that ended after it: the longest
                            // waits are those of threads still waiting when the window closed.
                            waits.record(got - start);
                        }
                        LockSupport.parkNanos(HOLD_NANOS);
                        if (inWindow) {
                            claims++;
                            holdNanos += System.nanoTime() - got;
                        }
                    } finally {
                        pool.release(claimed);
                    }
                }
                longestGap = Math.max(longestGap, windowEnd - Math.max(last, windowStart));
            } catch (Throwable t) {
                failure = t;
            }
        }
    }

    /**
     * Runs one pool.
     *
     * @param args pool, then optionally window and warmup in seconds
     * @throws Exception if the pool cannot be created or a thread failed
     */
    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: VirtualThreads POOL [WINDOW_SECONDS [WARMUP_SECONDS]]");
            System.exit(2);
        }
        String kind = args[0];
        double window = args.length > 1 ? Double.parseDouble(args[1]) : 5;
        double warmup = args.length > 2 ? Double.parseDouble(args[2]) : 2;
        ThreadFactory factory = virtualThreadFactory();

        Worker[] workers = new Worker[THREADS];
        Thread[] threads = new Thread[THREADS];
        int stuck = 0;
        long windowStart;
        long windowEnd;
        try (PoolUnderTest pool = PoolUnderTest.create(kind, SIZE, true)) {
            long now = System.nanoTime();
            windowStart = now + (long) (warmup * 1e9);
            windowEnd = windowStart + (long) (window * 1e9);
            for (int i = 0; i < THREADS; i++) {
                workers[i] = new Worker(pool, windowStart, windowEnd);
                threads[i] = factory.newThread(workers[i]);
            }
            for (Thread t : threads) {
                t.start();
            }
            // A thread still waiting at the window's end is served once the others stop claiming; give it the
            // claim timeout and some.
            long deadline = windowEnd + PoolUnderTest.CLAIM_TIMEOUT.toNanos() + TimeUnit.SECONDS.toNanos(5);
            for (Thread t : threads) {
                long left = deadline - System.nanoTime();
                if (left > 0) {
                    t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                }
                stuck += t.isAlive() ? 1 : 0;
            }
        }

        WaitHistogram waits = new WaitHistogram();
        long claims = 0;
        long timeouts = 0;
        long holdNanos = 0;
        int starved = 0;
        int neverServed = 0;
        for (Worker w : workers) {
            if (w.failure != null) {
                throw new IllegalStateException(kind + ": a virtual thread failed", w.failure);
            }
            waits.add(w.waits);
            claims += w.claims;
            timeouts += w.timeouts;
            holdNanos += w.holdNanos;
            starved += w.longestGap >= TimeUnit.SECONDS.toNanos(STARVED_SECONDS) ? 1 : 0;
            neverServed += w.claims == 0 ? 1 : 0;
        }
        double seconds = (windowEnd - windowStart) / 1e9;
        long holdMean = claims == 0 ? 0 : holdNanos / claims;
        System.out.printf(Locale.ROOT, "pool=%s threads=%d size=%d seconds=%.1f claims=%d starved=%d neverServed=%d "
                + "timeouts=%d stuck=%d holdMeanNs=%d waits=%s%n", kind, THREADS, SIZE, seconds, claims, starved,
                neverServed, timeouts, stuck, holdMean, waits.encode());
        System.err.printf(Locale.ROOT, "%s: %.0f claims/s, %d of %d threads starved (%d never served), wait p50 %s "
                + "p99.9 %s max %s, %d timed out, mean hold %s%n", kind, claims / seconds, starved, THREADS,
                neverServed, WaitHistogram.format(waits.percentile(0.5)), WaitHistogram.format(waits.percentile(0.999)),
                WaitHistogram.format(waits.max()), timeouts, WaitHistogram.format(holdMean));
        if (stuck > 0) {
            System.err.println(kind + ": " + stuck + " threads were still waiting " + PoolUnderTest.CLAIM_TIMEOUT
                    + " after the window");
        }
        // The stuck threads (if any) are virtual, so daemons: they do not keep the JVM alive.
    }

    /** {@code Thread.ofVirtual().name("bench-vt-", 0).factory()}, through reflection: this module compiles for 17. */
    private static ThreadFactory virtualThreadFactory() {
        if (Runtime.version().feature() < 21) {
            System.err.println("VirtualThreads needs Java 21+ (virtual threads); this JVM is " + Runtime.version()
                    + ". Run it on JDK 21 or later, e.g. with /usr/lib/jvm/temurin-25-jdk-amd64/bin/java");
            System.exit(2);
        }
        try {
            Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
            Class<?> ofVirtual = Class.forName("java.lang.Thread$Builder$OfVirtual");
            builder = ofVirtual.getMethod("name", String.class, long.class).invoke(builder, "bench-vt-", 0L);
            return (ThreadFactory) ofVirtual.getMethod("factory").invoke(builder);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("cannot create virtual threads", e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create virtual threads", e);
        }
    }
}
