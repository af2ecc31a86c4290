package io.cueball;

import io.cueball.internal.NamedThreadFactory;
import io.cueball.internal.RebalancePlan;
import io.cueball.internal.SystemClock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * MAINTAINER NOTES: how the engine stays correct. Keep this comment true.
 *
 * THE LOCK. One ReentrantLock, `lock`, guards every mutable field of this class, of BackendState and of Slot,
 * and the non-volatile fields of Claim (slot, failure). Claim.state is volatile: it is written under the lock
 * except for the holder's own ACTIVE -> CLOSED compare-and-set, and read without it by the claiming thread.
 *
 * NEVER UNDER THE LOCK: connection I/O (connect, close, isHealthy run on the connector executor, or on the
 * claiming thread for the check-on-claim), listener calls (queued in `events` under the lock in the order
 * they happen, delivered after unlock by drainEvents(), one thread at a time), resolver calls, and blocking
 * waits. What does happen under it is bounded and quick: queue operations, counters, handing tasks to the
 * executor and the clock (both non-blocking), LockSupport.unpark. No Java monitor (intrinsic lock) is used
 * anywhere, so virtual threads never pin here.
 *
 * LOCK ORDER: a resolver may hold its own lock while it calls the ResolverListener methods below, which take
 * this lock; this class never calls a resolver while holding it. The clock's and executor's internal locks
 * are taken under this one and never the other way round (their tasks run outside their locks).
 *
 * COUNTS. Per backend: connecting + idle + claimed + checking (+ closing) describe every connection that exists.
 * `countable` is what invariant 1 limits: all of them, minus claimed connections of removed backends
 * ("exempt" slots). A new connect starts only if countable < the current limit, so the invariant holds at every
 * instant; a closing connection still counts until its close() has returned ("removals before additions").
 *
 * WAITERS. A claim that finds no idle connection enqueues itself (the Claim object is the waiter) and parks.
 * A release hands its slot straight to the oldest waiter (FIFO) under the lock, sets the waiter ACTIVE and
 * unparks it. A waiter that times out or is interrupted takes the lock and, if still WAITING, cancels itself
 * and leaves the queue; whoever gets the lock first wins, so a slot is never lost or given twice.
 *
 * TIME. Everything timed goes through `clock` (debounced rebalance, decoherence, housekeeping, backoff
 * retries, connect watchdogs), so a manual clock drives it in tests. Claim and close timeouts are real waits
 * of real threads and use System.nanoTime().
 *
 * INVARIANTS (DESIGN.md; each has a test in cueball-tests):
 *   1. countable <= maxConnections at every instant.
 *   2. After a rebalance settles, live backends hold their plan targets, which differ by at most one
 *      (or follow the weights within one): RebalancePlan.
 *   3. A slot has at most one ACTIVE claim; Claim.connection() checks its own state, so a closed claim cannot
 *      reach a slot handed to someone else.
 *   4. A slot reaches CLOSING exactly once (closeLocked), and its connection is closed exactly once.
 *   5. A claim ends ACTIVE, or throws: timeout, no backends, failed, closed, interrupted.
 *   6. resolverFailed() changes nothing but a log line and an event.
 *   7. close() joins every thread this engine (and its own SystemClock) started.
 */

/** The pool engine behind {@link ConnectionPool}. See the maintainer notes above. */
final class PoolEngine<C extends Connection> implements ResolverListener {
    private static final Logger log = LoggerFactory.getLogger(ConnectionPool.class);

    enum Disposition { RETURN, DISCARD, STALE }

    private static final int YIELDS_BEFORE_PARK = 16;

    final PoolOptions options;
    private final String name;
    private final Resolver resolver;
    private final ConnectionFactory<C> factory;
    private final PoolClock clock;
    private final SystemClock ownClock;
    private final RandomGenerator random;
    private final PoolListener listener;
    private final NamedThreadFactory connectThreads;
    private final ThreadPoolExecutor executor;

    private final int max;
    private final int spares;
    private final long rebalanceDelay;
    private final long decoherenceInterval;
    private final long healthCheckInterval;
    private final long idleTimeout;
    private final long maxLifetime;
    private final long connectTimeout;
    private final long checkOnClaimAfter;
    private final long housekeepingInterval;

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled, while closing, whenever a claimed, connecting, checking or closing connection finishes. */
    private final Condition settled = lock.newCondition();

    // ---- guarded by lock ----
    /** The resolver's current view, updated at once by its events; applied by the next rebalance. */
    private final Map<String, Backend> desired = new LinkedHashMap<>();
    /** Applied backends, including removed ones whose connections are still draining. */
    private final Map<String, BackendState<C>> backends = new LinkedHashMap<>();
    private final ArrayDeque<Slot<C>> idle = new ArrayDeque<>();
    private final ArrayDeque<Claim<C>> waiters = new ArrayDeque<>();
    private int countable;
    private int claimedCounted;
    private int idleLowWater;
    private long lowWaterSince;
    private PoolState state = PoolState.STARTING;
    private boolean everConnected;
    private Throwable lastError;
    private PoolClock.Timer rebalanceTimer;
    private PoolClock.Timer housekeepingTimer;
    private PoolClock.Timer decoherenceTimer;
    private long claims;
    private long claimTimeouts;
    private long rebalances;

