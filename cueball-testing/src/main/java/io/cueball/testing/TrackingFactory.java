package io.cueball.testing;

import io.cueball.Backend;
import io.cueball.Connection;
import io.cueball.ConnectionFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Wraps a {@link ConnectionFactory} and keeps count of every connection it makes: how many exist at each
 * moment (connecting or open, the number invariant 1 limits) and the peak, and how many times each was closed
 * (invariant 4). Thread-safe.
 *
 * @param <C> the wrapped type of connection
 */
public final class TrackingFactory<C extends Connection> implements ConnectionFactory<TrackingFactory.Tracked<C>> {

    /**
     * A connection that counts its closes.
     *
     * @param <C> the wrapped type
     */
    public static final class Tracked<C extends Connection> implements Connection {
        private final C delegate;
        private final Backend backend;
        private final TrackingFactory<C> owner;
        private final AtomicInteger closes = new AtomicInteger();
        /** Set while a claim holds it; tests use it to detect two holders at once. */
        private final AtomicBoolean held = new AtomicBoolean();

        Tracked(C delegate, Backend backend, TrackingFactory<C> owner) {
            this.delegate = delegate;
            this.backend = backend;
            this.owner = owner;
        }

        /** @return the wrapped connection */
        public C delegate() {
            return delegate;
        }

        /** @return the backend it was made for */
        public Backend backend() {
            return backend;
        }

        /** @return how many times {@link #close()} was called */
        public int closes() {
            return closes.get();
        }

        /**
         * Marks the connection as held by the caller.
         *
         * @return false if someone else already holds it
         */
        public boolean hold() {
            return held.compareAndSet(false, true);
        }

        /** Marks the connection as no longer held. */
        public void unhold() {
            held.set(false);
        }

        @Override
        public boolean isHealthy() {
            return delegate.isHealthy();
        }

        @Override
        public boolean isBroken() {
            return delegate.isBroken();
        }

        @Override
        public void reset() throws Exception {
            delegate.reset();
        }

        /** Closes the wrapped connection; it stops counting as existing only once that close has returned. */
        @Override
        public void close() {
            int n = closes.incrementAndGet();
            long delay = owner.closeDelayNanos;
            if (delay > 0) {
                LockSupport.parkNanos(delay); // a close that talks to the server, like a database's goodbye
            }
            delegate.close();
            if (n == 1) {
                owner.existing.decrementAndGet();
            }
        }
    }

    private final ConnectionFactory<C> delegate;
    private final AtomicInteger existing = new AtomicInteger();
    private final AtomicInteger peak = new AtomicInteger();
    private final AtomicInteger attempts = new AtomicInteger();
    private final AtomicInteger failures = new AtomicInteger();
    private final List<Tracked<C>> made = new CopyOnWriteArrayList<>();
    private volatile long closeDelayNanos;

    /** @param delegate the factory that really connects */
    public TrackingFactory(ConnectionFactory<C> delegate) {
        this.delegate = delegate;
    }

    @Override
    public Tracked<C> connect(Backend backend) throws Exception {
        attempts.incrementAndGet();
        peak.accumulateAndGet(existing.incrementAndGet(), Math::max);
        try {
            Tracked<C> t = new Tracked<>(delegate.connect(backend), backend, this);
            made.add(t);
            return t;
        } catch (Exception | Error e) {
            existing.decrementAndGet();
            failures.incrementAndGet();
            throw e;
        }
    }

    /**
     * Makes every later {@code close()} take this long, so that tests can see whether the pool counts a
     * connection until its close has returned.
     *
     * @param delay how long each close takes
     * @return this factory
     */
    public TrackingFactory<C> slowClose(Duration delay) {
        this.closeDelayNanos = delay.toNanos();
        return this;
    }

    /** @return connections connecting or open now (a closing connection exists until its close returns) */
    public int existing() {
        return existing.get();
    }

    /** @return the most that ever existed at once */
    public int peak() {
        return peak.get();
    }

    /** Starts measuring the peak afresh from the current count. */
    public void resetPeak() {
        peak.set(existing.get());
    }

    /** @return connect attempts so far */
    public int attempts() {
        return attempts.get();
    }

    /** @return failed connect attempts so far */
    public int failures() {
        return failures.get();
    }

    /** @return every connection made so far */
    public List<Tracked<C>> made() {
        return List.copyOf(made);
    }

    /** @return connections made but not closed */
    public List<Tracked<C>> open() {
        return made.stream().filter(t -> t.closes() == 0).toList();
    }

    /** @return connections closed more than once (always empty, if invariant 4 holds) */
    public List<Tracked<C>> closedMoreThanOnce() {
        return made.stream().filter(t -> t.closes() > 1).toList();
    }
}
