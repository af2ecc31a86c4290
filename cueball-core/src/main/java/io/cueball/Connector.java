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
 * CONNECT HEALTH. Only connect outcomes count here; use outcomes are BackendHealth's and never make a backend
 * dead. A failed connect counts a failure in a row; deadAfterFailures in a row make the backend DEAD: its share
 * moves to the others at once (re-plan) and it keeps one MONITOR slot. Backoff is per backend, by ROUND: the
 * first failure of a round backs the whole backend off (no connect until its retry timer fires, after
 * BackoffPolicy.delayNanos(level)); failures of connects already in flight in that round do not raise the level
 * again. While its last connect failed, a backend opens one connect at a time (a probe; the rest follow once one
 * succeeds). A successful connect ends the backoff and revives a dead backend (so do a passed health check and a
 * successful use of a connection it still holds: BackendHealth.reviveLocked).
 *
 * PROBES. When a dead (or UNPROVEN, see BackendHealth) backend's retry timer fires and it still holds a connection (its
 * monitor slot is taken by a survivor), it probes anyway: with a connect beside the survivor if the pool has room, else
 * by closing the idle survivor so that the monitor slot connects anew. While the pool is FAILED, a claim triggers a
 * probe of every dead backend at once (probeNowLocked: at most one connect in flight per backend, at most one probe per
 * backend per backoff.initial()), so that with claims flowing the pool recovers within one connect of a server's
 * return.
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
        return !b.removed && !b.backingOff && b.count() < b.effectiveTarget()
                && (b.connectFailures == 0 || b.connecting == 0); // after a failure, one probe at a time
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
        long began = pool.clock.nanoTime();
        try {
            connection = factory.connect(attempt.target);
            if (connection == null) {
                error = new NullPointerException("connection factory returned null for " + attempt.target.key());
            }
        } catch (Throwable t) { // everything the factory throws is a failed connect of that backend
            error = t;
        }
        long took = pool.clock.nanoTime() - began;
        if (error != null) {
            failed(attempt, error);
            pool.connectEnded(attempt.target, took, error);
            if (error instanceof VirtualMachineError) {
                throw (VirtualMachineError) error;
            }
        } else {
            connected(attempt, connection);
            pool.connectEnded(attempt.target, took, null);
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
                b.connectFailures = 0;
                b.backoffLevel = 0;
                cancelRetryLocked(b);
                pool.everConnected = true;
                Slot<C> slot = new Slot<>(b, connection, now, lifetimeLocked());
                b.slots.add(slot);
                pool.idle.addLocked(slot);
                if (b.dead) {
                    pool.health.reviveLocked(b, now, "a connect succeeded", true); // re-plans: its target grows
                } else if (b.unproven) {
                    b.unproven = false; // revived by a use or check; now a connect proves it: its share back
                    pool.backends.replanLocked(now);
                }
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
                recordFailureLocked(b, error, now);
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
                    pool.clock.nanoTime());
        } finally {
            pool.unlock();
        }
    }

    /** Counts a connect failure: backoff (once per round), dead marking, pool state. */
    private void recordFailureLocked(BackendState<C> b, Throwable error, long now) {
        b.lastError = error;
        pool.lastError = error;
        b.connectFailures++;
        Backend failed = b.backend;
        pool.events.emit(l -> l.connectionFailed(failed, error));
        if (!b.backingOff) {
            b.backoffLevel++;
            b.backingOff = true;
            long delay = pool.options.backoff().delayNanos(b.backoffLevel, pool.random);
            b.retryTimer = pool.schedule(() -> retry(b), delay);
        }
        if (b.dead) {
            b.reason = reasonDead(b, error);
        } else if (b.connectFailures >= pool.options.deadAfterFailures()) {
            markDeadLocked(b, error, now);
        }
        pool.updateStateLocked();
    }

    private void markDeadLocked(BackendState<C> b, Throwable error, long now) {
        b.dead = true;
        b.reason = reasonDead(b, error);
        log.warn("pool '{}': backend {} is dead after {} connect failures in a row: {}", pool.name(), b.key,
                b.connectFailures, String.valueOf(error));
        Backend failed = b.backend;
        pool.events.emit(l -> l.backendDead(failed, error));
        // Its slots' uses come to the lock from now on (a successful one revives it), and it keeps one.
        pool.backends.retireAllLocked(b);
        pool.backends.replanLocked(now);
        pool.health.ensureServiceLocked(now);
    }

    private static String reasonDead(BackendState<?> b, Throwable error) {
        return b.connectFailures + " connect failures in a row; last: " + error;
    }

    /** The retry timer: the backoff is over; a dead backend whose monitor slot a survivor holds probes anyway. */
    private void retry(BackendState<C> b) {
        pool.lock();
        try {
            b.retryTimer = null;
            b.backingOff = false;
            long now = pool.clock.nanoTime();
            if (b.dead && !b.removed && !pool.isClosing() && b.connecting == 0 && b.target == 0
                    && b.count() == 0) {
                // The plan left it no monitor slot (at least as many live backends as connections, as in a fleet),
                // so no probe can be made beside the others. Give it the benefit of the doubt: it is planned as
                // live again, and if the pool prefers it, its connect is the probe. Its failure count stays, so
                // one more failed connect makes it dead again at once, and the next retry backs off further.
                b.dead = false;
                b.reason = null;
                pool.backends.replanLocked(now);
                return;
            }
            if ((b.dead || b.unproven) && !b.removed && !pool.isClosing() && b.connecting == 0
                    && b.count() >= b.effectiveTarget()) {
                probeLocked(b, now);
            }
            fillLocked(now);
        } finally {
            pool.unlock();
        }
    }

    /**
     * Starts a probe connect of a dead backend beside its survivor if the pool has room; else closes an idle
     * survivor so that fillLocked connects its monitor slot anew once the close has returned. A survivor that is
     * claimed can do neither: the next retry is armed at the same backoff.
     */
    private void probeLocked(BackendState<C> b, long now) {
        if (pool.connectBudgetLocked() > 0) {
            startLocked(b);
            return;
        }
        java.util.List<Slot<C>> held = pool.idle.takeAllLocked();
        boolean closed = false;
        for (int i = 0; i < held.size() && !closed; i++) {
            if (held.get(i).backend == b) {
                pool.closeLocked(held.set(i, null));
                closed = true;
            }
        }
        pool.restoreIdleLocked(held, now);
        if (!closed && b.retryTimer == null) {
            // No room beside the survivor and the survivor claimed: its use may revive the backend, but only a
            // connect proves it, so try again after the same backoff rather than never (a full pool would
            // otherwise leave a revived, unproven backend at its one monitor slot for good).
            b.backingOff = true;
            b.retryTimer = pool.schedule(() -> retry(b),
                    pool.options.backoff().delayNanos(Math.max(1, b.backoffLevel), pool.random));
        }
    }

    /**
     * A claim found the pool FAILED: probe every dead backend now rather than at the end of its backoff, at most
     * one connect in flight and one probe per backoff.initial() per backend.
     */
    void probeNowLocked(long now) {
        long interval = pool.options.backoff().initial().toNanos();
        for (BackendState<C> b : pool.backends.allLocked()) {
            if (!b.dead || b.removed || b.connecting > 0 || (b.probed && now - b.lastProbeAt < interval)) {
                continue;
            }
            b.probed = true;
            b.lastProbeAt = now;
            cancelRetryLocked(b);
            if (b.count() < b.effectiveTarget()) {
                fillLocked(now);
            } else {
                probeLocked(b, now);
            }
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
