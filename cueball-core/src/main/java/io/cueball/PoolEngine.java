package io.cueball;

import io.cueball.internal.SystemClock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * MAINTAINER NOTES: how the engine stays correct. Keep this comment true.
 *
 * THE ROOMS. This class holds the lock, the pool-wide state it guards, the counts, the claim and release entry
 * points, start and close, stats and error text. The rest lives in rooms, each with its own notes:
 *   Slot         one connection's life: its states and the only methods that move it between them
 *   IdleSet      the idle ring, slots kept beside it (STICKY), thread affinity (AFFINITY)
 *   Waiters      the queue of waiting claims and how they wait (WAITERS)
 *   Connector    connect attempts, watchdog, backoff, dead marking, probes (CONNECTING, CONNECT HEALTH, PROBES)
 *   BackendHealth use outcomes, the score, outlier ejection, revival (USE HEALTH, EJECTION, REVIVAL)
 *   Backends     the resolver's events, the debounced rebalance, retiring surplus, removal (BACKENDS, REMOVAL)
 *   Housekeeper  tick(now) -> next delay: health checks, lifetime, shrinking, decoherence
 *   EventQueue   listener calls, delivered in order off the lock
 * Each room owns its fields; they reach each other through this class.
 *
 * THE LOCK. One ReentrantLock guards every mutable field of this class, of the rooms (except what their notes
 * say is lock-free) and of BackendState, and every decision about connections: connecting, rebalancing,
 * retiring, closing, health checks, waiters. What runs without it is the FAST PATH below, which only moves an
 * idle connection to a claim and back. Take it with lock(); release it with unlock(), which then hands queued
 * work to the executor and delivers queued listener calls: the one way out of the lock.
 *
 * NEVER UNDER THE LOCK: connection I/O (connect, close, isHealthy run on the executor, or on the claiming thread
 * for the check-on-claim), calls to the executor (work is queued by submitLocked and handed over by unlock(), so
 * a same-thread executor cannot re-enter a decision half made), listener calls (EventQueue), resolver calls, and
 * blocking waits. What does happen under it is bounded and quick: queue operations, counters, scheduling on the
 * clock (non-blocking), LockSupport.unpark. No Java monitor is used anywhere, so virtual threads never pin here.
 *
 * LOCK ORDER: a resolver may hold its own lock while it calls Backends' ResolverListener methods, which take
 * this lock; this class never calls a resolver while holding it. The clock's internal lock is taken under this
 * one and never the other way round (its tasks run outside its lock).
 *
 * OWNERSHIP. Every open slot has exactly one holder at a time, and only its holder changes it: the idle ring
 * (IDLE, in the ring), a claim (CLAIMED), nobody in particular (STICKY: see IdleSet), or the lock (CHECKING,
 * CLOSING, HELD, or in hand between a poll and a decision). The ring's offer and poll hand a slot over; a STICKY
 * slot is taken only by compare-and-set, so two takers cannot both win. The lock never takes a slot from a
 * claim: it retires it (RETIRE) and the claim gives it back.
 *
 * FAST PATH (fixed-size pools). claim(): IdleSet.pollFast; a slot that is retired or expired goes to the lock instead.
 * release(): records the use's outcome in the slot (Slot.recordUse), then IdleSet.keep or offerReleased; a retired,
 * expired, discarded, failed or broken one goes to the lock. Neither changes a count: the counts treat idle and claimed
 * alike, so the fast path cannot break invariant 1. Elastic pools take the lock for every claim and release: growing
 * and shrinking count claims.
 *
 * RETIRE. The lock asks for a slot it does not hold by setting slot.retire (volatile) before it takes the idle
 * slots (IdleSet.takeAllLocked); a holder checks retire after it puts the slot in the ring, keeps it, or takes
 * it. This is a Dekker pair (volatile write, then volatile read, on both sides): either the pass finds the
 * slot, or the holder sees retire and brings the slot to the lock (purgeRetiredLocked, disposeLocked), which
 * re-decides. The other Dekker pair is WAITERS (see Waiters).
 *
 * COUNTS. Per backend, count() = connecting + open slots that are not closing; `countable` is what invariant 1
 * limits: all of them, minus exempt slots. A new connect starts only if countable < the current limit
 * (connectBudgetLocked), so the invariant holds at every instant; a closing connection still counts until its
 * close() has returned ("removals before additions"). `claimedCounted` (elastic pools only) is what growing
 * goes by. Idle and claimed per backend are read from slot states, for stats only.
 *
 * RESIZE. max and spares change under the lock (setMaxConnections, setSpares); whether the pool is elastic does
 * not (the claim path depends on it). A resize re-plans at once without the score-driven move bound, closes idle
 * surplus, and makes claimed surplus exempt (EXEMPT below) and retired, so countable <= max holds at once; connects
 * already in flight cannot be undone and count until they land (then close if unwanted). The idle ring keeps the
 * capacity of the build's maximum; connections beyond it wait STICKY beside it, or in its overflow when claims take
 * the lock (IdleSet).
 *
 * SUSPENDED (volatile, written under the lock). The fast path and the locked claim serve nobody, and offerLocked
 * hands nothing to waiters; claims queue (bounded by maxWaiters) and time out as usual. resume() hands idle
 * connections to the waiters oldest first (fresh claims, whose room was made while suspended, each the connection
 * it accepts), then lets releases serve the rest.
 *
 * METRICS. `recorders` (copied on write) are called on the claiming, releasing and connecting threads, outside the
 * lock; with none, the claim path reads an empty array. A claim's served instant is Slot.claimedAt (the claimer
 * writes it); its usage is the release's now minus that.
 *
 * CLOCK. The claim path reads the clock at most once per claim and release: the claim reads it (its served
 * instant, Slot.claimedAt, which check-on-claim, expiry, usage and leak detection go by); a lock-free release reads
 * it only if something needs the release's own instant (a lifetime to check, leak detection, recorders), else it
 * takes the claim's. So lastUsedAt may be when the last use began, not when it ended: a connection held longer
 * than CHECK_ON_CLAIM_AFTER_IDLE is checked at its next claim as if it had sat idle (never the other way round),
 * and the housekeeper's health check may come one hold early. Nothing needs the release's instant only in a
 * CLOCKLESS pool, so only there; in any other pool every release reads the clock and lastUsedAt is its instant,
 * which is why dueForCheck may judge a connection handed over at a release by it. Paths that take the lock read
 * the clock afresh (a claim that queues reads it again for its dispatch, which judges the head by it: HEAD
 * URGENT in Waiters).
 *
 * CLOCKLESS. In a pool whose claims are lock-free (fixed size, round-robin) with no maxLifetime and no
 * leak detection, a lock-free claim needs the time only for check-on-claim and the recorders. While there are no
 * recorders (looked at per claim: they may come and go), it reads no clock: its check goes by Slot.checkDue, which
 * the housekeeper's STAMPS pass sets from the slots' claims counters, and which also stamps their lastUsedAt (the
 * release does not). A due slot is checked by whichever claim gets it next (one that reads the clock, one that
 * waited, claimOpenedAfter); running the check clears the flag under the lock and counts as the slot's use; a
 * waiting claim gives back a slot it took but did not use as it was (giveBackLocked). A clockless claim's claimedAt
 * is NO_INSTANT: its release reports nothing to a recorder added meanwhile (it never saw the claim begin), and a
 * release that must take the lock reads the clock. A claim that goes down the locked path reads it as before.
 * One System.nanoTime() was about half of a one-thread claim + release on our VM (RESULTS.md, issue 19).
 *
 * LEAKS (leakDetectionThreshold > 0). The claimer records a stack in its slot after claimedAt; the housekeeper
 * reports a record older than the threshold once (Housekeeper: LEAKS); the release clears it and says if it was
 * reported.
 *
 * TIME AND THREADS. Everything timed goes through `clock` and all blocking work through `executor`, so tests
 * drive both by hand. Claim and close timeouts are real waits of real threads and use System.nanoTime().
 *
 * GLOSSARY (one word, one meaning).
 *   fixed-size  spares == maxConnections (not `elastic`): opened eagerly, claims and releases lock-free.
 *   elastic     spares < maxConnections: grows on demand, shrinks after idleTimeout, claims take the lock.
 *   sticky      idle outside the ring: kept by a thread (affinity) or refused by the ring for a moment.
 *   held        idle, taken out of the ring by the lock for one pass over the idle connections.
 *   retire      the lock asks a slot's holder to bring it back instead of using it or putting it in the ring.
 *   exempt      a claimed connection of a removed backend, or above a lowered maximum: not countable. When it
 *               is released it counts again if there is room and its backend still wants it, else it closes.
 *   countable   what invariant 1 limits: connecting + open - exempt connections.
 *   removed     no longer listed by the resolver; its connections close (idle now, claimed when released).
 *   drain(ed)   a removed backend's connections closing until none is left; drained, it is forgotten.
 *   dead        deadAfterFailures connect failures in a row; its share moves to the others. Connects only.
 *   ejected     an outlier by its use outcomes (score); its share moves away, its monitor slot is parked.
 *   monitor     the one slot a dead or ejected backend keeps: it probes (dead) or waits out the ejection.
 *   parked      the monitor connection of an ejected backend: open, held by the lock, out of service.
 *   in service  not removed, not dead, not ejected: a backend that gets its full share.
 *   use outcome how a claim went: success (close), failure (discard, fail, broken, reset failed) or a score.
 *
 * INVARIANTS (DESIGN.md; each has a test in cueball-integration-tests or in this module):
 *   1. countable <= maxConnections at every instant (a resize: from when it returns, but for connects in flight).
 *   2. After a rebalance settles, live backends hold their plan targets, which differ by at most one
 *      (or follow the weights within one): RebalancePlan.
 *   3. A slot has at most one ACTIVE claim; Claim.connection() checks its own state, so a closed claim cannot
 *      reach a slot handed to someone else.
 *   4. A slot reaches CLOSING exactly once (Slot.toClosing throws otherwise), and its connection is closed
 *      exactly once.
 *   5. A claim ends ACTIVE, or throws: timeout, no backends, failed, closed, interrupted.
 *   6. resolverFailed() changes nothing but a log line and an event.
 *   7. close() joins every thread this engine (and its own SystemClock and executor) started.
 *   8. Use outcomes never set `dead` (only Connector does, on connect failures), and an ejection happens only
 *      within maxEjectionPercent and with another backend in service (BackendHealth.mayEjectLocked).
 */

