package io.cueball;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * CONNECTING. fillLocked starts connects where backends are below target, within what the pool may hold now.
 * Each connect is an Attempt: counted in its backend's `connecting` and in the pool's countable total from the
 * moment it starts, so invariant 1 holds while it runs. The factory runs on the executor (handed over after
 * unlock); a watchdog on the clock counts it as failed at connectTimeout, though it still counts as connecting
 * until the factory returns, because the thread is still busy with it.
 *
 * CONNECT HEALTH. A failed connect backs its backend off (BackoffPolicy, per backend; no connect until the retry
 * timer fires) and counts a failure in a row; deadAfterFailures in a row make the backend DEAD: its share moves
 * to the others at the next rebalance and it keeps one MONITOR slot, which goes on retrying with backoff. The
 * first successful connect makes it live again. A discarded connection counts a failure too, without backoff
 * (the backend is reachable; the connection is replaced at once).
 *
 * THREADS. connect() runs on the executor; the watchdog and retries on the clock's thread; *Locked under the lock.
 */

/** Connect attempts, their watchdog, backoff and retries, and dead marking. */
final class Connector<C extends Connection> {
    private static final Logger log = LoggerFactory.getLogger(ConnectionPool.class);

    private final PoolEngine<C> pool;
    private final ConnectionFactory<C> factory;
    private final long connectTimeout;
    private final long maxLifetime;

    /** One connect in flight, before its slot exists. Guarded by the lock. */
    private final class Attempt {
        final BackendState<C> backend;
        final Backend target;
        PoolClock.Timer watchdog;
        boolean done;
        boolean timedOut;

        Attempt(BackendState<C> backend) {
            this.backend = backend;
            this.target = backend.backend;
        }
    }

    Connector(PoolEngine<C> pool, ConnectionFactory<C> factory) {
        this.pool = pool;
        this.factory = factory;
        this.connectTimeout = pool.options.connectTimeout().toNanos();
        this.maxLifetime = pool.options.maxLifetime().toNanos();
    }

    /**
     * Starts connects where backends are below target, within what the pool may hold now: maxConnections for a
     * fixed-size pool, else claimed + waiting + spares (grow on demand).
     */
    void fillLocked(long now) {
        if (pool.isClosing()) {
            return;
        }
        int budget = pool.connectBudgetLocked();
        if (budget <= 0) {
            return;
        }
        int wanted = 0;
        for (BackendState<C> b : pool.backends.allLocked()) {
            if (fillable(b)) {
                wanted += b.effectiveTarget() - b.count();
            }
        }
        if (wanted <= 0) {
            return;
        }
        if (wanted <= budget) {
            for (BackendState<C> b : pool.backends.allLocked()) {
                while (fillable(b)) {
                    startLocked(b);
                }
            }
            return;
        }
        // Not enough room for every deficit: one at a time to the backend furthest below its target, so that
        // a growing pool stays balanced.
        for (; budget > 0; budget--) {
            BackendState<C> best = null;
            for (BackendState<C> b : pool.backends.allLocked()) {
                if (fillable(b) && (best == null
                        || b.effectiveTarget() - b.count() > best.effectiveTarget() - best.count())) {
                    best = b;
                }
            }
            if (best == null) {
                return;
            }
            startLocked(best);
        }
    }

    private static boolean fillable(BackendState<?> b) {
        return !b.removed && !b.backingOff && b.count() < b.effectiveTarget();
    }

    private void startLocked(BackendState<C> b) {
        b.connecting++;
        pool.countable++;
        Attempt attempt = new Attempt(b);
        attempt.watchdog = pool.schedule(() -> timedOut(attempt), connectTimeout);
        pool.submitLocked(() -> connect(attempt));
    }

    /** Runs on the executor. */
    private void connect(Attempt attempt) {
        C connection = null;
        Throwable error = null;
        try {
            connection = factory.connect(attempt.target);
            if (connection == null) {
                error = new NullPointerException("connection factory returned null for " + attempt.target.key());
            }
        } catch (Throwable t) { // everything the factory throws is a failed connect of that backend
            error = t;
        }
        if (error != null) {
            failed(attempt, error);
            if (error instanceof VirtualMachineError) {
                throw (VirtualMachineError) error;
            }
        } else {
            connected(attempt, connection);
        }
    }