    // ---- thread-safe on their own ----
    private final ConcurrentLinkedQueue<Runnable> events = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    /** Connections released after close() finished: closed by the releasing thread once it has unlocked. */
    private final ConcurrentLinkedQueue<Slot<C>> lateCloses = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean closeStarted = new AtomicBoolean();
    private final CountDownLatch closed = new CountDownLatch(1);

    PoolEngine(PoolOptions options, Resolver resolver, ConnectionFactory<C> factory, PoolClock clock,
            RandomGenerator random, PoolListener listener) {
        this.options = options;
        this.name = options.name();
        this.resolver = resolver;
        this.factory = factory;
        this.ownClock = clock == null ? new SystemClock(name) : null;
        this.clock = clock == null ? ownClock : clock;
        this.random = random;
        this.listener = listener;
        this.max = options.maxConnections();
        this.spares = options.spares();
        this.rebalanceDelay = options.rebalanceDelay().toNanos();
        this.decoherenceInterval = options.decoherenceInterval().toNanos();
        this.healthCheckInterval = options.healthCheckInterval().toNanos();
        this.idleTimeout = options.idleTimeout().toNanos();
        this.maxLifetime = options.maxLifetime().toNanos();
        this.connectTimeout = options.connectTimeout().toNanos();
        this.checkOnClaimAfter = PoolOptions.CHECK_ON_CLAIM_AFTER_IDLE.toNanos();
        long every = healthCheckInterval;
        if (spares < max) {
            every = Math.min(every, idleTimeout);
        }
        if (maxLifetime > 0) {
            every = Math.min(every, Math.max(1, maxLifetime / 4));
        }
        this.housekeepingInterval = every;

        this.connectThreads = new NamedThreadFactory(name, "connect");
        int threads = Math.max(2, Math.min(max, 16));
        this.executor = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), connectThreads);
        executor.allowCoreThreadTimeOut(true);
    }

    /** Starts timers and the resolver. On failure everything started is stopped again. */
    void start() {
        lock.lock();
        try {
            long now = clock.nanoTime();
            lowWaterSince = now;
            housekeepingTimer = clock.schedule(guard(this::housekeep), housekeepingInterval);
            decoherenceTimer = clock.schedule(guard(this::decohere), decoherenceInterval);
        } finally {
            lock.unlock();
        }
        try {
            resolver.start(this);
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
        afterUnlock();
    }

    // =====================================================================================================
    // Claim and release: the hot path. O(1), one allocation (the Claim), no I/O.
    // =====================================================================================================

    /**
     * Claims a connection.
     *
     * @param timeoutNanos how long to wait; ignored when {@code mayWait} is false
     * @param mayWait      false for tryClaim: return null instead of waiting
     */
    Claim<C> claim(long timeoutNanos, boolean mayWait) {
        long start = 0; // read the clock only if the claim has to wait
        long deadline = 0;
        for (;;) {
            // Allocation and the clock read stay outside the critical section: it is the pool's bottleneck.
            Claim<C> claim = new Claim<>(this);
            long now = clock.nanoTime();
            boolean wait = false;
            boolean check = false;
            lock.lock();
            try {
                throwIfUnusableLocked();
                Slot<C> slot = pollIdleLocked(now);
                if (slot != null) {
                    claim.serve(slot);
                    activateLocked(slot);
                    check = now - slot.lastUsedAt > checkOnClaimAfter;
                    if (spares < max) {
                        fillLocked(now); // keep `spares` ready on top of the claimed; O(1) unless it must grow
                    }
                } else {
                    if (options.failFastWhenEmpty() && desired.isEmpty()) {
                        throw new NoBackendsException("pool '" + name + "' has no backends: its resolver reports"
                                + " none, and failFastWhenEmpty is set");
                    }
                    if (!mayWait) {
                        return null;
                    }
                    waiters.addLast(claim);
                    if (spares < max) {
                        fillLocked(now); // grow on demand
                    }
                    wait = true;
                }
            } finally {
                lock.unlock();
            }
            afterUnlock();
            if (wait) {
                if (start == 0) {
                    start = System.nanoTime();
                    deadline = start + timeoutNanos;
                }
                awaitHandoff(claim, start, deadline);
            }
            if (!check || checkOnClaim(claim)) {
                return claim;
            }
            // The connection was stale and has been replaced; try again within the same deadline.
        }
    }

    /** Releases (or discards) a claim whose state the caller has just moved from ACTIVE to CLOSED. */
    void release(Claim<C> claim, Disposition how) {
        Slot<C> slot = claim.slot;
        if (how == Disposition.RETURN && (brokenQuietly(slot.connection) || !resetQuietly(slot))) {
            how = Disposition.DISCARD; // it saw an error its holder did not report, or cannot be made clean
        }
        long now = clock.nanoTime();
        lock.lock();
        try {
            BackendState<C> b = slot.backend;
            b.claimed--;
            if (!slot.exempt) {
                claimedCounted--;
            }
            if (how == Disposition.DISCARD && !b.removed) {
                recordFailureLocked(b, new CueballException("pool '" + name + "': connection to " + b.key
                        + " discarded by its claimer as broken"), now, false);
                closeLocked(slot);
                fillLocked(now);
            } else if (how != Disposition.RETURN || state == PoolState.CLOSING || state == PoolState.CLOSED
                    || unwantedLocked(slot, now)) {
                closeLocked(slot);
                fillLocked(now);
            } else {
                slot.lastUsedAt = now;
                offerLocked(slot);
            }
            signalIfClosingLocked();
        } finally {
            lock.unlock();
        }
        afterUnlock();
    }

    private void throwIfUnusableLocked() {
        if (state == PoolState.CLOSING || state == PoolState.CLOSED) {
            throw new PoolClosedException("pool '" + name + "' is " + state.name().toLowerCase(java.util.Locale.ROOT));
        }
        if (state == PoolState.FAILED) {
            throw failedException();
        }
    }

    private PoolFailedException failedException() {
        return new PoolFailedException("pool '" + name + "' has failed: all " + backendsNotRemovedLocked()
                + " backends are dead; last error: " + lastError, lastError);
    }

    /** Pops the oldest idle connection that is still wanted; closes the unwanted ones it meets. */
    private Slot<C> pollIdleLocked(long now) {
        Slot<C> slot;
        while ((slot = idle.pollFirst()) != null) {
            slot.backend.idle--;
            if (idle.size() < idleLowWater) {
                idleLowWater = idle.size();
            }
            if (unwantedLocked(slot, now)) {
                closeLocked(slot);
                fillLocked(now);
                continue;
            }
            return slot;
        }
        return null;
    }

    /** Whether a slot that is in hand (not counted as idle or claimed) should close instead of being used. */
    private boolean unwantedLocked(Slot<C> slot, long now) {
        BackendState<C> b = slot.backend;
        return b.removed || b.count() >= b.effectiveTarget() || slot.expired(now);
    }

    /** Marks an in-hand slot as claimed. The claim's state is set by the caller. */
    private void activateLocked(Slot<C> slot) {
        slot.state = Slot.CLAIMED;
        BackendState<C> b = slot.backend;
        b.claimed++;
        b.claims++;
        claims++;
        claimedCounted++;
    }

    /** Hands an in-hand slot to the oldest waiter, or puts it at the tail of the idle queue. */
    private void offerLocked(Slot<C> slot) {
        Claim<C> waiter;
        while ((waiter = waiters.pollFirst()) != null) {
            if (waiter.state != Claim.WAITING) {
                continue; // defensive: cancelled waiters remove themselves
            }
            activateLocked(slot);
            waiter.slot = slot;
            waiter.state = Claim.ACTIVE;
            LockSupport.unpark(waiter.thread);
            return;
        }
        slot.state = Slot.IDLE;
        slot.backend.idle++;
        idle.addLast(slot);
    }

    private void awaitHandoff(Claim<C> claim, long start, long deadline) {
        // A handoff usually comes soon (a holder is about to release), and parking costs a context switch on
        // each side: yield a few times first, which also lets a holder that was descheduled run. No busy spin:
        // with more threads than cores it only steals the holder's CPU.
        for (int i = 0; i < YIELDS_BEFORE_PARK && claim.state == Claim.WAITING; i++) {
            Thread.yield();
        }
        for (;;) {
            int s = claim.state;
            if (s == Claim.ACTIVE) {
                return;
            }
            if (s == Claim.FAILED) {
                throw claim.failure;
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                RuntimeException timeout = cancelWaiter(claim, start, false);
                if (timeout != null) {
                    throw timeout;
                }
                continue; // a release or a failure won the race; the state says which
            }
            LockSupport.parkNanos(this, remaining);
            if (Thread.interrupted()) {
                RuntimeException interrupted = cancelWaiter(claim, start, true);
                Thread.currentThread().interrupt();
                if (interrupted != null) {
                    throw interrupted;
                }
            }
        }
    }

    /** Cancels a waiting claim; returns the exception to throw, or null if the claim is no longer waiting. */
    private RuntimeException cancelWaiter(Claim<C> claim, long start, boolean interrupted) {
        RuntimeException result;
        lock.lock();
        try {
            if (claim.state != Claim.WAITING) {
                return null;
            }
            claim.state = Claim.CANCELLED;
            if (waiters.peekFirst() == claim) {
                waiters.pollFirst();
            } else {
                waiters.removeFirstOccurrence(claim);
            }
            long waited = System.nanoTime() - start;
            if (interrupted) {
                result = new ClaimInterruptedException("pool '" + name + "': interrupted after waiting "
                        + TimeUnit.NANOSECONDS.toMillis(waited) + " ms for a connection");
            } else {
                claimTimeouts++;
                long waitedMs = TimeUnit.NANOSECONDS.toMillis(waited);
                result = new ClaimTimeoutException("pool '" + name + "': no connection within " + waitedMs
                        + " ms (" + countsLocked() + "); last connect error: " + lastError, waitedMs, lastError);
                emit(l -> l.claimTimedOut(Duration.ofNanos(waited)));
            }
        } finally {
            lock.unlock();
        }
        afterUnlock();
        return result;
    }

    /**
     * Checks a connection that sat idle for longer than {@link PoolOptions#CHECK_ON_CLAIM_AFTER_IDLE} before
     * handing it out (on the claiming thread, outside the lock); false if it was stale.
     */
    private boolean checkOnClaim(Claim<C> claim) {
        Slot<C> slot = claim.slot;
        if (healthy(slot.connection)) {
            return true;
        }
        log.debug("pool '{}': idle connection to {} was broken; replacing it", name, slot.backend.key);
        if (claim.closeStale()) {
            release(claim, Disposition.STALE);
        }
        return false;
    }

    // =====================================================================================================
    // Resolver events: recorded at once, applied by the debounced rebalance.
    // =====================================================================================================

    @Override
    public void backendAdded(Backend backend) {
        Objects.requireNonNull(backend, "backend");
        lock.lock();
        try {
            if (closeStarted.get()) {
                return;
            }
            Backend previous = desired.put(backend.key(), backend);
            if (!backend.equals(previous)) {
                armRebalanceLocked();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void backendRemoved(Backend backend) {
        Objects.requireNonNull(backend, "backend");
        lock.lock();
        try {
            if (closeStarted.get()) {
                return;
            }
            if (desired.remove(backend.key()) != null) {
                armRebalanceLocked();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void resolverFailed(Throwable cause) {
        // Invariant 6: a failure of the resolver removes nothing. Only an authoritative answer does.
        log.warn("pool '{}': resolver failed; keeping the backends it reported before: {}", name, cause.toString());
        lock.lock();
        try {
            emit(l -> l.resolverFailed(cause));
        } finally {
            lock.unlock();
        }
        afterUnlock();
    }

    private void armRebalanceLocked() {
        if (rebalanceTimer == null && state != PoolState.CLOSING && state != PoolState.CLOSED) {
            rebalanceTimer = clock.schedule(guard(this::rebalance), rebalanceDelay);
        }
    }

    /** Applies the resolver's view, re-plans, closes surplus idle connections and opens what is missing. */
    private void rebalance() {
        lock.lock();
        try {
            rebalanceTimer = null;
            if (state == PoolState.CLOSING || state == PoolState.CLOSED) {
                return;
            }
            long now = clock.nanoTime();
            for (Iterator<BackendState<C>> it = backends.values().iterator(); it.hasNext();) {
                BackendState<C> b = it.next();
                if (!b.removed && !desired.containsKey(b.key)) {
                    removeBackendLocked(b);
                    Backend gone = b.backend;
                    emit(l -> l.backendRemoved(gone));
                    if (b.slots.isEmpty() && b.connecting == 0) {
                        it.remove();
                    }
                }
            }
            for (Backend d : desired.values()) {
                BackendState<C> b = backends.get(d.key());
                if (b == null) {
                    backends.put(d.key(), new BackendState<>(d));
                    emit(l -> l.backendAdded(d));
                } else if (b.removed) {
                    readdBackendLocked(b, d);
                    emit(l -> l.backendAdded(d));
                } else if (!b.backend.equals(d)) {
                    b.backend = d;
                    emit(l -> l.backendAdded(d));
                }
            }
            replanLocked(now);
            if (options.failFastWhenEmpty() && desired.isEmpty()) {
                failWaitersLocked(() -> new NoBackendsException("pool '" + name
                        + "' has no backends: its resolver removed them all, and failFastWhenEmpty is set"));
            }
        } finally {
            lock.unlock();
        }
        afterUnlock();
    }

    /** Runs the plan over the applied backends, closes idle surplus, updates the state, fills. */
    private void replanLocked(long now) {
        List<BackendState<C>> live = new ArrayList<>(backends.size());
        List<RebalancePlan.Candidate> candidates = new ArrayList<>(backends.size());
        for (BackendState<C> b : backends.values()) {
            if (!b.removed) {
                live.add(b);
                candidates.add(new RebalancePlan.Candidate(b.key, b.backend.weight(), b.dead, b.count()));
            }
        }
        int[] targets = RebalancePlan.targets(candidates, max);
        int surplus = 0;
        for (int i = 0; i < targets.length; i++) {
            BackendState<C> b = live.get(i);
            b.target = targets[i];
            surplus += Math.max(0, Math.min(b.idle, b.count() - b.effectiveTarget()));
        }
        if (surplus > 0) {
            // Removals before additions: idle connections above target close now (claimed ones when
            // released), and the connections they free are reused only once their close has returned.
            for (int n = idle.size(); n > 0; n--) {
                Slot<C> slot = idle.pollFirst();
                BackendState<C> b = slot.backend;
                if (b.count() > b.effectiveTarget()) {
                    b.idle--;
                    closeLocked(slot);
                } else {
                    idle.addLast(slot);
                }
            }
        }
        rebalances++;
        if (listener != null) {
            Map<Backend, Integer> plan = new LinkedHashMap<>();
            for (int i = 0; i < targets.length; i++) {
                plan.put(live.get(i).backend, targets[i]);
            }
            emit(l -> l.rebalanced(plan));
        }
        log.debug("pool '{}': rebalanced over {} backends", name, live.size());
        updateStateLocked();
        fillLocked(now);
    }

    private void removeBackendLocked(BackendState<C> b) {
        b.removed = true;
        b.target = 0;
        b.dead = false;
        cancelRetryLocked(b);
        if (b.idle > 0) {
            for (int n = idle.size(); n > 0; n--) {
                Slot<C> slot = idle.pollFirst();
                if (slot.backend == b) {
                    b.idle--;
                    closeLocked(slot);
                } else {
                    idle.addLast(slot);
                }
            }
        }
        for (Slot<C> slot : b.slots) {
            if (slot.state == Slot.CLAIMED && !slot.exempt) {
                slot.exempt = true;
                countable--;
                claimedCounted--;
            }
        }
    }

    private void readdBackendLocked(BackendState<C> b, Backend d) {
        b.removed = false;
        b.backend = d;
        b.consecutiveFailures = 0;
        for (Slot<C> slot : b.slots) {
            if (slot.exempt) {
                slot.exempt = false;
                countable++;
                claimedCounted++;
            }
        }
    }

    // =====================================================================================================
    // Opening connections.
    // =====================================================================================================

    /** One connect attempt. Guarded by the lock. */
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

    /**
     * Starts connects where backends are below target, within what the pool may hold now: maxConnections for
     * a fixed-size pool, else claimed + waiting + spares (grow on demand).
     */
    private void fillLocked(long now) {
        if (state == PoolState.CLOSING || state == PoolState.CLOSED) {
            return;
        }
        int limit = spares >= max ? max : Math.min(max, claimedCounted + waiters.size() + spares);
        int budget = limit - countable;
        if (budget <= 0) {
            return;
        }
        int wanted = 0;
        for (BackendState<C> b : backends.values()) {
            if (fillable(b)) {
                wanted += b.effectiveTarget() - b.count();
            }
        }
        if (wanted <= 0) {
            return;
        }
        if (wanted <= budget) {
            for (BackendState<C> b : backends.values()) {
                while (fillable(b)) {
                    startConnectLocked(b);
                }
            }
            return;
        }
        // Not enough room for every deficit: one at a time to the backend furthest below its target, so that
        // a growing pool stays balanced.
        for (; budget > 0; budget--) {
            BackendState<C> best = null;
            for (BackendState<C> b : backends.values()) {
                if (fillable(b) && (best == null
                        || b.effectiveTarget() - b.count() > best.effectiveTarget() - best.count())) {
                    best = b;
                }
            }
            if (best == null) {
                return;
            }
            startConnectLocked(best);
        }
    }

    private static boolean fillable(BackendState<?> b) {
        return !b.removed && !b.backingOff && b.count() < b.effectiveTarget();
    }

    private void startConnectLocked(BackendState<C> b) {
        b.connecting++;
        countable++;
        Attempt attempt = new Attempt(b);
        attempt.watchdog = clock.schedule(guard(() -> connectTimedOut(attempt)), connectTimeout);
        executor.execute(() -> connect(attempt));
    }

    /** Runs on a connector thread. */
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
            connectFailed(attempt, error);
            if (error instanceof VirtualMachineError) {
                throw (VirtualMachineError) error;
            }
        } else {
            connected(attempt, connection);
        }
    }

    private void connected(Attempt attempt, C connection) {
        boolean discard = false;
        lock.lock();
        try {
            attempt.done = true;
            attempt.watchdog.cancel();
            BackendState<C> b = attempt.backend;
            b.connecting--;
            long now = clock.nanoTime();
            if (attempt.timedOut || b.removed || state == PoolState.CLOSING || state == PoolState.CLOSED) {
                countable--;
                discard = true;
                forgetIfDrainedLocked(b);
            } else {
                b.connectsSucceeded++;
                b.consecutiveFailures = 0;
                everConnected = true;
                if (b.dead) {
                    b.dead = false;
                    cancelRetryLocked(b);
                    log.info("pool '{}': backend {} is alive again", name, b.key);
                    Backend alive = b.backend;
                    emit(l -> l.backendAlive(alive));
                    armRebalanceLocked();
                }
                Slot<C> slot = new Slot<>(b, connection, now, lifetimeLocked());
                b.slots.add(slot);
                Backend opened = b.backend;
                emit(l -> l.connectionOpened(opened));
                updateStateLocked();
                if (b.count() >= b.effectiveTarget()) {
                    closeLocked(slot); // the target shrank while it was connecting
                } else {
                    offerLocked(slot);
                }
                fillLocked(now);
            }
            signalIfClosingLocked();
        } finally {
            lock.unlock();
        }
        if (discard) {
            closeQuietly(connection, attempt.backend.key); // never entered the pool: close it here, once
        }
        afterUnlock();
    }

    private long lifetimeLocked() {
        if (maxLifetime <= 0) {
            return 0;
        }
        // Up to 1/40 earlier per connection, so that a pool opened all at once does not expire all at once.
        return maxLifetime - (long) (random.nextDouble() * (maxLifetime / 40));
    }

    private void connectFailed(Attempt attempt, Throwable error) {
        lock.lock();
        try {
            attempt.done = true;
            attempt.watchdog.cancel();
            BackendState<C> b = attempt.backend;
            b.connecting--;
            countable--;
            long now = clock.nanoTime();
            if (!attempt.timedOut && !b.removed && state != PoolState.CLOSING && state != PoolState.CLOSED) {
                b.connectsFailed++;
                recordFailureLocked(b, error, now, true);
            }
            forgetIfDrainedLocked(b);
            fillLocked(now);
            signalIfClosingLocked();
        } finally {
            lock.unlock();
        }
        log.debug("pool '{}': connect to {} failed: {}", name, attempt.target.key(), error.toString());
        afterUnlock();
    }

    /** The connect watchdog: counts a connect that outlived connectTimeout as failed. */
    private void connectTimedOut(Attempt attempt) {
        lock.lock();
        try {
            if (attempt.done || state == PoolState.CLOSING || state == PoolState.CLOSED) {
                return;
            }
            attempt.timedOut = true;
            BackendState<C> b = attempt.backend;
            b.connectsFailed++;
            // It still counts as connecting until the factory returns: the thread is still busy with it.
            recordFailureLocked(b, new CueballException("pool '" + name + "': connect to " + b.key
                    + " did not finish within connectTimeout (" + options.connectTimeout().toMillis() + " ms)"),
                    clock.nanoTime(), true);
        } finally {
            lock.unlock();
        }
        afterUnlock();
    }

    /** Counts a failure: backoff, dead marking, pool state. */
    private void recordFailureLocked(BackendState<C> b, Throwable error, long now, boolean backoff) {
        b.lastError = error;
        lastError = error;
        b.consecutiveFailures++;
        Backend failed = b.backend;
        emit(l -> l.connectionFailed(failed, error));
        if (backoff) {
            cancelRetryLocked(b);
            b.backingOff = true;
            long delay = options.backoff().delayNanos(b.consecutiveFailures, random);
            b.retryTimer = clock.schedule(guard(() -> retry(b)), delay);
        }
        if (!b.dead && b.consecutiveFailures >= options.deadAfterFailures()) {
            b.dead = true;
            log.warn("pool '{}': backend {} is dead after {} failures in a row: {}", name, b.key,
                    b.consecutiveFailures, String.valueOf(error));
            emit(l -> l.backendDead(failed, error));
            armRebalanceLocked();
        }
        updateStateLocked();
    }

    private void retry(BackendState<C> b) {
        lock.lock();
        try {
            b.retryTimer = null;
            b.backingOff = false;
            fillLocked(clock.nanoTime());
        } finally {
            lock.unlock();
        }
        afterUnlock();
    }

    private void cancelRetryLocked(BackendState<C> b) {
        if (b.retryTimer != null) {
            b.retryTimer.cancel();
            b.retryTimer = null;
        }
        b.backingOff = false;
    }

    // =====================================================================================================
    // Closing connections.
    // =====================================================================================================

    /** Starts closing an in-hand slot (counted as neither idle nor claimed). Exactly once per slot. */
    private void closeLocked(Slot<C> slot) {
        slot.state = Slot.CLOSING;
        slot.backend.closing++;
        if (state == PoolState.CLOSED) {
            lateCloses.add(slot); // the executor is gone: the caller closes it after unlocking
            return;
        }
        try {
            executor.execute(() -> closeSlot(slot));
        } catch (RejectedExecutionException e) {
            lateCloses.add(slot);
        }
    }

    /** Closes a slot's connection (outside the lock) and forgets it. */
    private void closeSlot(Slot<C> slot) {
        closeQuietly(slot.connection, slot.backend.key);
        lock.lock();
        try {
            BackendState<C> b = slot.backend;
            forgetClosedLocked(slot);
            Backend gone = b.backend;
            emit(l -> l.connectionClosed(gone));
            fillLocked(clock.nanoTime());
            signalIfClosingLocked();
        } finally {
            lock.unlock();
        }
        afterUnlock();
    }

    /** The bookkeeping after a slot's connection has been closed (by closeSlot or a late close). */
    private void forgetClosedLocked(Slot<C> slot) {
        BackendState<C> b = slot.backend;
        b.closing--;
        b.slots.remove(slot);
        if (!slot.exempt) {
            countable--;
        }
        forgetIfDrainedLocked(b);
    }

    /** A removed backend is forgotten once its last connection has closed. */
    private void forgetIfDrainedLocked(BackendState<C> b) {
        if (b.removed && b.slots.isEmpty() && b.connecting == 0 && backends.get(b.key) == b) {
            backends.remove(b.key);
        }
    }

    private void closeQuietly(C connection, String key) {
        try {
            connection.close();
        } catch (Exception e) {
            log.debug("pool '{}': closing a connection to {} failed: {}", name, key, e.toString());
        }
    }

    /** Resets a released connection (outside the lock); false if it could not be. */
    private boolean resetQuietly(Slot<C> slot) {
        try {
            slot.connection.reset();
            return true;
        } catch (Exception e) {
            log.debug("pool '{}': resetting a released connection to {} failed; discarding it: {}", name,
                    slot.backend.key, e.toString());
            return false;
        }
    }

    private boolean brokenQuietly(C connection) {
        try {
            return connection.isBroken();
        } catch (RuntimeException e) {
            return true;
        }
    }

    private boolean healthy(C connection) {
        try {
            return connection.isHealthy();
        } catch (Exception e) {
            return false;
        }
    }

    // =====================================================================================================
    // Timers: housekeeping (health, lifetime, shrinking) and decoherence.
    // =====================================================================================================

    private void housekeep() {
        lock.lock();
        try {
            housekeepingTimer = null;
            if (state == PoolState.CLOSING || state == PoolState.CLOSED) {
                return;
            }
            long now = clock.nanoTime();
            // Shrinking: if the idle queue never fell below `spares + k` during a whole idleTimeout window,
            // those k connections were not needed. A low-water mark works with the FIFO queue, where every
            // connection is used in turn and none sits idle for long even when most are surplus.
            int shrink = 0;
            boolean windowEnded = spares < max && now - lowWaterSince >= idleTimeout;
            if (windowEnded) {
                shrink = Math.max(0, idleLowWater - spares);
            }
            for (; shrink > 0; shrink--) {
                shrinkOneLocked();
            }
            for (int n = idle.size(); n > 0; n--) {
                Slot<C> slot = idle.pollFirst();
                BackendState<C> b = slot.backend;
                if (slot.expired(now)) {
                    b.idle--;
                    closeLocked(slot);
                } else if (now - slot.lastUsedAt >= healthCheckInterval) {
                    b.idle--;
                    b.checking++;
                    slot.state = Slot.CHECKING;
                    executor.execute(() -> healthCheck(slot));
                } else {
                    idle.addLast(slot);
                }
            }
            if (windowEnded) {
                idleLowWater = idle.size();
                lowWaterSince = now;
            }
            fillLocked(now);
            housekeepingTimer = clock.schedule(guard(this::housekeep), housekeepingInterval);
        } finally {
            lock.unlock();
        }
        afterUnlock();
    }

    /**
     * Closes one idle connection of the backend that holds the most for its share, so that shrinking keeps
     * the spread even (or weighted).
     */
    private void shrinkOneLocked() {
        BackendState<C> most = null;
        for (BackendState<C> b : backends.values()) {
            // Compare count/target without dividing: b is fuller than most if b.count * most.target is larger.
            if (b.idle > 0 && (most == null
                    || (long) b.count() * Math.max(1, most.target) > (long) most.count() * Math.max(1, b.target))) {
                most = b;
            }
        }
        if (most == null) {
            return;
        }
        for (int n = idle.size(); n > 0; n--) {
            Slot<C> slot = idle.pollFirst();
            if (most != null && slot.backend == most) {
                most.idle--;
                closeLocked(slot);
                most = null; // one only; keep rotating so the queue order is preserved
            } else {
                idle.addLast(slot);
            }
        }
    }

    /** Runs on a connector thread. */
    private void healthCheck(Slot<C> slot) {
        boolean ok = healthy(slot.connection);
        lock.lock();
        try {
            BackendState<C> b = slot.backend;
            b.checking--;
            long now = clock.nanoTime();
            if (ok && state != PoolState.CLOSING && state != PoolState.CLOSED && !unwantedLocked(slot, now)) {
                slot.lastUsedAt = now;
                offerLocked(slot);
            } else {
                if (!ok) {
                    log.debug("pool '{}': idle connection to {} failed its health check; replacing it", name, b.key);
                }
                closeLocked(slot);
                fillLocked(now);
            }
            signalIfClosingLocked();
        } finally {
            lock.unlock();
        }
        afterUnlock();
    }

    /** Shuffles the idle queue so that claim order does not settle into runs of one backend. */
    private void decohere() {
        lock.lock();
        try {
            decoherenceTimer = null;
            if (state == PoolState.CLOSING || state == PoolState.CLOSED) {
                return;
            }
            shuffleIdleLocked();
            decoherenceTimer = clock.schedule(guard(this::decohere), decoherenceInterval);
        } finally {
            lock.unlock();
        }
    }

    @SuppressWarnings("unchecked")
    private void shuffleIdleLocked() {
        int n = idle.size();
        if (n < 2) {
            return;
        }
        Slot<C>[] slots = idle.toArray(new Slot[0]);
        for (int i = n - 1; i > 0; i--) { // Fisher-Yates
            int j = random.nextInt(i + 1);
            Slot<C> t = slots[i];
            slots[i] = slots[j];
            slots[j] = t;
        }
        idle.clear();
        for (Slot<C> slot : slots) {
            idle.addLast(slot);
        }
    }

    // =====================================================================================================
    // State.
    // =====================================================================================================

    private void updateStateLocked() {
        if (state == PoolState.CLOSING || state == PoolState.CLOSED) {
            return;
        }
        boolean any = false;
        boolean allDead = true;
        for (BackendState<C> b : backends.values()) {
            if (!b.removed) {
                any = true;
                if (!b.dead) {
                    allDead = false;
                    break;
                }
            }
        }
        if (any && allDead) {
            if (state != PoolState.FAILED) {
                setStateLocked(PoolState.FAILED);
                failWaitersLocked(this::failedException);
            }
        } else if (state == PoolState.FAILED || (state == PoolState.STARTING && everConnected)) {
            setStateLocked(everConnected ? PoolState.RUNNING : PoolState.STARTING);
        }
    }

    private void setStateLocked(PoolState next) {
        PoolState previous = state;
        if (previous == next) {
            return;
        }
        state = next;
        if (next == PoolState.FAILED) {
            log.error("pool '{}': every backend is dead; claims fail until one recovers. Last error: {}", name,
                    String.valueOf(lastError));
        } else {
            log.info("pool '{}': {} -> {}", name, previous, next);
        }
        emit(l -> l.stateChanged(previous, next));
    }

    private void failWaitersLocked(java.util.function.Supplier<RuntimeException> failure) {
        Claim<C> waiter;
        while ((waiter = waiters.pollFirst()) != null) {
            if (waiter.state == Claim.WAITING) {
                waiter.failure = failure.get();
                waiter.state = Claim.FAILED;
                LockSupport.unpark(waiter.thread);
            }
        }
    }

    private int backendsNotRemovedLocked() {
        int n = 0;
        for (BackendState<C> b : backends.values()) {
            if (!b.removed) {
                n++;
            }
        }
        return n;
    }

    /** The pool's counts for an error message; total is what invariant 1 limits. */
    private String countsLocked() {
        PoolStats s = statsLocked();
        return "total=" + countable + ", idle=" + s.idle() + ", claimed=" + s.claimed() + ", connecting="
                + s.connecting() + ", waiting=" + s.waiting() + ", backends live=" + s.backendsLive() + " dead="
                + s.backendsDead();
    }

    PoolStats stats() {
        lock.lock();
        try {
            return statsLocked();
        } finally {
            lock.unlock();
        }
    }

    private PoolStats statsLocked() {
        List<BackendStats> list = new ArrayList<>(backends.size());
        int idleCount = 0;
        int claimedCount = 0;
        int connectingCount = 0;
        int closingCount = 0;
        for (BackendState<C> b : backends.values()) {
            list.add(b.stats());
            idleCount += b.idle + b.checking;
            claimedCount += b.claimed;
            connectingCount += b.connecting;
            closingCount += b.closing;
        }
        return new PoolStats(name, state, idleCount, claimedCount, connectingCount, closingCount,
                waiters.size(), claims, claimTimeouts, rebalances, list);
    }

    PoolState state() {
        lock.lock();
        try {
            return state;
        } finally {
            lock.unlock();
        }
    }

    // =====================================================================================================
    // Close.
    // =====================================================================================================

    void close() {
        if (!closeStarted.compareAndSet(false, true)) {
            awaitClosed();
            return;
        }
        // The resolver first: from here on its events are ignored, and once close() returns it has stopped.
        try {
            resolver.close();
        } catch (RuntimeException e) {
            log.warn("pool '{}': closing its resolver failed", name, e);
        }
        lock.lock();
        try {
            setStateLocked(PoolState.CLOSING);
            cancel(rebalanceTimer);
            cancel(housekeepingTimer);
            cancel(decoherenceTimer);
            rebalanceTimer = null;
            housekeepingTimer = null;
            decoherenceTimer = null;
            for (BackendState<C> b : backends.values()) {
                cancelRetryLocked(b);
            }
            failWaitersLocked(() -> new PoolClosedException("pool '" + name + "' closed while the claim waited"));
            Slot<C> slot;
            while ((slot = idle.pollFirst()) != null) {
                slot.backend.idle--;
                closeLocked(slot);
            }
        } finally {
            lock.unlock();
        }
        afterUnlock();

        boolean interrupted = false;
        lock.lock();
        try {
            long deadline = System.nanoTime() + options.closeTimeout().toNanos();
            interrupted |= awaitLocked(() -> claimedTotalLocked() == 0, deadline);
            int stillClaimed = claimedTotalLocked();
            if (stillClaimed > 0) {
                log.warn("pool '{}': closed with {} connections still claimed after closeTimeout ({} ms); each "
                        + "closes when its claim is released", name, stillClaimed, options.closeTimeout().toMillis());
            }
            // Connects, checks and closes in flight are bounded by connectTimeout (and the factory's own
            // timeouts); wait for them so that every connection is closed when close() returns.
            long workDeadline = System.nanoTime() + connectTimeout + TimeUnit.SECONDS.toNanos(5);
            interrupted |= awaitLocked(() -> inFlightLocked() == 0, workDeadline);
            if (inFlightLocked() > 0) {
                log.warn("pool '{}': {} connects or closes still running at close", name, inFlightLocked());
            }
        } finally {
            lock.unlock();
        }
        executor.shutdown();
        if (!connectThreads.owns(Thread.currentThread())) { // on a connector thread it cannot wait for itself
            try {
                executor.awaitTermination(5, TimeUnit.SECONDS);
                connectThreads.joinAll(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (ownClock != null) {
            ownClock.close();
        }
        lock.lock();
        try {
            setStateLocked(PoolState.CLOSED);
        } finally {
            lock.unlock();
        }
        afterUnlock();
        closed.countDown();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitClosed() {
        try {
            closed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits on `settled` until the condition holds or the deadline passes; returns whether interrupted. */
    private boolean awaitLocked(java.util.function.BooleanSupplier done, long deadline) {
        boolean interrupted = false;
        while (!done.getAsBoolean()) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                break;
            }
            try {
                settled.awaitNanos(remaining);
            } catch (InterruptedException e) {
                interrupted = true; // finish closing anyway; the flag is restored at the end
            }
        }
        return interrupted;
    }

    private int claimedTotalLocked() {
        int n = 0;
        for (BackendState<C> b : backends.values()) {
            n += b.claimed;
        }
        return n;
    }

    private int inFlightLocked() {
        int n = 0;
        for (BackendState<C> b : backends.values()) {
            n += b.connecting + b.checking + b.closing;
        }
        return n;
    }

    private void signalIfClosingLocked() {
        if (state == PoolState.CLOSING) {
            settled.signalAll();
        }
    }

    private static void cancel(PoolClock.Timer timer) {
        if (timer != null) {
            timer.cancel();
        }
    }

    // =====================================================================================================
    // Events and deferred work, run after unlocking.
    // =====================================================================================================

    /** Queues a listener call; delivered in order by afterUnlock(). Under the lock. */
    private void emit(java.util.function.Consumer<PoolListener> event) {
        if (listener != null) {
            events.add(() -> event.accept(listener));
        }
    }

    /** Delivers queued listener calls and runs late closes. Never called with the lock held. */
    private void afterUnlock() {
        if (!events.isEmpty()) {
            drainEvents();
        }
        if (!lateCloses.isEmpty()) {
            Slot<C> slot;
            while ((slot = lateCloses.poll()) != null) {
                closeQuietly(slot.connection, slot.backend.key);
                lock.lock();
                try {
                    forgetClosedLocked(slot);
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    private void drainEvents() {
        // One drainer at a time keeps listener calls serialised and in order; whoever queued an event while
        // another thread drained leaves it to that thread, which re-checks the queue before it lets go.
        while (!events.isEmpty() && draining.compareAndSet(false, true)) {
            try {
                Runnable event;
                while ((event = events.poll()) != null) {
                    try {
                        event.run();
                    } catch (RuntimeException e) {
                        log.warn("pool '{}': a PoolListener threw; ignoring it", name, e);
                    }
                }
            } finally {
                draining.set(false);
            }
        }
    }

    private Runnable guard(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                log.error("pool '{}': internal task failed", name, e);
                throw e;
            }
        };
    }

    String name() {
        return name;
    }
}