/** The pool engine behind {@link ConnectionPool}. See the maintainer notes above. */
final class PoolEngine<C extends Connection> {
    private static final Logger log = LoggerFactory.getLogger(ConnectionPool.class);

    enum Disposition { RETURN, DISCARD, STALE }

    final PoolOptions options;
    private final String name;
    private final Resolver resolver;
    final PoolClock clock;
    private final SystemClock ownClock;
    /** Used under the lock only (backoff jitter, lifetime spread, decoherence, the preference seed). */
    final RandomGenerator random;
    /** The pool's own executor, which it stops on close; null when the builder was given one. */
    private final ConnectorThreads ownExecutor;
    /** Runs connects, closes and health checks: {@code ownExecutor}, or the one the builder was given. */
    private final Executor executor;
    /** maxConnections: the build's, or what setMaxConnections last set (RESIZE). Guarded by the lock. */
    int max;
    /** spares < maxConnections (see GLOSSARY) at build; the pool is fixed-size otherwise, and stays so (RESIZE). */
    final boolean elastic;
    /**
     * Claims and releases take the lock: an elastic pool, or one whose claims choose their backend (Choice: any
     * HostSelection but round-robin). Otherwise the FAST PATH.
     */
    final boolean lockedClaims;
    /** spares: the build's, or what setSpares / setMaxConnections last set (RESIZE). Guarded by the lock. */
    int spares;
    /** A ConnectionSet's connectionsPerBackend: each re-plan sets max to it x the backends (0: off). Lock. */
    int perBackend;
    final long checkOnClaimAfter;
    /** leakDetectionThreshold in nanoseconds; 0 when off (LEAKS). */
    final long leakThreshold;
    /** maxWaiters: a claim that would be waiter number maxWaiters + 1 fails with PoolBusyException. */
    private final int maxWaiters;

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled, while closing, when a claimed, connecting, checking or closing connection finishes. */
    private final Condition settled = lock.newCondition();

    // ---- the rooms (see THE ROOMS) ----
    final IdleSet<C> idle;
    final Waiters<C> waiters;
    final Connector<C> connector;
    final Backends<C> backends;
    final Housekeeper<C> housekeeper;
    final BackendHealth<C> health;
    final EventQueue events;

    // ---- guarded by lock ----
    /** What invariant 1 limits (see COUNTS). */
    int countable;
    /** Claimed connections that count toward the maximum; kept by elastic pools only. */
    private int claimedCounted;
    boolean everConnected;
    Throwable lastError;