    private void connected(Attempt attempt, C connection) {
        BackendState<C> b = attempt.backend;
        boolean late;
        pool.lock();
        try {
            attempt.done = true;
            attempt.watchdog.cancel();
            late = attempt.timedOut || b.removed || pool.isClosing();
            if (!late) {
                b.connecting--;
                long now = pool.clock.nanoTime();
                b.connectsSucceeded++;
                b.consecutiveFailures = 0;
                pool.everConnected = true;
                if (b.dead) {
                    b.dead = false;
                    cancelRetryLocked(b);
                    log.info("pool '{}': backend {} is alive again", pool.name(), b.key);
                    Backend alive = b.backend;
                    pool.events.emit(l -> l.backendAlive(alive));
                    pool.backends.armRebalanceLocked();
                }
                Slot<C> slot = new Slot<>(b, connection, now, lifetimeLocked());
                b.slots.add(slot);
                pool.idle.addLocked(slot);
                Backend opened = b.backend;
                pool.events.emit(l -> l.connectionOpened(opened));
                pool.updateStateLocked();
                if (b.count() > b.effectiveTarget()) {
                    pool.closeLocked(slot); // the target shrank while it was connecting
                } else {
                    pool.offerLocked(slot);
                }
                fillLocked(now);
                pool.signalIfClosingLocked();
            }
        } finally {
            pool.unlock();
        }
        if (late) {
            // Timed out, removed or closing: it never enters the pool. It is closed here, once, and counts as
            // connecting until that close has returned, so that its replacement cannot open beside it
            // (invariant 1) and close() waits for it (invariant 4).
            ConnectionHooks.close(connection, pool.name(), b.key);
            pool.lock();
            try {
                b.connecting--;
                pool.countable--;
                pool.backends.forgetIfDrainedLocked(b);
                // A backoff retry that fired while the connect still counted started nothing: start it now.
                fillLocked(pool.clock.nanoTime());
                pool.signalIfClosingLocked();
            } finally {
                pool.unlock();
            }
        }
    }

    private long lifetimeLocked() {
        if (maxLifetime <= 0) {
            return 0;
        }
        // Up to 1/40 earlier per connection, so that a pool opened all at once does not expire all at once.
        return maxLifetime - (long) (pool.random.nextDouble() * (maxLifetime / 40));
    }

    private void failed(Attempt attempt, Throwable error) {
        pool.lock();
        try {
            attempt.done = true;
            attempt.watchdog.cancel();
            BackendState<C> b = attempt.backend;
            b.connecting--;
            pool.countable--;
            long now = pool.clock.nanoTime();
            if (!attempt.timedOut && !b.removed && !pool.isClosing()) {
                b.connectsFailed++;
                recordFailureLocked(b, error, now, true);
            }
            pool.backends.forgetIfDrainedLocked(b);
            fillLocked(now);
            pool.signalIfClosingLocked();
        } finally {
            pool.unlock();
        }
        log.debug("pool '{}': connect to {} failed: {}", pool.name(), attempt.target.key(), error.toString());
    }

    /** The connect watchdog: counts a connect that outlived connectTimeout as failed. */
    private void timedOut(Attempt attempt) {
        pool.lock();
        try {
            if (attempt.done || pool.isClosing()) {
                return;
            }
            attempt.timedOut = true;
            BackendState<C> b = attempt.backend;
            b.connectsFailed++;
            // It still counts as connecting until the factory returns: the thread is still busy with it.
            recordFailureLocked(b, new CueballException("pool '" + pool.name() + "': connect to " + b.key
                    + " did not finish within connectTimeout (" + pool.options.connectTimeout().toMillis() + " ms)"),
                    pool.clock.nanoTime(), true);
        } finally {
            pool.unlock();
        }
    }

    /** Counts a failure: backoff (for connect failures), dead marking, pool state. */
    void recordFailureLocked(BackendState<C> b, Throwable error, long now, boolean backoff) {
        b.lastError = error;
        pool.lastError = error;
        b.consecutiveFailures++;
        Backend failed = b.backend;
        pool.events.emit(l -> l.connectionFailed(failed, error));
        if (backoff) {
            cancelRetryLocked(b);
            b.backingOff = true;
            long delay = pool.options.backoff().delayNanos(b.consecutiveFailures, pool.random);
            b.retryTimer = pool.schedule(() -> retry(b), delay);
        }
        if (!b.dead && b.consecutiveFailures >= pool.options.deadAfterFailures()) {
            b.dead = true;
            log.warn("pool '{}': backend {} is dead after {} failures in a row: {}", pool.name(), b.key,
                    b.consecutiveFailures, String.valueOf(error));
            pool.events.emit(l -> l.backendDead(failed, error));
            pool.backends.armRebalanceLocked();
            pool.backends.retireSurplusLocked(now); // a dead backend keeps one monitor connection at most
        }
        pool.updateStateLocked();
    }

    private void retry(BackendState<C> b) {
        pool.lock();
        try {
            b.retryTimer = null;
            b.backingOff = false;
            fillLocked(pool.clock.nanoTime());
        } finally {
            pool.unlock();
        }
    }

    void cancelRetryLocked(BackendState<C> b) {
        if (b.retryTimer != null) {
            b.retryTimer.cancel();
            b.retryTimer = null;
        }
        b.backingOff = false;
    }
}
