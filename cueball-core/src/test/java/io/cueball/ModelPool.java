package io.cueball;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A pool that starts no thread of its own, for the model-checking tests: in-memory connections, a resolver
 * the test drives, a manual clock (advanced by the test, on the test's thread) and an executor that runs the
 * pool's blocking work on the thread that hands it over (the engine does so only after unlocking). So every
 * thread that touches the pool is one the model checker schedules.
 *
 * <p>Build it inside the code the model checker runs ({@code Lincheck.runConcurrentTest}), not before: the
 * checker makes identity hash codes constant in the code it runs, so a pool built outside it (its slots sit in
 * identity-hashed sets) could not find its own connections inside it.
 *
 * <p>{@link #run} starts the threads of a scenario and joins them; {@link #checkAtRest} checks the pool once
 * they are done.
 */
final class ModelPool {
    /** The rebalance delay; advancing the clock by it runs a pending rebalance. */
    static final Duration REBALANCE_DELAY = Duration.ofMillis(100);
    static final int MAX_CONNS_EVER = 32;

    final Backend[] backends;
    final ManualClock clock = new ManualClock();
    final InMemoryResolver resolver;
    /** Every connection the factory made, in order. */
    final AtomicReferenceArray<TestConn> made = new AtomicReferenceArray<>(MAX_CONNS_EVER);
    final AtomicInteger madeCount = new AtomicInteger();
    final ConnectionPool<TestConn> pool;
    /** Claims that got a connection (counted by the operations below). */
    final AtomicInteger served = new AtomicInteger();
    /** The last connect failure the pool reported: none is expected. */
    volatile Throwable connectFailure;

    final int maxConnections;

    ModelPool(int maxConnections, int threadAffinity, int backendCount) {
        this.maxConnections = maxConnections;
        backends = new Backend[backendCount];
        for (int i = 0; i < backendCount; i++) {
            backends[i] = Backend.of("backend-" + i, 5432);
        }
        resolver = new InMemoryResolver(backends);
        pool = ConnectionPool.<TestConn>builder(resolver, b -> {
            int i = madeCount.getAndIncrement();
            TestConn c = new TestConn(b, i);
            if (i >= MAX_CONNS_EVER) {
                throw new AssertionError("the pool opened more than " + MAX_CONNS_EVER + " connections");
            }
            made.set(i, c);
            return c;
        })
                .name("model")
                .maxConnections(maxConnections)
                .threadAffinity(threadAffinity)
                .rebalanceDelay(REBALANCE_DELAY)
                .claimTimeout(Duration.ofSeconds(30))
                .closeTimeout(Duration.ofSeconds(1))
                .clock(clock)
                .executor(Runnable::run)
                .random(new Random(42))
                .listener(new PoolListener() {
                    @Override
                    public void connectionFailed(Backend backend, Throwable error) {
                        connectFailure = error;
                    }
                })
                .build();
        clock.advance(REBALANCE_DELAY); // the first rebalance: connects, on this thread
    }

    /** The resolver reports the backend gone; the rebalance then runs on this thread. */
    void removeAndRebalance(int backend) {
        resolver.remove(backends[backend]);
        clock.advance(REBALANCE_DELAY);
    }

    /** The resolver reports the backend gone; the rebalance is due {@link #REBALANCE_DELAY} later. */
    void reportRemoved(int backend) {
        resolver.remove(backends[backend]);
    }

    /** Runs the pending rebalance, on this thread. */
    void rebalanceNow() {
        clock.advance(REBALANCE_DELAY);
    }

    /** The resolver reports the backend back; the rebalance then runs on this thread. */
    void addAndRebalance(int backend) {
        resolver.add(backends[backend]);
        clock.advance(REBALANCE_DELAY);
    }

    /**
     * tryClaim, and if it got a connection: checks that no other claim holds it and that it is open, then
     * releases it. Returns whether it got one.
     */
    boolean claimAndRelease() {
        Optional<Claim<TestConn>> claim = pool.tryClaim();
        if (claim.isEmpty()) {
            return false; // allowed: the only idle connection may be passing between a release and the ring
        }
        use(claim.get());
        return true;
    }

    /**
     * Claims, on this thread, the connection of the given backend and keeps it; releases what else it had to
     * claim to find it. For a scenario that starts with a connection held, to be released by another thread.
     *
     * @return the claim, or null if no idle connection of that backend was found
     */
    Claim<TestConn> hold(int backend) {
        Claim<TestConn> other = null;
        try {
            for (int i = 0; i <= maxConnections; i++) {
                Claim<TestConn> claim = pool.tryClaim().orElse(null);
                if (claim == null) {
                    return null;
                }
                served.incrementAndGet();
                if (claim.backend() == backends[backend]) {
                    return claim;
                }
                if (other != null) {
                    other.close();
                }
                other = claim;
            }
            return null;
        } finally {
            if (other != null) {
                other.close();
            }
        }
    }

    /** Claims with a deadline, waiting if need be; then as {@link #claimAndRelease}. */
    void claimWaitingAndRelease(Duration timeout) {
        use(pool.claim(timeout));
    }

    private void use(Claim<TestConn> claim) {
        served.incrementAndGet();
        TestConn c = claim.connection();
        boolean alone = c.hold();
        boolean open = c.isOpen();
        c.unhold();
        claim.close();
        if (!alone) {
            throw new AssertionError("two claims held " + c + " at once (invariant 3)");
        }
        if (!open) {
            throw new AssertionError("a claim was handed the closed connection " + c);
        }
    }

    /**
     * Once every thread is done: no connection of a removed backend is open (RETIRE), each wanted backend has its
     * share, no connection was closed twice, stats() adds up (nothing claimed, connecting, closing or waiting;
     * idle = the open connections = maxConnections; claims served = claims made). Then closes the pool and checks
     * that every connection was closed exactly once.
     */
    void checkAtRest() {
        int open = 0;
        int[] openOf = new int[backends.length];
        int n = madeCount.get();
        for (int i = 0; i < n; i++) {
            TestConn c = made.get(i);
            int closes = c.closes.get();
            if (closes > 1) {
                fail(c + " was closed " + closes + " times (invariant 4)");
            }
            if (c.holders.get() != 0) {
                fail(c + " is still held after every claim was released");
            }
            if (closes == 0) {
                open++;
                openOf[indexOf(c.backend)]++;
            }
        }
        int wanted = 0;
        for (int b = 0; b < backends.length; b++) {
            if (resolver.present[b]) {
                wanted++;
            } else if (openOf[b] != 0) {
                fail("backend " + b + " was removed, yet " + openOf[b] + " of its connections are open (RETIRE)");
            }
        }
        PoolStats s = pool.stats();
        if (s.claimed() != 0 || s.connecting() != 0 || s.closing() != 0 || s.waiting() != 0) {
            fail("with every claim released and all work done, stats are not at rest");
        }
        if (s.idle() != open) {
            fail("stats count " + s.idle() + " idle connections, but " + open + " are open");
        }
        if (open != maxConnections) {
            fail(open + " connections are open, not maxConnections " + maxConnections);
        }
        for (int b = 0; b < backends.length; b++) {
            if (resolver.present[b] && openOf[b] != maxConnections / wanted) {
                fail("backend " + b + " has " + openOf[b] + " connections, not " + maxConnections / wanted);
            }
        }
        if (s.claims() != served.get()) {
            fail("stats count " + s.claims() + " claims served, but " + served.get() + " claims got a connection");
        }
        pool.close();
        for (int i = 0; i < n; i++) {
            if (made.get(i).closes.get() != 1) {
                fail("after close(), " + made.get(i) + " was closed " + made.get(i).closes.get() + " times, not once");
            }
        }
        if (pool.stats().total() != 0) {
            fail("connections left after close()");
        }
    }

    private int indexOf(Backend b) {
        for (int i = 0; i < backends.length; i++) {
            if (backends[i] == b) {
                return i;
            }
        }
        throw new IllegalArgumentException(b.toString());
    }

    void fail(String what) {
        throw new AssertionError(what + " (" + describe() + ")");
    }

    /** Runs each body on a thread of its own, joins them all, and rethrows the first failure. */
    static void run(Runnable... bodies) {
        Thread[] threads = new Thread[bodies.length];
        Throwable[] failures = new Throwable[bodies.length];
        for (int i = 0; i < bodies.length; i++) {
            int k = i;
            threads[i] = new Thread(() -> {
                try {
                    bodies[k].run();
                } catch (Throwable t) {
                    failures[k] = t;
                }
            });
            threads[i].start();
        }
        for (int i = 0; i < bodies.length; i++) {
            try {
                threads[i].join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
            if (failures[i] instanceof RuntimeException e) {
                throw e;
            }
            if (failures[i] instanceof Error e) {
                throw e;
            }
        }
    }

    /** What the connections say about the pool: call it when no other thread touches the pool. */
    String describe() {
        StringBuilder b = new StringBuilder("connections made:");
        for (int i = 0; i < madeCount.get(); i++) {
            b.append(' ').append(made.get(i));
        }
        b.append("; ").append(pool.stats());
        if (connectFailure != null) {
            b.append("; last connect failure: ").append(connectFailure);
        }
        return b.toString();
    }

    /** A connection that counts who holds it and how often it was closed. */
    static final class TestConn implements Connection {
        final Backend backend;
        /** Claims that hold it right now: never more than one (invariant 3). */
        final AtomicInteger holders = new AtomicInteger();
        final AtomicInteger closes = new AtomicInteger();
        /** Its place in the order the factory made connections. */
        final int number;

        TestConn(Backend backend, int number) {
            this.backend = backend;
            this.number = number;
        }

        /** Called by the claim's thread once it has the connection; false if someone else holds it too. */
        boolean hold() {
            return holders.incrementAndGet() == 1;
        }

        void unhold() {
            holders.decrementAndGet();
        }

        boolean isOpen() {
            return closes.get() == 0;
        }

        @Override
        public void close() {
            closes.incrementAndGet();
        }

        @Override
        public String toString() {
            return backend.host() + "#" + number + "(closes=" + closes.get()
                    + ", holders=" + holders.get() + ")";
        }
    }

    /** A resolver the test drives: it reports its initial backends on start, then what the test says. */
    static final class InMemoryResolver implements Resolver {
        private final Backend[] initial;
        private volatile ResolverListener listener;
        /** Whether each backend is reported now; written by the one thread that changes it. */
        final boolean[] present;

        InMemoryResolver(Backend[] initial) {
            this.initial = initial;
            this.present = new boolean[initial.length];
        }

        @Override
        public void start(ResolverListener l) {
            this.listener = l;
            for (int i = 0; i < initial.length; i++) {
                present[i] = true;
                l.backendAdded(initial[i]);
            }
        }

        void remove(Backend b) {
            present[indexOf(b)] = false;
            listener.backendRemoved(b);
        }

        void add(Backend b) {
            present[indexOf(b)] = true;
            listener.backendAdded(b);
        }

        private int indexOf(Backend b) {
            for (int i = 0; i < initial.length; i++) {
                if (initial[i] == b) {
                    return i;
                }
            }
            throw new IllegalArgumentException(b.toString());
        }

        @Override
        public void close() {
        }
    }

    /**
     * A clock that moves only when told. Tasks run on the thread that advances it, outside its lock (the pool
     * takes its own lock in them, and calls {@link #schedule} under it).
     */
    static final class ManualClock implements PoolClock {
        private final ReentrantLock lock = new ReentrantLock();
        private volatile long now = 1_000_000_000L;
        private final List<Task> tasks = new ArrayList<>();

        private static final class Task implements Timer {
            final Runnable run;
            final long due;
            volatile boolean cancelled;

            Task(Runnable run, long due) {
                this.run = run;
                this.due = due;
            }

            @Override
            public void cancel() {
                cancelled = true;
            }
        }

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public Timer schedule(Runnable task, long delayNanos) {
            lock.lock();
            try {
                Task t = new Task(task, now + delayNanos);
                tasks.add(t);
                return t;
            } finally {
                lock.unlock();
            }
        }

        /** Moves time forward and runs, on this thread and in order of their due times, the tasks due by then. */
        void advance(Duration by) {
            long until;
            lock.lock();
            try {
                until = now + by.toNanos();
            } finally {
                lock.unlock();
            }
            for (;;) {
                Task next = null;
                lock.lock();
                try {
                    for (Iterator<Task> it = tasks.iterator(); it.hasNext();) {
                        Task t = it.next();
                        if (t.cancelled) {
                            it.remove();
                        } else if (t.due <= until && (next == null || t.due < next.due)) {
                            next = t;
                        }
                    }
                    if (next == null) {
                        now = Math.max(now, until);
                        return;
                    }
                    tasks.remove(next);
                    now = Math.max(now, next.due);
                } finally {
                    lock.unlock();
                }
                next.run.run();
            }
        }
    }
}