    // ---- thread-safe on their own ----
    /** Written under the lock; read without it by lock-free claims. */
    private volatile PoolState state = PoolState.STARTING;
    /** SUSPENDED: claims wait and are not served until resume(). Written under the lock; read by the fast path. */
    private volatile boolean suspended;
    /** Timings go to these (METRICS); copied on write under the lock, read without it. */
    private volatile MetricsRecorder[] recorders = NO_RECORDERS;
    private static final MetricsRecorder[] NO_RECORDERS = new MetricsRecorder[0];
    /** CLOCKLESS: the instant a claim that read no clock was served at (never compared). */
    static final long NO_INSTANT = Long.MIN_VALUE;
    /** CLOCKLESS: lock-free claims skip the clock while there are no recorders. */
    final boolean clockless;
    /** Blocking work decided under the lock, handed to the executor by unlock(). */
    private final ConcurrentLinkedQueue<Runnable> work = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean closeStarted = new AtomicBoolean();
    private final CountDownLatch closed = new CountDownLatch(1);

    PoolEngine(PoolOptions options, Resolver resolver, ConnectionFactory<C> factory, PoolClock clock,
            Executor executor, RandomGenerator random, PoolListener listener) {
        this.options = options;
        this.name = options.name();
        this.resolver = resolver;
        this.ownClock = clock == null ? new SystemClock(name) : null;
        this.clock = clock == null ? ownClock : clock;
        this.random = random;
        this.max = options.maxConnections();
        this.spares = options.spares();
        this.elastic = spares < max;
        this.checkOnClaimAfter = PoolOptions.CHECK_ON_CLAIM_AFTER_IDLE.toNanos();
        this.leakThreshold = ConnectionPool.saturatedNanos(options.leakDetectionThreshold()); // a "forever" is off
        this.maxWaiters = options.maxWaiters();
        this.ownExecutor = executor == null ? new ConnectorThreads(name, max) : null;
        this.executor = executor == null ? ownExecutor : executor;
        boolean choosing = options.hostSelection().kind() != HostSelection.Kind.ROUND_ROBIN;
        this.lockedClaims = elastic || choosing;
        this.idle = new IdleSet<>(max, elastic, options.threadAffinity(),
                choosing ? new Choice<>(options.hostSelection(), random) : null);
        this.events = new EventQueue(name, listener);
        long claimDelayTarget = ConnectionPool.saturatedNanos(options.targetClaimDelay());
        this.waiters = new Waiters<>(this, claimDelayTarget > 0
                ? new ControlledDelay(claimDelayTarget, this.clock.nanoTime()) : null);
        this.connector = new Connector<>(this, factory);
        this.health = new BackendHealth<>(this);
        this.backends = new Backends<>(this, options.rebalanceDelay().toNanos());
        this.clockless = !lockedClaims && options.maxLifetime().toNanos() <= 0 && leakThreshold == 0;
        this.housekeeper = new Housekeeper<>(this);
    }

