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
import java.util.concurrent.Executor;
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
 * THE LOCK. One ReentrantLock, `lock`, guards every mutable field of this class and of BackendState, and every
 * decision about connections: connecting, rebalancing, retiring, closing, health checks, waiters. What runs
 * without it is the FAST PATH below, which only moves an idle connection to a claim and back.
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
 * OWNERSHIP. Every open slot has exactly one holder at a time, and only its holder changes it: the idle ring
 * (state IDLE, in the ring), a claim (CLAIMED), nobody in particular (STICKY: idle outside the ring, kept by a
 * thread for its next claim, see AFFINITY, or refused by a full ring for a moment, see IdleRing), or the lock
 * (connecting, CHECKING, CLOSING, or taken out of the ring by drainIdleLocked). The ring's offer and poll hand
 * a slot over; a STICKY slot is taken only by compare-and-set (Slot.unstick), so two takers cannot both win.
 * The lock never takes a slot from a claim: it retires it (RETIRE) and the claim gives it back.
 *
 * FAST PATH (fixed-size pools, spares == max). claim(): the thread's kept slot, else ring.poll(), else steal a
 * STICKY one; a slot that is retired or expired goes to the lock instead. release(): keep it (AFFINITY) or
 * ring.offer(); a retired, expired, discarded or broken one goes to the lock. Neither changes a count: the
 * counts below treat idle and claimed alike, so the fast path cannot break invariant 1. Elastic pools
 * (spares < max) take the lock for every claim and release, because growing and shrinking count claims.
 *
 * AFFINITY. A release may keep its slot (STICKY) for the same thread's next claim, threadAffinity times in a
 * row; then it goes to the ring's tail and the thread takes the head, so every connection still takes its
 * turn. A thread keeps at most one. Nothing is kept while claims wait, nor by virtual threads. The lock's
 * passes over idle connections (drainIdleLocked) take STICKY slots too, so close, removal, shrinking, health
 * checks and decoherence see every idle connection.
 *
 * RETIRE. The lock asks for a slot it does not hold by setting slot.retire (volatile) before it drains the
 * ring; a holder checks retire after it puts the slot in the ring, keeps it, or takes it. This is a Dekker
 * pair (volatile write, then volatile read, on both sides): either the drain finds the slot, or the holder
 * sees retire and brings the slot to the lock (purgeRetiredLocked, disposeLocked), which re-decides. Retire
 * is a request, never a verdict: the locked path closes the slot only if it is still unwanted.
 *
 * COUNTS. Per backend, count() = connecting + open slots that are not closing; `countable` is what invariant 1
 * limits: all of them, minus claimed connections of removed backends ("exempt" slots: those the removal
 * could not drain). A new connect starts only if countable < the current limit, so the invariant holds at every
 * instant; a closing connection still counts until its close() has returned ("removals before additions").
 * Idle and claimed per backend are read from slot states for stats only.
 *
 * WAITERS. A claim that finds nothing enqueues itself (the Claim object is the waiter; `waiting` mirrors the
 * queue's size, volatile) and then looks once more: a Dekker pair with a release, which puts its slot in the
 * ring (or keeps it) and then reads `waiting`. A release that sees waiters wakes the oldest; woken or not, a
 * waiter takes an idle connection itself like any claim (serveSelf) and then leaves the queue under the lock.
 * Racing is what keeps connections moving when the oldest waiter is descheduled, which with more threads
 * than cores is the common case. A waiter that has waited URGENT_AFTER is handed connections in queue order
 * under the lock instead (as is every waiter of an elastic pool), which bounds the wait of the unlucky. A
 * waiter that times out or is interrupted cancels itself under the lock if still WAITING and wakes the next.
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
 *   4. A slot reaches CLOSING exactly once (closeLocked throws otherwise), and its connection is closed
 *      exactly once.
 *   5. A claim ends ACTIVE, or throws: timeout, no backends, failed, closed, interrupted.
 *   6. resolverFailed() changes nothing but a log line and an event.
 *   7. close() joins every thread this engine (and its own SystemClock) started.
 */

/** The pool engine behind {@link ConnectionPool}. See the maintainer notes above. */
final class PoolEngine<C extends Connection> implements ResolverListener {
    private static final Logger log = LoggerFactory.getLogger(ConnectionPool.class);

    enum Disposition { RETURN, DISCARD, STALE }

    private static final int YIELDS_BEFORE_PARK = 16;
    /** After this long, a waiting claim is handed connections in queue order rather than racing for them. */
    private static final long URGENT_AFTER_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

    final PoolOptions options;
    private final String name;
    private final Resolver resolver;
    private final ConnectionFactory<C> factory;
    private final PoolClock clock;
    private final SystemClock ownClock;
    private final RandomGenerator random;
    private final PoolListener listener;
    /** The connector threads, or null when the builder was given an executor (tests). */
    private final NamedThreadFactory connectThreads;
    /** The pool's own executor, which it stops on close; null when the builder was given one. */
    private final ThreadPoolExecutor ownExecutor;
    /** Runs connects, closes and health checks: {@code ownExecutor}, or the one the builder was given. */
    private final Executor executor;

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
    private final ArrayDeque<Claim<C>> waiters = new ArrayDeque<>();
    private int countable;
    /** Claimed connections that count toward the maximum; kept by elastic pools only (spares < max). */
    private int claimedCounted;
    private int idleLowWater;
    private long lowWaterSince;
    /** Claims served by connections that have since closed (the live ones keep their own count). */
    private long claimsOfClosed;
    private boolean everConnected;
    private Throwable lastError;
    private PoolClock.Timer rebalanceTimer;
    private PoolClock.Timer housekeepingTimer;
    private PoolClock.Timer decoherenceTimer;
    private long claimTimeouts;
    private long rebalances;

    // ---- thread-safe on their own ----
    /** The idle queue, FIFO: polled by claims and offered to by releases without the lock. */
    private final IdleRing<Slot<C>> idle;
    /** Whether claims and releases may bypass the lock: a fixed-size pool (spares == max). */
    private final boolean fast;
    /** waiters.size(), written under the lock, read by lock-free releases (see WAITERS). */
    private volatile int waiting;
    /** Written under the lock; read without it by lock-free claims. */
    private volatile PoolState state = PoolState.STARTING;
    /** Claims in a row a thread may reuse the connection it released (AFFINITY); null when that is off. */
    private final ThreadLocal<Affinity<C>> affinity;
    private final int affinityRun;
    /** Every open slot but closing ones, for finding STICKY ones: copied on write, under the lock. */
    @SuppressWarnings("unchecked")
    private volatile Slot<C>[] table = new Slot[0];

    /** What one thread keeps for its next claim. Touched by that thread only. */
    private static final class Affinity<C extends Connection> extends LeadingPadding {
        /**
         * Virtual threads keep nothing: one usually serves one request and ends, and what it kept would sit
         * outside the queue's turn-taking until another claim found the queue empty.
         */
        final boolean keeps = !isVirtual(Thread.currentThread());
        Slot<C> slot;
        int run;
    }

    /** Thread.isVirtual() on Java 21 and later; on 17 there are no virtual threads. */
    private static final java.lang.invoke.MethodHandle IS_VIRTUAL = isVirtualHandle();

    private static java.lang.invoke.MethodHandle isVirtualHandle() {
        try {
            return java.lang.invoke.MethodHandles.publicLookup().findVirtual(Thread.class, "isVirtual",
                    java.lang.invoke.MethodType.methodType(boolean.class));
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }

    private static boolean isVirtual(Thread thread) {
        if (IS_VIRTUAL == null) {
            return false;
        }
        try {
            return (boolean) IS_VIRTUAL.invokeExact(thread);
        } catch (Throwable t) {
            return false;
        }
    }
    private final ConcurrentLinkedQueue<Runnable> events = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    /**
     * Blocking work (connects, closes, health checks) decided under the lock and handed to the executor by
     * afterUnlock(), so that the executor is never called under the lock and may run tasks on the calling thread.
     */
    private final ConcurrentLinkedQueue<Runnable> work = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean closeStarted = new AtomicBoolean();
    private final CountDownLatch closed = new CountDownLatch(1);

    PoolEngine(PoolOptions options, Resolver resolver, ConnectionFactory<C> factory, PoolClock clock,
            Executor executor, RandomGenerator random, PoolListener listener) {
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
        this.fast = spares >= max;
        this.affinityRun = options.threadAffinity();
        this.affinity = fast && affinityRun > 0 ? ThreadLocal.withInitial(Affinity::new) : null;
        // Each open slot is in the ring at most once; twice max leaves room for claimed connections of removed
        // backends (exempt from max) that race back in before they are purged.
        this.idle = new IdleRing<>(Math.max(16, 2 * max));

        if (executor != null) {
            this.connectThreads = null;
            this.ownExecutor = null;
            this.executor = executor;
        } else {
            this.connectThreads = new NamedThreadFactory(name, "connect");
            int threads = Math.max(2, Math.min(max, 16));
            this.ownExecutor = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                    new LinkedBlockingQueue<>(), connectThreads);
            ownExecutor.allowCoreThreadTimeOut(true);
            this.executor = ownExecutor;
        }
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
    // Claim and release: the hot path. O(1), one allocation (the Claim), no I/O, and in a fixed-size pool
    // no lock either while the pool is healthy (see FAST PATH in the notes at the top).
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
            Slot<C> slot = fast ? pollFast(now, true) : null;
            if (slot == null) {
                boolean wait = false;
                lock.lock();
                try {
                    throwIfUnusableLocked();
                    slot = pollIdleLocked(now);
                    if (slot != null) {
                        activateLocked(slot);
                        if (spares < max) {
                            fillLocked(now); // keep `spares` ready on top of the claimed; O(1) unless it must grow
                        }
                    } else {
                        if (options.failFastWhenEmpty() && desired.isEmpty()) {
                            throw new NoBackendsException("pool '" + name + "' has no backends: its resolver"
                                    + " reports none, and failFastWhenEmpty is set");
                        }
                        if (!mayWait) {
                            return null;
                        }
                        addWaiterLocked(claim);
                        if (spares < max) {
                            fillLocked(now); // grow on demand
                        }
                        dispatchLocked(now); // a lock-free release may have slipped one in as this claim queued
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
                    return claim; // handed over at release: in use a moment ago, no check needed
                }
            }
            claim.serve(slot);
            if (now - slot.lastUsedAt <= checkOnClaimAfter || checkOnClaim(claim)) {
                return claim;
            }
            // The connection was stale and has been replaced; try again within the same deadline.
        }
    }

    /**
     * The lock-free claim: the connection this thread released last if nobody took it since (AFFINITY), else
     * the head of the idle ring, else any connection another thread keeps. Null sends the claim down the
     * locked path, which decides everything else: so does a connection the lock has asked back (RETIRE).
     */
    private Slot<C> pollFast(long now, boolean mayKeep) {
        PoolState s = state;
        if (s != PoolState.RUNNING && s != PoolState.STARTING) {
            return null;
        }
        Slot<C> slot = null;
        Affinity<C> mine = affinity == null || !mayKeep ? null : affinity.get();
        if (mine != null && mine.slot != null) {
            Slot<C> kept = mine.slot;
            mine.slot = null;
            if (kept.unstick(Slot.CLAIMED)) {
                slot = kept;
            } else {
                mine.run = 0;
            }
        }
        if (slot == null) {
            slot = idle.poll();
            if (slot == null) {
                slot = stealSticky(Slot.CLAIMED);
                if (slot == null) {
                    return null;
                }
            }
            if (mine != null) {
                mine.run = 0;
            }
            slot.setState(Slot.CLAIMED);
        }
        if (slot.retire || slot.expired(now)) {
            lock.lock();
            try {
                disposeLocked(slot, now);
            } finally {
                lock.unlock();
            }
            afterUnlock();
            return null;
        }
        slot.claims++;
        return slot;
    }

    /** Takes a connection another thread keeps for itself (STICKY), starting the search at a random place. */
    private Slot<C> stealSticky(int update) {
        Slot<C>[] all = table;
        int n = all.length;
        if (!fast || n == 0) {
            return null; // an elastic pool uses the ring under the lock only: it is never refused, never STICKY
        }
        int start = java.util.concurrent.ThreadLocalRandom.current().nextInt(n);
        for (int i = 0; i < n; i++) {
            Slot<C> slot = all[(start + i) % n];
            if (slot.state == Slot.STICKY && slot.unstick(update)) {
                return slot;
            }
        }
        return null;
    }

    /** Releases (or discards) a claim whose state the caller has just moved from ACTIVE to CLOSED. */
    void release(Claim<C> claim, Disposition how) {
        Slot<C> slot = claim.slot;
        if (how == Disposition.RETURN && (brokenQuietly(slot.connection) || !resetQuietly(slot))) {
            how = Disposition.DISCARD; // it saw an error its holder did not report, or cannot be made clean
        }
        long now = clock.nanoTime();
        if (fast && how == Disposition.RETURN && !slot.retire && !slot.expired(now)) {
            slot.lastUsedAt = now;
            if (!keep(slot)) {
                offerFast(slot, now);
            }
            return;
        }
        lock.lock();
        try {
            releaseLocked(slot, how, now);
        } finally {
            lock.unlock();
        }
        afterUnlock();
    }

    /**
     * Keeps a released connection for this thread's next claim (AFFINITY), unless the run is over, the thread
     * already keeps one, or claims are waiting. True if kept.
     */
    private boolean keep(Slot<C> slot) {
        if (affinity == null || waiting != 0) {
            return false;
        }
        Affinity<C> mine = affinity.get();
        if (!mine.keeps || mine.slot != null || mine.run >= affinityRun) {
            return false;
        }
        slot.state = Slot.STICKY; // volatile: ordered before the reads below (WAITERS, RETIRE)
        if (slot.retire || waiting != 0) {
            // A claim queued, or the lock asked for it back, as it was kept: into the ring with it, if it is
            // still ours, so that the locked paths see it.
            if (slot.unstick(Slot.CLAIMED)) {
                return false;
            }
            return true; // taken already: by a waiting claim or the lock
        }
        mine.slot = slot;
        mine.run++;
        return true;
    }

    /** Puts a released connection at the tail of the ring. */
    private void offerFast(Slot<C> slot, long now) {
        slot.setState(Slot.IDLE);
        if (!idle.offer(slot)) {
            slot.state = Slot.STICKY; // refused for a moment: idle outside the ring (see IdleRing.offer)
        }
        // The offer's (or the STICKY) volatile store comes before these reads: a claim that queued, or a
        // retire, that this thread does not see here will see the slot in the ring (WAITERS, RETIRE).
        if (slot.retire || waiting != 0) {
            lock.lock();
            try {
                if (slot.retire) {
                    purgeRetiredLocked(now);
                }
                dispatchLocked(now);
                signalIfClosingLocked();
            } finally {
                lock.unlock();
            }
            afterUnlock();
        }
    }

    /** The locked release: the slot is in hand, counted neither idle nor claimed. */
    private void releaseLocked(Slot<C> slot, Disposition how, long now) {
        BackendState<C> b = slot.backend;
        if (!fast && !slot.exempt) {
            claimedCounted--;
        }
        if (how == Disposition.DISCARD && !b.removed) {
            closeLocked(slot); // first, so that the failure below sees the backend without it
            recordFailureLocked(b, new CueballException("pool '" + name + "': connection to " + b.key
                    + " discarded by its claimer as broken"), now, false);
            fillLocked(now);
        } else if (how != Disposition.RETURN) {
            closeLocked(slot);
            fillLocked(now);
        } else {
            slot.lastUsedAt = now;
            disposeLocked(slot, now);
        }
        signalIfClosingLocked();
    }

    /** An in-hand slot: closed if the pool no longer wants it, else offered to a waiter or the idle ring. */
    private void disposeLocked(Slot<C> slot, long now) {
        if (state == PoolState.CLOSING || state == PoolState.CLOSED || unwantedLocked(slot, now)) {
            closeLocked(slot);
            fillLocked(now);
        } else {
            slot.retire = false;
            offerLocked(slot);
        }
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
        while ((slot = idle.poll()) != null || (slot = stealSticky(Slot.IDLE)) != null) {
            if (spares < max && idle.size() < idleLowWater) {
                idleLowWater = idle.size(); // only an elastic pool shrinks by it
            }
            if (unwantedLocked(slot, now)) {
                closeLocked(slot);
                fillLocked(now);
                continue;
            }
            slot.retire = false;
            return slot;
        }
        return null;
    }

    /** Whether a slot that is in hand (polled or released, not in the ring) should close instead of being used. */
    private boolean unwantedLocked(Slot<C> slot, long now) {
        BackendState<C> b = slot.backend;
        return b.removed || b.count() > b.effectiveTarget() || slot.expired(now);
    }

    /** Marks an in-hand slot as claimed. The claim's state is set by the caller. */
    private void activateLocked(Slot<C> slot) {
        slot.state = Slot.CLAIMED;
        slot.claims++;
        if (!fast) {
            claimedCounted++;
        }
    }

    /** Hands an in-hand slot to the oldest waiter, or puts it at the tail of the idle ring. */
    private void offerLocked(Slot<C> slot) {
        Claim<C> waiter = firstWaitingLocked();
        if (waiter != null) {
            pollWaiterLocked();
            activateLocked(slot);
            waiter.slot = slot;
            waiter.state = Claim.ACTIVE;
            LockSupport.unpark(waiter.thread);
            return;
        }
        slot.state = Slot.IDLE;
        if (!idle.offer(slot)) {
            slot.state = Slot.STICKY; // refused for a moment: idle outside the ring (see IdleRing.offer)
        }
    }

    /** Hands idle connections to waiting claims, oldest first, while there are both. */
    private void dispatchLocked(long now) {
        Claim<C> head;
        while ((head = firstWaitingLocked()) != null) {
            if (fast && !head.isUrgent()) {
                LockSupport.unpark(head.thread); // let it race for the connection: it may well be descheduled
                return;
            }
            Slot<C> slot = pollIdleLocked(now);
            if (slot == null) {
                return;
            }
            offerLocked(slot);
        }
    }

    private void addWaiterLocked(Claim<C> claim) {
        waiters.addLast(claim);
        waiting = waiters.size(); // volatile: ordered before dispatchLocked's look at the ring (WAITERS)
    }

    /** Takes a claim out of the queue wherever it is (ArrayDeque removes the head without shifting). */
    private void removeWaiterLocked(Claim<C> claim) {
        waiters.removeFirstOccurrence(claim);
        waiting = waiters.size();
    }

    private Claim<C> pollWaiterLocked() {
        Claim<C> waiter = waiters.pollFirst();
        if (waiter != null) {
            waiting = waiters.size();
        }
        return waiter;
    }

    /**
     * Takes every connection out of the idle ring, oldest first, for a locked pass over them; each is marked
     * {@code drained}. Give the list back with {@link #restoreIdleLocked}, with nulls where a slot was dealt with.
     */
    private List<Slot<C>> drainIdleLocked() {
        List<Slot<C>> drained = new ArrayList<>(idle.size());
        Slot<C> slot;
        if (fast) {
            for (Slot<C> kept : table) { // kept ones first: each was used more recently than the ring's head
                if (kept.state == Slot.STICKY && kept.unstick(Slot.IDLE)) {
                    kept.drained = true;
                    drained.add(kept);
                }
            }
        }
        while ((slot = idle.poll()) != null) {
            slot.drained = true;
            drained.add(slot);
        }
        return drained;
    }

    /** Puts back what {@link #drainIdleLocked} took, in order, and serves waiting claims from it. */
    private void restoreIdleLocked(List<Slot<C>> drained, long now) {
        for (Slot<C> slot : drained) {
            if (slot != null) {
                slot.drained = false;
                if (slot.retire) {
                    disposeLocked(slot, now);
                } else {
                    offerLocked(slot);
                }
            }
        }
    }

    /** Deals with retired connections that a lock-free release put in the ring after they were retired. */
    private void purgeRetiredLocked(long now) {
        restoreIdleLocked(drainIdleLocked(), now);
    }

    private void awaitHandoff(Claim<C> claim, long start, long deadline) {
        // A connection usually comes soon (a holder is about to release), and parking costs a context switch on
        // each side: yield a few times first, which also lets a holder that was descheduled run. No busy spin:
        // with more threads than cores it only steals the holder's CPU.
        for (int round = 0;; round++) {
            int s = claim.state;
            if (s == Claim.ACTIVE) {
                return;
            }
            if (s == Claim.FAILED) {
                throw claim.failure;
            }
            if (fast && serveSelf(claim)) {
                return;
            }
            long now = System.nanoTime();
            long remaining = deadline - now;
            if (remaining <= 0) {
                RuntimeException timeout = cancelWaiter(claim, start, false);
                if (timeout != null) {
                    throw timeout;
                }
                continue; // a release or a failure won the race; the state says which
            }
            if (now - start >= URGENT_AFTER_NANOS) {
                claim.markUrgent(); // from now on a release hands it a connection in queue order (WAITERS)
            }
            if (round < YIELDS_BEFORE_PARK) {
                Thread.yield();
                continue;
            }
            LockSupport.parkNanos(this, claim.isUrgent() ? remaining : Math.min(remaining, URGENT_AFTER_NANOS));
            if (Thread.interrupted()) {
                RuntimeException interrupted = cancelWaiter(claim, start, true);
                Thread.currentThread().interrupt();
                if (interrupted != null) {
                    throw interrupted;
                }
            }
        }
    }

    /**
     * A waiting claim takes an idle connection itself, lock-free, as any new claim may (WAITERS); then it leaves
     * the queue under the lock. True if the claim is now ACTIVE, by this or by a handoff that came first.
     */
    private boolean serveSelf(Claim<C> claim) {
        Slot<C> slot = pollFast(clock.nanoTime(), false);
        if (slot == null) {
            return false;
        }
        lock.lock();
        try {
            if (claim.isWaiting()) {
                removeWaiterLocked(claim);
                claim.serve(slot);
            } else {
                // Handed one, failed or closed meanwhile: this one goes back (it was counted claimed).
                slot.claims--;
                releaseLocked(slot, Disposition.RETURN, clock.nanoTime());
            }
            wakeLocked(); // there may be more for the next waiter
        } finally {
            lock.unlock();
        }
        afterUnlock();
        if (claim.state == Claim.FAILED) {
            throw claim.failure;
        }
        return true;
    }

    /** Unparks the oldest waiting claim, to look for a connection itself. */
    private void wakeLocked() {
        Claim<C> head = firstWaitingLocked();
        if (head != null) {
            LockSupport.unpark(head.thread);
        }
    }

    /** The oldest claim still waiting, dropping any ahead of it that are not (defensive: they remove themselves). */
    private Claim<C> firstWaitingLocked() {
        Claim<C> head;
        while ((head = waiters.peekFirst()) != null && !head.isWaiting()) {
            pollWaiterLocked();
        }
        return head;
    }

    /** Cancels a waiting claim; returns the exception to throw, or null if the claim is no longer waiting. */
    private RuntimeException cancelWaiter(Claim<C> claim, long start, boolean interrupted) {
        RuntimeException result;
        lock.lock();
        try {
            if (!claim.isWaiting()) {
                return null;
            }
            claim.state = Claim.CANCELLED;
            removeWaiterLocked(claim);
            wakeLocked(); // had it been woken to take a connection, the next one takes it instead
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
                    removeBackendLocked(b, now);
                    Backend gone = b.backend;
                    emit(l -> l.backendRemoved(gone));
                    if (b.slots.isEmpty() && b.connecting == 0) {
                        it.remove();
                        claimsOfClosed += b.claimsOfClosed;
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
        for (int i = 0; i < targets.length; i++) {
            live.get(i).target = targets[i];
        }
        // Removals before additions: idle connections above target close now (claimed ones when released),
        // and the connections they free are reused only once their close has returned.
        retireSurplusLocked(now);
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

    /**
     * Brings every backend down to its (effective) target: idle connections above it close now, and as many
     * claimed ones as are still above it are retired, to close when released (RETIRE).
     */
    private void retireSurplusLocked(long now) {
        boolean any = false;
        for (BackendState<C> b : backends.values()) {
            b.surplus = b.removed ? 0 : Math.max(0, b.count() - b.effectiveTarget());
            any |= b.surplus > 0;
        }
        if (!any) {
            return;
        }
        List<Slot<C>> drained = drainIdleLocked();
        for (int i = 0; i < drained.size(); i++) {
            Slot<C> slot = drained.get(i);
            BackendState<C> b = slot.backend;
            if (b.surplus > 0) {
                b.surplus--;
                drained.set(i, null);
                closeLocked(slot);
            }
        }
        boolean retired = false;
        for (BackendState<C> b : backends.values()) {
            for (Iterator<Slot<C>> it = b.slots.iterator(); b.surplus > 0 && it.hasNext();) {
                Slot<C> slot = it.next();
                if (inUse(slot) && !slot.retire) {
                    slot.retire = true;
                    b.surplus--;
                    retired = true;
                }
            }
        }
        restoreIdleLocked(drained, now);
        if (retired) {
            purgeRetiredLocked(now); // one released between the drain and its retire is in the ring now
        }
    }

    /** Claimed, or passing between a lock-free claim or release and the ring: not drained, checked or closing. */
    private static boolean inUse(Slot<?> slot) {
        return !slot.drained && slot.state != Slot.CHECKING && slot.state != Slot.CLOSING;
    }

    private void removeBackendLocked(BackendState<C> b, long now) {
        b.removed = true;
        b.target = 0;
        b.dead = false;
        cancelRetryLocked(b);
        retireAllLocked(b); // first, then drain: see RETIRE
        List<Slot<C>> drained = drainIdleLocked();
        for (int i = 0; i < drained.size(); i++) {
            Slot<C> slot = drained.get(i);
            if (slot.backend == b) {
                drained.set(i, null);
                closeLocked(slot);
            }
        }
        for (Slot<C> slot : b.slots) {
            if (inUse(slot) && !slot.exempt) {
                slot.exempt = true;
                countable--;
                if (!fast) {
                    claimedCounted--;
                }
            }
        }
        restoreIdleLocked(drained, now);
    }

    /**
     * Asks for every open connection of a backend back (RETIRE). Call it before draining the ring: a lock-free
     * release then either sees the retire or is seen by the drain.
     */
    private void retireAllLocked(BackendState<C> b) {
        for (Slot<C> slot : b.slots) {
            if (slot.state != Slot.CLOSING) {
                slot.retire = true;
            }
        }
    }

    private void readdBackendLocked(BackendState<C> b, Backend d) {
        b.removed = false;
        b.backend = d;
        b.consecutiveFailures = 0;
        for (Slot<C> slot : b.slots) {
            if (slot.state != Slot.CLOSING) {
                slot.retire = false; // a release that already saw it takes the locked path, which re-decides
            }
            if (slot.exempt) {
                slot.exempt = false;
                countable++;
                if (!fast) {
                    claimedCounted++;
                }
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
        work.add(() -> connect(attempt));
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
                Slot<C>[] all = java.util.Arrays.copyOf(table, table.length + 1);
                all[all.length - 1] = slot;
                table = all;
                Backend opened = b.backend;
                emit(l -> l.connectionOpened(opened));
                updateStateLocked();
                if (b.count() > b.effectiveTarget()) {
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
            retireSurplusLocked(now); // a dead backend keeps one monitor connection at most, from now on
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
        if (slot.state == Slot.CLOSING) {
            throw new IllegalStateException("pool '" + name + "': a connection to " + slot.backend.key
                    + " was closed twice (invariant 4)");
        }
        slot.state = Slot.CLOSING;
        slot.drained = false;
        Slot<C>[] all = table;
        for (int i = 0; i < all.length; i++) {
            if (all[i] == slot) {
                Slot<C>[] fewer = java.util.Arrays.copyOf(all, all.length - 1);
                System.arraycopy(all, i + 1, fewer, i, all.length - i - 1);
                table = fewer;
                break;
            }
        }
        slot.backend.closing++;
        work.add(() -> closeSlot(slot)); // after close() has finished, run by the releasing thread (afterUnlock)
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
        b.claimsOfClosed += slot.claims;
        if (!slot.exempt) {
            countable--;
        }
        forgetIfDrainedLocked(b);
    }

    /** A removed backend is forgotten once its last connection has closed. */
    private void forgetIfDrainedLocked(BackendState<C> b) {
        if (b.removed && b.slots.isEmpty() && b.connecting == 0 && backends.get(b.key) == b) {
            backends.remove(b.key);
            claimsOfClosed += b.claimsOfClosed;
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
                shrinkOneLocked(now);
            }
            List<Slot<C>> drained = drainIdleLocked();
            for (int i = 0; i < drained.size(); i++) {
                Slot<C> slot = drained.get(i);
                if (slot.expired(now)) {
                    drained.set(i, null);
                    closeLocked(slot);
                } else if (now - slot.lastUsedAt >= healthCheckInterval) {
                    drained.set(i, null);
                    slot.drained = false;
                    slot.backend.checking++;
                    slot.state = Slot.CHECKING;
                    work.add(() -> healthCheck(slot));
                }
            }
            restoreIdleLocked(drained, now);
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
    private void shrinkOneLocked(long now) {
        List<Slot<C>> drained = drainIdleLocked();
        for (BackendState<C> b : backends.values()) {
            b.surplus = 0; // here: how many idle connections it has
        }
        for (Slot<C> slot : drained) {
            slot.backend.surplus++;
        }
        BackendState<C> most = null;
        for (BackendState<C> b : backends.values()) {
            // Compare count/target without dividing: b is fuller than most if b.count * most.target is larger.
            if (b.surplus > 0 && (most == null
                    || (long) b.count() * Math.max(1, most.target) > (long) most.count() * Math.max(1, b.target))) {
                most = b;
            }
        }
        for (int i = 0; most != null && i < drained.size(); i++) {
            Slot<C> slot = drained.get(i);
            if (slot.backend == most) {
                drained.set(i, null);
                closeLocked(slot);
                most = null; // one only; the others go back in their order
            }
        }
        restoreIdleLocked(drained, now);
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
                slot.retire = false;
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
            shuffleIdleLocked(clock.nanoTime());
            decoherenceTimer = clock.schedule(guard(this::decohere), decoherenceInterval);
        } finally {
            lock.unlock();
        }
        afterUnlock();
    }

    private void shuffleIdleLocked(long now) {
        List<Slot<C>> slots = drainIdleLocked();
        for (int i = slots.size() - 1; i > 0; i--) { // Fisher-Yates
            int j = random.nextInt(i + 1);
            slots.set(i, slots.set(j, slots.get(i)));
        }
        restoreIdleLocked(slots, now);
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
        while ((waiter = pollWaiterLocked()) != null) {
            if (waiter.isWaiting()) {
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
        long claimCount = claimsOfClosed;
        for (BackendState<C> b : backends.values()) {
            BackendStats s = b.stats();
            list.add(s);
            idleCount += s.idle();
            claimedCount += s.claimed();
            connectingCount += b.connecting;
            closingCount += b.closing;
            claimCount += s.claims();
        }
        return new PoolStats(name, state, idleCount, claimedCount, connectingCount, closingCount,
                waiters.size(), claimCount, claimTimeouts, rebalances, list);
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
            for (BackendState<C> b : backends.values()) {
                retireAllLocked(b); // first, then drain: see RETIRE
            }
            for (Slot<C> slot : drainIdleLocked()) {
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
        if (ownExecutor != null) {
            ownExecutor.shutdown();
            if (!connectThreads.owns(Thread.currentThread())) { // on a connector thread it cannot wait for itself
                try {
                    ownExecutor.awaitTermination(5, TimeUnit.SECONDS);
                    connectThreads.joinAll(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
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

    /** Claimed connections, counting any on their way back to the ring as claimed still. */
    private int claimedTotalLocked() {
        int n = 0;
        for (BackendState<C> b : backends.values()) {
            for (Slot<C> slot : b.slots) {
                if (inUse(slot)) {
                    n++;
                }
            }
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

    /**
     * Hands queued work to the executor and delivers queued listener calls. Never called with the lock held.
     * Work the executor refuses (it has been shut down: close() has finished) runs here, on this thread.
     */
    private void afterUnlock() {
        if (!work.isEmpty()) {
            Runnable task;
            while ((task = work.poll()) != null) {
                try {
                    executor.execute(task);
                } catch (RejectedExecutionException e) {
                    task.run();
                }
            }
        }
        if (!events.isEmpty()) {
            drainEvents();
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