    /** Starts housekeeping and the resolver. On failure everything started is stopped again. */
    void start() {
        lock();
        try {
            housekeeper.startLocked(clock.nanoTime());
        } finally {
            unlock();
        }
        try {
            resolver.start(backends);
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    // ---- Claim and release: the hot path. O(1), one allocation (the Claim), no I/O, no lock (FAST PATH) ----

    /**
     * Claims a connection.
     *
     * @param timeoutNanos how long to wait; ignored when {@code mayWait} is false
     * @param mayWait      false for tryClaim: return null instead of waiting
     */
    Claim<C> claim(long timeoutNanos, boolean mayWait) {
        long began = NO_INSTANT;
        try {
            for (;;) {
                // Allocation and the clock read stay outside the critical section: it is the pool's bottleneck.
                Claim<C> claim = new Claim<>(this);
                boolean timed = !clockless || recorders.length != 0; // else no clock (CLOCKLESS)
                long now = timed ? clock.nanoTime() : NO_INSTANT;
                if (began == NO_INSTANT) {
                    began = now;
                }
                Slot<C> slot = lockedClaims ? null : pollFast(now, true);
                if (slot == null) {
                    if (!timed) { // the locked path goes by the clock
                        timed = true;
                        now = clock.nanoTime();
                        if (began == NO_INSTANT) {
                            began = now;
                        }
                    }
                    long waitFor = timeoutNanos;
                    lock();
                    try {
                        throwIfClosingLocked();
                        // While FAILED too: a connection a dead backend still holds. Not while SUSPENDED.
                        slot = suspended ? null : pollIdleLocked(now);
                        if (slot == null && state == PoolState.FAILED) {
                            connector.probeNowLocked(now);
                            throw failedException();
                        }
                        if (slot != null) {
                            activateLocked(slot);
                            if (elastic) {
                                // keep `spares` ready on top of the claimed; O(1) unless it must grow
                                connector.fillLocked(now);
                            }
                        } else {
                            throwIfFailingFastLocked();
                            if (!mayWait) {
                                return null;
                            }
                            throwIfBusyLocked();
                            waitFor = waiters.addLocked(claim, now, timeoutNanos);
                            if (elastic) {
                                connector.fillLocked(now); // grow on demand
                            }
                            // a lock-free release may have slipped one in as this claim queued; a fresh reading,
                            // as `now` may be from before the lock and this may judge another head (HEAD URGENT)
                            waiters.dispatchLocked(clock.nanoTime());
                        }
                    } finally {
                        unlock();
                    }
                    if (slot == null) {
                        long start = System.nanoTime();
                        waiters.await(claim, start, start + waitFor, false);
                        // Handed over at a release: in use a moment ago, no check needed; but a connection that
                        // sat idle (handed over by resume(), or taken from the ring by serveSelf) may be due.
                        long at = clock.nanoTime();
                        if (!dueForCheck(claim.slot, at, !clockless) || checkOnClaim(claim)) {
                            return served(claim, began, at);
                        }
                        continue; // stale and replaced: as below
                    }
                }
                claim.serve(slot);
                // A due slot is checked by whichever claim gets it next, timed or not (CLOCKLESS); a timed claim
                // also judges by lastUsedAt, which in a clockless pool is the STAMPS pass's: never later than the use
                if (!dueForCheck(slot, now, timed) || checkOnClaim(claim)) {
                    return served(claim, began, now);
                }
                // The connection was stale and has been replaced; try again within the same deadline.
            }
        } catch (CueballException e) {
            claimFailed(e, began);
            throw e;
        }
    }

    /**
     * The claiming thread's last step with a served claim: when it was served (what usage and leak detection go
     * by), the claiming stack if leak detection is on (LEAKS), and its wait for the recorders (METRICS).
     */
    private Claim<C> served(Claim<C> claim, long began, long now) {
        Slot<C> slot = claim.slot;
        slot.claimedAt = now; // before the leak record's volatile write publishes it to the housekeeper
        if (leakThreshold > 0) {
            slot.leakClaimed(new Throwable("the claim was made here (leakDetectionThreshold "
                    + TimeUnit.NANOSECONDS.toMillis(leakThreshold) + " ms)"));
        }
        MetricsRecorder[] r = recorders;
        if (r.length != 0 && now != NO_INSTANT) { // a recorder added since the claim looked sees none (CLOCKLESS)
            Backend b = slot.backend.backend;
            long waited = began == NO_INSTANT ? 0 : Math.max(0, now - began);
            for (MetricsRecorder m : r) {
                try {
                    m.claimed(b, waited);
                } catch (RuntimeException e) {
                    log.warn("pool '{}': a MetricsRecorder threw; ignoring it", name, e);
                }
            }
        }
        return claim;
    }

    /** A claim failed with {@code e}: tells the recorders (METRICS), except for an interrupted one. */
    private void claimFailed(CueballException e, long began) {
        MetricsRecorder[] r = recorders;
        if (r.length != 0 && !(e instanceof ClaimInterruptedException)) {
            long waited = began == NO_INSTANT ? 0 : Math.max(0, clock.nanoTime() - began);
            for (MetricsRecorder m : r) {
                try {
                    m.claimFailed(e, waited);
                } catch (RuntimeException thrown) {
                    log.warn("pool '{}': a MetricsRecorder threw; ignoring it", name, thrown);
                }
            }
        }
    }

    /** The end of a claim for leak detection (LEAKS) and the recorders (METRICS). On the releasing thread. */
    private void ended(Slot<C> slot, boolean failed, long now) {
        if (leakThreshold > 0 && slot.leakEnded()) {
            log.info("pool '{}': the claim of a connection to {} reported as a possible leak was released after {} "
                    + "ms", name, slot.backend.key, TimeUnit.NANOSECONDS.toMillis(now - slot.claimedAt));
        }
        MetricsRecorder[] r = recorders;
        if (r.length != 0 && now != NO_INSTANT && slot.claimedAt != NO_INSTANT) { // not an unseen claim (CLOCKLESS)
            Backend b = slot.backend.backend;
            long held = Math.max(0, now - slot.claimedAt);
            for (MetricsRecorder m : r) {
                try {
                    m.released(b, held, failed);
                } catch (RuntimeException e) {
                    log.warn("pool '{}': a MetricsRecorder threw; ignoring it", name, e);
                }
            }
        }
    }

    /** Connect outcomes for the recorders (METRICS). On the executor, outside the lock. */
    void connectEnded(Backend b, long nanos, Throwable error) {
        MetricsRecorder[] r = recorders;
        for (MetricsRecorder m : r) {
            try {
                if (error == null) {
                    m.connected(b, nanos);
                } else {
                    m.connectFailed(b, nanos, error);
                }
            } catch (RuntimeException e) {
                log.warn("pool '{}': a MetricsRecorder threw; ignoring it", name, e);
            }
        }
    }

    void addRecorder(MetricsRecorder recorder) {
        lock();
        try {
            MetricsRecorder[] r = java.util.Arrays.copyOf(recorders, recorders.length + 1);
            r[r.length - 1] = recorder;
            recorders = r;
        } finally {
            unlock();
        }
    }

    boolean removeRecorder(MetricsRecorder recorder) {
        lock();
        try {
            MetricsRecorder[] r = recorders;
            for (int i = 0; i < r.length; i++) {
                if (r[i] == recorder) {
                    MetricsRecorder[] less = new MetricsRecorder[r.length - 1];
                    System.arraycopy(r, 0, less, 0, i);
                    System.arraycopy(r, i + 1, less, i, r.length - i - 1);
                    recorders = less;
                    return true;
                }
            }
            return false;
        } finally {
            unlock();
        }
    }

    /** A claim that would wait when maxWaiters already wait fails at once (BOUNDED WAITERS). */
    private void throwIfBusyLocked() {
        int waiting = waiters.sizeLocked();
        if (waiting >= maxWaiters) {
            throw new PoolBusyException("pool '" + name + "' is busy: " + waiting + " claims wait already (maxWaiters "
                    + maxWaiters + "); " + countsLocked(), waiting, maxWaiters);
        }
    }

    /**
     * Claims a connection opened after {@code openedAfter} (pool clock): an idle one if there is one, else a new
     * one, for which the pool makes room (FRESH CLAIMS in Waiters). Always through the lock: a rare path.
     */
    Claim<C> claimFresh(long timeoutNanos, long openedAfter, boolean scanIdle) {
        long now = clock.nanoTime();
        try {
            for (long at = now;; at = clock.nanoTime()) {
                Claim<C> claim = claimFreshOnce(timeoutNanos, openedAfter, scanIdle, at);
                // An idle connection it took may be due for its check, as at any claim
                long servedAt = clock.nanoTime();
                if (!dueForCheck(claim.slot, servedAt, !clockless) || checkOnClaim(claim)) {
                    return served(claim, now, servedAt);
                }
                // stale and replaced: try again
            }
        } catch (CueballException e) {
            claimFailed(e, now);
            throw e;
        }
    }

    /** One attempt of claimFresh: the claim it was served, not yet reported to the recorders. */
    private Claim<C> claimFreshOnce(long timeoutNanos, long openedAfter, boolean scanIdle, long now) {
        Claim<C> claim = new Claim<>(this);
        boolean found = false;
        lock();
        try {
            throwIfClosingLocked();
            Slot<C> slot = scanIdle && !suspended ? takeOpenedAfterLocked(openedAfter, now) : null;
            if (slot != null) {
                activateLocked(slot);
                claim.serve(slot);
                found = true;
            } else {
                if (state == PoolState.FAILED) {
                    connector.probeNowLocked(now);
                    throw failedException();
                }
                throwIfFailingFastLocked();
                throwIfBusyLocked();
                waiters.addFreshLocked(claim, openedAfter, now);
                int before = countable;
                connector.fillLocked(now); // a pool that may grow opens one for it
                if (countable == before) {
                    waiters.roomWanted++;
                    makeRoomLocked(now);
                }
            }
        } finally {
            unlock();
        }
        if (found) {
            return claim;
        }
        long start = System.nanoTime();
        waiters.await(claim, start, start + timeoutNanos, true);
        return claim;
    }

    /** Takes the oldest idle slot opened after {@code openedAfter} out of the idle set; null if none. */
    private Slot<C> takeOpenedAfterLocked(long openedAfter, long now) {
        List<Slot<C>> held = idle.takeAllLocked();
        Slot<C> found = null;
        for (int i = 0; i < held.size() && found == null; i++) {
            Slot<C> slot = held.get(i);
            if (slot.openedAt - openedAfter >= 0 && !slot.retire && !unwantedLocked(slot, now)) {
                found = held.set(i, null);
                found.heldToIdle();
            }
        }
        restoreIdleLocked(held, now);
        return found;
    }

    /**
     * Closes the oldest idle connections of backends in service, as many as fresh claims want room for: each one's
     * backend is then below its target, and its refill (once the close has returned) is the fresh connection. A
     * dead backend's survivor is left alone: its refill waits out the backend's backoff, and the fresh claim with it.
     */
    void makeRoomLocked(long now) {
        while (waiters.roomWanted > 0) {
            Slot<C> slot = pollIdleLocked(now);
            if (slot == null) {
                return; // all claimed: the next release makes room (Waiters.dispatchLocked, releaseLocked)
            }
            if (slot.backend.dead) {
                // pollIdleLocked hands out a dead backend's survivor only when no live backend has an idle one left
                offerLocked(slot);
                return;
            }
            waiters.roomWanted--;
            closeLocked(slot);
        }
    }

    /**
     * The lock-free claim (IdleSet.pollFast), while the pool runs. Null sends the claim down the locked path,
     * which decides everything else: so does a connection the lock has asked back (RETIRE) or that has expired.
     */
    Slot<C> pollFast(long now, boolean mayKeep) {
        PoolState s = state;
        if ((s != PoolState.RUNNING && s != PoolState.STARTING) || suspended) {
            return null;
        }
        Slot<C> slot = idle.pollFast(mayKeep);
        if (slot == null) {
            return null;
        }
        if (slot.retire || slot.expired(now)) { // a CLOCKLESS pool's slots never expire: NO_INSTANT is not compared
            lock();
            try {
                slot.claimedToIdle();
                disposeLocked(slot, now == NO_INSTANT ? clock.nanoTime() : now);
            } finally {
                unlock();
            }
            return null;
        }
        slot.claims++;
        return slot;
    }

    /**
     * Releases (or discards) a claim whose state the caller has just moved from ACTIVE to CLOSED, and records
     * how its use went (USE HEALTH in BackendHealth).
     */
    void release(Claim<C> claim, Disposition how) {
        Slot<C> slot = claim.slot;
        Throwable cause = claim.failure;
        if (how == Disposition.RETURN) {
            if (ConnectionHooks.isBroken(slot.connection)) {
                how = Disposition.DISCARD; // it saw an error its holder did not report
                cause = new CueballException("pool '" + name + "': connection to " + slot.backend.key
                        + " reported itself broken (Connection.isBroken) on release");
            } else if (!ConnectionHooks.reset(slot, name)) {
                how = Disposition.DISCARD; // it cannot be made clean for the next claim
                cause = new CueballException("pool '" + name + "': connection to " + slot.backend.key
                        + " failed its reset on release");
            }
        }
        boolean lockFree = !lockedClaims && how == Disposition.RETURN;
        // ONE CLOCK READ: a plain lock-free release needs no time of its own (CLOCK); NO_INSTANT if clockless.
        boolean read = !lockFree || slot.expires || leakThreshold != 0 || recorders.length != 0;
        long now = read ? clock.nanoTime() : slot.claimedAt;
        if (how != Disposition.STALE) { // a connection found broken before its use was not used
            ended(slot, how == Disposition.DISCARD, now);
        }
        double reported = slot.takeReported();
        double value = how == Disposition.DISCARD ? 0.0 : reported;
        if (lockFree && !slot.retire && !slot.expired(now)) {
            slot.recordUse(value); // before the slot leaves this thread
            if (now != NO_INSTANT) { // else the housekeeper stamps it from the claims counter (CLOCKLESS)
                slot.lastUsedAt = now;
            }
            if (!idle.keep(slot, waiters)) {
                releaseToRing(slot);
            }
            return;
        }
        if (!read) {
            now = clock.nanoTime(); // the lock's decisions go by the present, not the claim's instant (or none)
        }
        lock();
        try {
            if (how == Disposition.DISCARD && cause == null) {
                cause = new CueballException("pool '" + name + "': connection to " + slot.backend.key
                        + " discarded by its claimer as broken");
            }
            if (how != Disposition.STALE) { // a connection found broken before its use is not a use
                health.useEndedLocked(slot, how == Disposition.DISCARD, value, cause, now);
            }
            releaseLocked(slot, how, now);
            if (how == Disposition.DISCARD) {
                health.failedLocked(slot.backend, now);
            }
        } finally {
            unlock();
        }
    }

    /** Puts a released connection in the ring; then, if claims wait or the lock wants it back, takes the lock. */
    private void releaseToRing(Slot<C> slot) {
        if (idle.offerReleased(slot, waiters)) {
            lock();
            try {
                long now = clock.nanoTime(); // the release's own may be its claim's instant (CLOCK)
                if (slot.retire) {
                    purgeRetiredLocked(now);
                }
                waiters.dispatchLocked(now);
                signalIfClosingLocked();
            } finally {
                unlock();
            }
        }
    }

    /** The locked release: the slot is in hand, CLAIMED. */
    void releaseLocked(Slot<C> slot, Disposition how, long now) {
        releaseLocked(slot, how, now, true);
    }

    /**
     * Gives back a slot a claim took (pollFast) but never used: as it was, neither stamped nor checked, and its
     * claim not counted (Waiters.serveSelf, when the claim was served meanwhile or shed).
     */
    void giveBackLocked(Slot<C> slot, long now) {
        slot.claims--;
        if (slot.seenClaims == slot.claims + 1) {
            slot.seenClaims = slot.claims; // a STAMPS pass saw the take: it must not count as a claim since
        }
        releaseLocked(slot, Disposition.RETURN, now, false);
    }

    private void releaseLocked(Slot<C> slot, Disposition how, long now, boolean used) {
        BackendState<C> b = slot.backend;
        if (elastic && !slot.exempt) {
            claimedCounted--;
        }
        if (how != Disposition.RETURN) {
            closeLocked(slot);
            connector.fillLocked(now);
        } else {
            if (used) {
                slot.lastUsedAt = now;
                slot.checkDue = false; // lastUsedAt is the present (offerLocked starts the STAMPS pass if stopped)
            }
            slot.claimedToIdle();
            disposeLocked(slot, now);
            if (waiters.roomWanted > 0) {
                // A fresh claim found every connection claimed (FRESH CLAIMS). Lock-free releases make its room in
                // Waiters.dispatchLocked; a locked one, which is every release of an elastic pool, does it here.
                makeRoomLocked(now);
            }
        }
        signalIfClosingLocked();
    }

    /** An in-hand IDLE slot: closed if the pool no longer wants it, else offered to a waiter or the idle ring. */
    private void disposeLocked(Slot<C> slot, long now) {
        if (slot.exempt && countable < max && !slot.backend.removed && !isClosing()) {
            // An exempt connection back from its claim (its backend was removed and re-added, or the maximum was
            // lowered): there is room for it to count again, so it may stay if its backend still wants it.
            slot.exempt = false;
            countable++;
        }
        if (isClosing() || unwantedLocked(slot, now)) {
            closeLocked(slot);
            connector.fillLocked(now);
        } else {
            slot.retire = slot.backend.dead; // a dead backend's uses come to the lock (REVIVAL in BackendHealth)
            offerLocked(slot);
        }
    }

    /**
     * Pops the oldest idle connection that is still wanted; closes the unwanted ones it meets. A dead backend's
     * surviving connection is handed out only when no live backend has an idle one (the pool may be FAILED): the
     * ones passed over go back to the tail of the queue.
     */
    Slot<C> pollIdleLocked(long now) {
        Slot<C> slot;
        Slot<C> firstDead = null;
        List<Slot<C>> passed = null;
        while ((slot = idle.pollLocked(now)) != null) {
            if (unwantedLocked(slot, now)) {
                closeLocked(slot);
                connector.fillLocked(now);
                continue;
            }
            if (slot.backend.ejected) {
                health.parkLocked(slot); // the ring had it before its backend was ejected
                continue;
            }
            if (!slot.backend.dead) {
                break;
            }
            if (firstDead == null) {
                firstDead = slot;
            } else {
                if (passed == null) {
                    passed = new ArrayList<>(2);
                }
                passed.add(slot);
            }
        }
        if (slot == null) {
            slot = firstDead;
        } else if (firstDead != null) {
            idle.offerLocked(firstDead);
        }
        if (passed != null) {
            passed.forEach(idle::offerLocked);
        }
        if (slot != null) {
            slot.retire = slot.backend.dead; // a dead backend's uses come to the lock (REVIVAL in BackendHealth)
        }
        return slot;
    }

    /** Whether a slot that is in hand (polled or released, not in the ring) should close instead of being used. */
    boolean unwantedLocked(Slot<C> slot, long now) {
        BackendState<C> b = slot.backend;
        return b.removed || b.count() > b.effectiveTarget() || slot.expired(now) || slot.evicted
                || slot.exempt; // still exempt: no room for it to count again, so it may not stay (RESIZE)
    }

    /** Moves an in-hand IDLE slot to CLAIMED. The claim's state is set by the caller. */
    private void activateLocked(Slot<C> slot) {
        slot.idleToClaimed();
        slot.claims++;
        if (elastic) {
            claimedCounted++;
        }
    }

    /**
     * Hands an in-hand IDLE slot to the oldest waiter, or puts it at the tail of the idle ring; parks it instead if
     * its backend is ejected.
     */
    void offerLocked(Slot<C> slot) {
        long now = clock.nanoTime();
        if (clockless && !slot.checkDue) {
            housekeeper.stampsWantedLocked(now); // a new, checked or lock-released slot, parked or not (STAMPS)
        }
        if (slot.backend.ejected) {
            health.parkLocked(slot);
            return;
        }
        Claim<C> waiter = suspended ? null : waiters.takeForLocked(slot, now);
        if (waiter == null) {
            idle.offerLocked(slot);
            return;
        }
        activateLocked(slot);
        waiter.handOver(slot);
        LockSupport.unpark(waiter.thread);
    }

    /** Puts back what {@link IdleSet#takeAllLocked} took, in order (nulls skipped), serving waiting claims. */
    void restoreIdleLocked(List<Slot<C>> held, long now) {
        for (Slot<C> slot : held) {
            if (slot != null) {
                slot.heldToIdle();
                if (slot.retire) {
                    disposeLocked(slot, now);
                } else {
                    offerLocked(slot);
                }
            }
        }
    }

    /** Deals with retired connections that a lock-free release put in the ring after they were retired. */
    void purgeRetiredLocked(long now) {
        restoreIdleLocked(idle.takeAllLocked(), now);
    }

    /**
     * Whether a connection served to a claim must be checked first: flagged by the STAMPS pass, or, with {@code
     * byLastUse}, idle longer than CHECK_ON_CLAIM_AFTER_IDLE by lastUsedAt at {@code now}. The plain claim judges by
     * lastUsedAt when it read the clock; a claim that got its connection off that path (a waiting claim,
     * claimOpenedAfter) does so in a pool that stamps lastUsedAt at every release (not CLOCKLESS): in a clockless
     * pool a connection released lock-free has the STAMPS pass's lastUsedAt, and the flag decides alone. (Those paths
     * once looked at the flag only, so a pool with a lifetime, leak detection or a weighted choice handed out the
     * connections resume() and claimOpenedAfter gave them unchecked, however long they had sat.)
     */
    private boolean dueForCheck(Slot<C> slot, long now, boolean byLastUse) {
        return slot.checkDue || (byLastUse && now - slot.lastUsedAt > checkOnClaimAfter);
    }

    /**
     * Checks a connection that sat idle for longer than {@link PoolOptions#CHECK_ON_CLAIM_AFTER_IDLE} before
     * handing it out (on the claiming thread, outside the lock); false if it was stale.
     */
    private boolean checkOnClaim(Claim<C> claim) {
        Slot<C> slot = claim.slot;
        if (slot.checkDue) { // the check the housekeeper asked for (CLOCKLESS): it may have stopped its stamps
            lock();
            try {
                long now = clock.nanoTime();
                slot.lastUsedAt = now; // checked now; the pass, if it restarts, does not stamp this claim
                slot.checkDue = false; // under the lock with lastUsedAt: no pass in between flags it again
                housekeeper.stampsWantedLocked(now);
            } finally {
                unlock();
            }
        }
        if (ConnectionHooks.isHealthy(slot.connection)) {
            return true;
        }
        log.debug("pool '{}': idle connection to {} was broken; replacing it", name, slot.backend.key);
        if (claim.closeStale()) {
            release(claim, Disposition.STALE);
        }
        return false;
    }

    /** The last connect error for a message: never "null" (LEAKS' sibling: a message that says what it knows). */
    String lastErrorText() {
        Throwable e = lastError;
        return e == null ? "no connect has failed yet" : "last connect error: " + e;
    }

    /** The pool's counts for an error message; total is what invariant 1 limits. */
    String countsLocked() {
        PoolStats s = statsLocked();
        return "total=" + countable + ", idle=" + s.idle() + ", claimed=" + s.claimed() + ", connecting="
                + s.connecting() + ", waiting=" + s.waiting() + ", backends live=" + s.backendsLive() + " dead="
                + s.backendsDead() + " ejected=" + s.backendsEjected();
    }

    private void throwIfClosingLocked() {
        if (isClosing()) {
            throw new PoolClosedException("pool '" + name + "' is " + state.name().toLowerCase(Locale.ROOT));
        }
    }

    /** A claim that would wait fails at once instead when the resolver reports no backends and failFastWhenEmpty. */
    private void throwIfFailingFastLocked() {
        if (options.failFastWhenEmpty() && backends.noneDesiredLocked()) {
            throw new NoBackendsException("pool '" + name + "' has no backends: its resolver reports none, and"
                    + " failFastWhenEmpty is set");
        }
    }

    private PoolFailedException failedException() {
        return new PoolFailedException("pool '" + name + "' has failed: all " + backends.notRemovedLocked()
                + " backends are dead; " + lastErrorText(), lastError);
    }

    // ---- Counts ----

    /** How many connects may start now: up to maxConnections (fixed-size), or claimed + waiting + spares. */
    int connectBudgetLocked() {
        if (!elastic) {
            return max - countable;
        }
        int budget = Math.min(max, claimedCounted + waiters.sizeLocked() + spares) - countable;
        int fresh = waiters.freshLocked();
        if (fresh > budget) {
            // Fresh claims want new connections, which no idle one is (FRESH CLAIMS in Waiters). A pool that grew
            // and has not shrunk yet holds more idle connections than claimed + waiting + spares: the refill of the
            // idle one closed to make room would never start. Each connect in flight goes to a fresh claim first.
            int connecting = 0;
            for (BackendState<C> b : backends.allLocked()) {
                connecting += b.connecting;
            }
            budget = Math.max(budget, Math.min(max - countable, fresh - connecting));
        }
        return budget;
    }

    /**
     * A claimed slot of a removed backend stops counting (invariant 1's one exception); or, its backend re-added
     * while it is still claimed, counts again.
     */
    void setExemptLocked(Slot<C> slot, boolean exempt) {
        slot.exempt = exempt;
        int delta = exempt ? -1 : 1;
        countable += delta;
        if (elastic) {
            claimedCounted += delta;
        }
    }

    // ---- Closing connections ----

    /** Starts closing an in-hand slot. Exactly once per slot: its close() runs on the executor after unlock. */
    void closeLocked(Slot<C> slot) {
        slot.toClosing(name);
        idle.removeLocked(slot);
        slot.backend.closing++;
        submitLocked(() -> closeSlot(slot)); // after close() has finished, run by the releasing thread (unlock)
    }

    /** Closes a slot's connection (outside the lock) and forgets it. */
    private void closeSlot(Slot<C> slot) {
        ConnectionHooks.close(slot.connection, name, slot.backend.key);
        lock();
        try {
            if (!slot.exempt) {
                countable--;
            }
            backends.forgetClosedLocked(slot);
            Backend gone = slot.backend.backend;
            events.emit(l -> l.connectionClosed(gone));
            connector.fillLocked(clock.nanoTime());
            signalIfClosingLocked();
        } finally {
            unlock();
        }
    }

    // ---- State and stats ----

    /** FAILED when every backend that is not removed is dead; RUNNING again when one is not. */
    void updateStateLocked() {
        if (isClosing()) {
            return;
        }
        if (backends.allDeadLocked()) {
            if (state != PoolState.FAILED) {
                setStateLocked(PoolState.FAILED);
                waiters.failAllLocked(this::failedException);
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
            log.error("pool '{}': every backend is dead; claims fail until one recovers; {}", name, lastErrorText());
        } else {
            log.info("pool '{}': {} -> {}", name, previous, next);
        }
        events.emit(l -> l.stateChanged(previous, next));
    }

    // ---- Operations while running (RESIZE, SUSPENDED, softEvict, rebalanceNow) ----

    /**
     * setMaxConnections: sets maxConnections (and spares: a fixed-size pool stays fixed-size, its spares follow; an
     * elastic pool keeps its spares, capped at the new maximum), read and set in one lock hold, and re-plans at once.
     * Lowering it closes idle surplus now; claimed surplus closes when released and stops counting at once (exempt,
     * as a removed backend's: invariant 1). Raising it opens the new share.
     */
    void resizeMax(int newMax) {
        String change;
        lock();
        try {
            change = resizeLocked(newMax, elastic ? Math.min(spares, newMax) : newMax);
        } finally {
            unlock();
        }
        log.info("pool '{}': {}", name, change);
    }

    /** setSpares of an elastic pool, checked against the maximum in force in the same lock hold. */
    void resizeSpares(int newSpares) {
        String change;
        lock();
        try {
            if (newSpares < 0 || newSpares > max) {
                throw new IllegalArgumentException("spares: " + newSpares + " (expected: 0.." + max
                        + ", at most maxConnections)");
            }
            change = resizeLocked(max, newSpares);
        } finally {
            unlock();
        }
        log.info("pool '{}': {}", name, change);
    }

    /** RESIZE under the lock; returns what changed, for the log line written after the lock. */
    private String resizeLocked(int newMax, int newSpares) {
        throwIfClosingLocked();
        long now = clock.nanoTime();
        String change = "maxConnections " + max + " -> " + newMax + ", spares " + spares + " -> " + newSpares;
        max = newMax;
        spares = newSpares;
        backends.replanLocked(now, false);
        exemptSurplusLocked();
        purgeRetiredLocked(now); // a release in flight when exemptSurplus retired its slot is in the ring now
        connector.fillLocked(now);
        waiters.dispatchLocked(now);
        return change;
    }

    int maxLocked() {
        return max;
    }

    int sparesLocked() {
        return spares;
    }

    /**
     * After the maximum was lowered: while more connections count than it allows, the claimed ones of backends
     * above their target stop counting (exempt) and close when released, so that invariant 1 holds at once.
     * Connects in flight cannot be undone; they close on arrival if their backend is above its target.
     */
    private void exemptSurplusLocked() {
        for (BackendState<C> b : backends.allLocked()) {
            for (Slot<C> slot : b.slots) {
                if (countable <= max) {
                    return;
                }
                if (slot.isClaimed() && !slot.exempt && b.count() > b.effectiveTarget()) {
                    setExemptLocked(slot, true);
                    slot.retire = true;
                }
            }
        }
    }

    /** SUSPENDED: claims wait (up to their timeouts) and are not served until resume(). */
    void suspend() {
        boolean now;
        lock();
        try {
            throwIfClosingLocked();
            now = !suspended;
            suspended = true;
        } finally {
            unlock();
        }
        if (now) {
            log.info("pool '{}': suspended; claims wait until it is resumed", name);
        }
    }

    /** Ends SUSPENDED: the waiting claims are served in the order they came, as far as idle connections go. */
    void resume() {
        int waiting;
        lock();
        try {
            if (!suspended) {
                return;
            }
            suspended = false;
            waiting = waiters.sizeLocked();
            long now = clock.nanoTime();
            if (waiters.freshLocked() > 0) {
                // Fresh claims first: the connections opened for them while suspended are idle, and nothing else
                // would hand them over (firstLocked and dispatchLocked see normal claims only). takeForLocked gives
                // each its connection, and the normal claims, oldest first, what fresh claims do not accept.
                restoreIdleLocked(idle.takeAllLocked(), now);
            }
            while (waiters.firstLocked() != null) {
                Slot<C> slot = pollIdleLocked(now);
                if (slot == null) {
                    break;
                }
                offerLocked(slot); // to the oldest waiter
            }
            waiters.dispatchLocked(now);
        } finally {
            unlock();
        }
        log.info("pool '{}': resumed; {} claims were waiting", name, waiting);
    }

    boolean isSuspended() {
        return suspended;
    }

    /**
     * HikariCP's softEvictConnections: every connection is replaced. Idle ones close now and their backends
     * refill; claimed ones close when released.
     */
    int softEvict() {
        int evicted = 0;
        lock();
        try {
            throwIfClosingLocked();
            long now = clock.nanoTime();
            for (BackendState<C> b : backends.allLocked()) {
                for (Slot<C> slot : b.slots) {
                    if (!slot.isClosing() && !slot.isParked()) { // an ejected backend's monitor stays parked
                        slot.evicted = true;
                        slot.retire = true;
                        evicted++;
                    }
                }
            }
            purgeRetiredLocked(now); // the idle ones; claimed ones come to the lock on release (RETIRE)
            connector.fillLocked(now);
        } finally {
            unlock();
        }
        log.info("pool '{}': soft eviction of {} connections", name, evicted);
        return evicted;
    }

    /** Re-plans now instead of after the rebalance delay. */
    void rebalanceNow() {
        lock();
        try {
            throwIfClosingLocked();
            backends.rebalanceNowLocked(clock.nanoTime());
        } finally {
            unlock();
        }
    }

    PoolStats stats() {
        lock();
        try {
            return statsLocked();
        } finally {
            unlock();
        }
    }

    private PoolStats statsLocked() {
        long now = clock.nanoTime();
        for (BackendState<C> b : backends.allLocked()) {
            health.harvestLocked(b, now);
        }
        return backends.statsLocked(name, state, waiters.sizeLocked(), waiters.timeoutsLocked(), now);
    }

    PoolState state() {
        return state;
    }

    /** Closing or closed: nothing new starts; claims fail with PoolClosedException. */
    boolean isClosing() {
        PoolState s = state;
        return s == PoolState.CLOSING || s == PoolState.CLOSED;
    }

    boolean closeStarted() {
        return closeStarted.get();
    }

    String name() {
        return name;
    }

    // ---- Close ----

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
        lock();
        try {
            setStateLocked(PoolState.CLOSING);
            housekeeper.stopLocked();
            backends.closeLocked(); // stops its timers and retires every connection: first, then the idle ones
            waiters.failAllLocked(() -> new PoolClosedException("pool '" + name + "' closed while the claim waited"));
            for (Slot<C> slot : idle.takeAllLocked()) {
                closeLocked(slot);
            }
        } finally {
            unlock();
        }

        boolean interrupted;
        lock();
        try {
            // Claimed connections for up to closeTimeout; then connects, checks and closes in flight, which are
            // bounded by connectTimeout (and the factory's own timeouts), so that every connection is closed
            // when close() returns.
            interrupted = awaitLocked(backends::inUseLocked, options.closeTimeout().toNanos(),
                    "connections still claimed after closeTimeout; each closes when its claim is released")
                    | awaitLocked(backends::inFlightLocked, options.connectTimeout().toNanos()
                    + TimeUnit.SECONDS.toNanos(5), "connects or closes still running at close");
        } finally {
            unlock();
        }
        if (ownExecutor != null) {
            try {
                ownExecutor.shutdownAndJoin();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (ownClock != null) {
            ownClock.close();
        }
        lock();
        try {
            setStateLocked(PoolState.CLOSED);
        } finally {
            unlock();
        }
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

    /**
     * Waits on `settled` until the count is 0 or the time is up, then logs what is left; returns whether the
     * thread was interrupted (close finishes anyway and restores the flag at the end).
     */
    private boolean awaitLocked(IntSupplier count, long timeoutNanos, String leftOver) {
        boolean interrupted = false;
        long deadline = System.nanoTime() + timeoutNanos;
        for (long remaining = timeoutNanos; count.getAsInt() > 0 && remaining > 0;
                remaining = deadline - System.nanoTime()) {
            try {
                settled.awaitNanos(remaining);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (count.getAsInt() > 0) {
            log.warn("pool '{}': closed with {} {}", name, count.getAsInt(), leftOver);
        }
        return interrupted;
    }

    void signalIfClosingLocked() {
        if (state == PoolState.CLOSING) {
            settled.signalAll();
        }
    }

    // ---- The lock, and what runs after it ----

    void lock() {
        lock.lock();
    }

    /**
     * Releases the lock, then hands queued work to the executor and delivers queued listener calls. The one way
     * out of the lock: every {@code lock()} is paired with this in a {@code finally}. Work the executor refuses
     * (it has been shut down: close() has finished) runs here, on this thread.
     */
    void unlock() {
        lock.unlock();
        if (lock.isHeldByCurrentThread()) {
            return; // a nested hold: the outermost unlock hands the work over
        }
        for (Runnable task; (task = work.poll()) != null;) {
            try {
                executor.execute(task);
            } catch (RejectedExecutionException e) {
                task.run();
            }
        }
        events.deliver();
    }

    /** Queues blocking work (a connect, close or health check) for the executor, handed over by unlock(). */
    void submitLocked(Runnable task) {
        work.add(task);
    }

    /** Schedules a task on the clock; a task that throws is logged (and rethrown to the clock). */
    PoolClock.Timer schedule(Runnable task, long delayNanos) {
        return clock.schedule(() -> {
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                log.error("pool '{}': internal task failed", name, e);
                throw e;
            }
        }, delayNanos);
    }
}
