package io.cueball;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * MAINTAINER NOTES: the connection set (node-cueball's ConnectionSet) on top of a pool. Keep this comment true.
 *
 * THE IDEA. The set owns a fixed-size ConnectionPool and holds every connection that pool opens as a long-lived
 * claim (SharedConnection); leases share those connections. So resolver handling, the rebalance plan, backoff,
 * dead and ejected backends, lifetime, decoherence and close are the pool's, unchanged. The pool cannot take a
 * claimed connection back: it asks by setting slot.retire (RETIRE in PoolEngine). The set notices (pool events, a
 * tick, each acquire), asks the pool under its lock whether it really wants that connection back (RETIRE REVIEW),
 * and if so drains it: no new leases; when its last lease ends (or after drainTimeout) the set gives the claim back
 * and the pool closes it; the replacement the pool opens is claimed like any new connection.
 *
 * SIZE. With maxConnections (a total spread) the pool's maximum is the set's. With connectionsPerBackend (n), the
 * pool's maximum is n x (backends not removed), set by every re-plan (PoolEngine.perBackend, read in
 * Backends.replanLocked): the plan that applies a resolver change already has the new maximum, so a backend coming
 * or going opens or closes only its own connections. (Resizing after the rebalance instead made the plan with the
 * old maximum open connections that the resize then retired: churn on every change.) A backend in service keeps
 * max(n, its target) (unequal weights may plan it fewer). While a backend is dead or ejected its share goes to the
 * others, as in the pool.
 *
 * RETIRE REVIEW (sync, under the pool's lock). A held connection is given back when the pool would close it:
 * its backend was removed, it is exempt or evicted, it expired (maxLifetime), or it is retired and its backend
 * holds more than it may (count - the set's draining connections of that backend > allowed; allowed is the pool's
 * effective target: one monitor connection for a dead, ejected or unproven backend). A dead backend retires every
 * slot for good (its uses must reach the lock, where a success revives it): the review keeps its monitor
 * connection, and successes on it take the locked path (recordOutcome), which revives the backend as the pool does.
 * A given-back connection is closed (Disposition.STALE: no use outcome is recorded for the long claim, so a release
 * never revives a dead backend by itself); a broken one is failed (Claim.fail: a use failure, replaced).
 *
 * EPOCH. Every pool event bumps `epoch` and schedules a sync. An acquire does not lease a slot that is retired and
 * was last reviewed before the current epoch (it marks it `suspect`, and the sync reviews it): so the window between
 * a retire and its review hands out no new lease on a connection that is about to drain, and a dead backend's
 * monitor connection (retired for good) costs nothing once reviewed.
 *
 * SYNC. One at a time (syncRunning/syncPending, as EventQueue delivers), on the pool's executor: pool events, the
 * tick (every second), a give-back and an acquire that found a suspect connection schedule it. It resizes (per
 * backend), claims what the pool has idle, reviews, enforces drain timeouts and rebuilds the lease view. Claiming
 * may check a connection that sat idle (isHealthy), which is why it runs on the executor and not on an
 * application thread.
 *
 * LOCKS. The set's `lock` guards `held`, `serials`, `views`, `servedByClosed`, `servedByForgotten`,
 * `acquireTimeouts` and is what waiting acquires and close wait on (`changed`). It is innermost: nothing under it
 * calls the pool (no pool lock taken under it), a listener or a connection. The pool's lock is taken by sync, by
 * outcomes that must reach it (failures, and successes on retired slots) and by give-backs; never with the set's
 * lock held.
 *
 * LEASES. acquire() reads `groups` (an immutable view of the connections that take leases, per backend, rebuilt
 * under the lock on every change), lets the HostSelection choose a backend (least leases in flight per connection
 * for leastInUse) and takes its least loaded connection: lock-free; it allocates the Lease, and the strategy's arrays
 * when more than one backend may take it. The lease count and the drain are a Dekker pair (SharedConnection). A
 * lease's end records its outcome on the slot lock-free (Slot.recordSharedUse: the pool harvests it as a claim's),
 * or under the pool's lock for a failure.
 *
 * THREADS. The set starts none: sync runs on the pool's connector threads, ticks and drain timers on its timer
 * thread; close() closes the pool, which joins them.
 */

/** The engine of a {@link ConnectionSet}: held connections, leases, drains. See the maintainer notes above. */
final class SetEngine<C extends Connection> implements PoolListener {
    private static final Logger log = LoggerFactory.getLogger(ConnectionSet.class);
    /** How often the set reviews its connections without a pool event: lifetime, drain timeouts, missed breaks. */
    static final long TICK_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** An immutable view of one backend's connections that take leases. */
    private record Group<C extends Connection>(Backend backend, SharedConnection<C>[] connections, boolean inService,
            double score) {
    }

    /** What the last review learnt of a backend from the pool. */
    private record View(boolean inService, double score) {
        static final View IN_SERVICE = new View(true, 1.0);
    }

    /** A drain the review decided. */
    private record Decision<C extends Connection>(SharedConnection<C> shared, String reason, Throwable broken) {
    }

    final ConnectionSetOptions options;
    final String name;
    private final HostSelection selection;
    /** java.util.Random: thread-safe, and seeded from the builder's random. */
    private final RandomGenerator random;
    private final int maxLeases;
    private final int perBackend;
    private final long drainTimeout;
    private final boolean finiteDrain;

    /** Set once, after the pool is built (events may come before: they only bump the epoch then). */
    private volatile ConnectionPool<C> pool;
    private volatile PoolEngine<C> engine;

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when a connection may take a lease again, when one leaves, and when the set closes. */
    private final Condition changed = lock.newCondition();

    // ---- guarded by lock ----
    /** Connections held from the pool and not yet given back: in service and draining. */
    private final List<SharedConnection<C>> held = new ArrayList<>();
    private final Map<String, Integer> serials = new HashMap<>();
    private final Map<String, Long> servedByClosed = new HashMap<>();
    /** Leases served by the connections of backends the pool has forgotten (FORGOTTEN). Under `lock`. */
    private long servedByForgotten;
    private Map<String, View> views = Map.of();
    private long acquireTimeouts;

    // ---- thread-safe on their own ----
    @SuppressWarnings("unchecked")
    private volatile Group<C>[] groups = new Group[0];
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicLong turn = new AtomicLong();
    private final AtomicLong epoch = new AtomicLong();
    /** A review was asked for by an acquire that found a suspect connection. */
    private final AtomicBoolean reviewWanted = new AtomicBoolean();
    private final AtomicBoolean syncQueued = new AtomicBoolean();
    private final AtomicBoolean syncPending = new AtomicBoolean();
    private final AtomicBoolean syncRunning = new AtomicBoolean();
    private final AtomicBoolean closeStarted = new AtomicBoolean();
    private volatile boolean closed;
    private final CountDownLatch closedLatch = new CountDownLatch(1);
    private volatile PoolClock.Timer tick;
    private volatile ConnectionSetListener[] listeners;
    private final ConcurrentLinkedQueue<Runnable> events = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean delivering = new AtomicBoolean();

    SetEngine(ConnectionSetOptions options, RandomGenerator random, ConnectionSetListener listener) {
        this.options = options;
        this.name = options.name();
        this.selection = options.hostSelection();
        this.random = random;
        this.maxLeases = options.maxLeasesPerConnection();
        this.perBackend = options.connectionsPerBackend();
        this.drainTimeout = ConnectionPool.saturatedNanos(options.drainTimeout());
        this.finiteDrain = drainTimeout < Long.MAX_VALUE / 4;
        this.listeners = listener == null ? new ConnectionSetListener[0] : new ConnectionSetListener[] {listener};
    }

    /** The pool is built and running: from now on the set follows it. */
    void attach(ConnectionPool<C> built) {
        this.pool = built;
        PoolEngine<C> e = built.engine();
        if (perBackend > 0) {
            e.lock();
            try {
                e.perBackend = perBackend; // SIZE: every re-plan from now on, the first rebalance's too
                e.backends.replanLocked(e.clock.nanoTime());
            } finally {
                e.unlock();
            }
        }
        this.engine = e;
        armTick();
        scheduleSync();
    }

    ConnectionPool<C> pool() {
        return pool;
    }

    // ---- acquire (application threads) ----

    /**
     * A lease on the chosen connection, waiting up to {@code timeoutNanos} for one that may take it.
     *
     * @param mayWait false for tryAcquire: null instead of waiting
     */
    Lease<C> acquire(long timeoutNanos, boolean mayWait) {
        long start = System.nanoTime();
        long deadline = start + timeoutNanos;
        for (;;) {
            throwIfClosing();
            SharedConnection<C> s = choose();
            if (reviewWanted.getAndSet(false)) {
                scheduleSync();
            }
            if (s != null) {
                int r = s.tryLease(maxLeases);
                if (r == 0) {
                    return new Lease<>(this, s);
                }
                if (r == 2) {
                    giveBack(s);
                }
                continue; // it filled up or began to drain a moment ago: choose again
            }
            PoolEngine<C> e = engine;
            if (e.state() == PoolState.FAILED) {
                throw failed(e);
            }
            throwIfFailingFast(e); // at first, and after each wait: the resolver may have emptied meanwhile
            if (!mayWait) {
                return null;
            }
            long remaining = deadline - System.nanoTime();
            boolean timedOut = false;
            lock.lock();
            waiting.incrementAndGet(); // before the check below: the lease-end half of the Dekker pair reads it
            try {
                if (!closeStarted.get() && !anyCandidate() && e.state() != PoolState.FAILED) {
                    if (remaining <= 0) {
                        timedOut = true;
                        acquireTimeouts++;
                    } else {
                        changed.awaitNanos(remaining);
                    }
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new ClaimInterruptedException("connection set '" + name
                        + "': interrupted while waiting for a connection that may take a lease");
            } finally {
                waiting.decrementAndGet();
                lock.unlock();
            }
            if (timedOut) {
                throw timeout(e, System.nanoTime() - start);
            }
        }
    }

    /**
     * The strategy's connection among those that may take a lease now, preferring backends in service; null if
     * none may. Lock-free; calls Connection.isBroken on the connection it picks (never under the set's lock).
     */
    private SharedConnection<C> choose() {
        Group<C>[] gs = groups;
        int n = gs.length;
        if (n == 0) {
            return null;
        }
        for (int attempt = 0; attempt < 4; attempt++) {
            for (int pass = 0; pass < 2; pass++) {
                boolean inService = pass == 0;
                int m = 0;
                int only = -1;
                int[] index = null;
                double[] scores = null;
                int[] weights = null;
                int[] inUse = null;
                for (int i = 0; i < n; i++) {
                    Group<C> g = gs[i];
                    if (g.inService() != inService) {
                        continue;
                    }
                    long load = 0;
                    boolean any = false;
                    for (SharedConnection<C> s : g.connections()) {
                        int f = s.inFlight.get();
                        load += f;
                        any |= mayTake(s, f);
                    }
                    if (!any) {
                        continue;
                    }
                    if (m == 0) {
                        only = i;
                    } else {
                        if (index == null) {
                            index = new int[n];
                            scores = new double[n];
                            weights = new int[n];
                            inUse = new int[n];
                            index[0] = only;
                            fill(gs[only], 0, scores, weights, inUse);
                        }
                        index[m] = i;
                        fill(g, m, scores, weights, inUse);
                    }
                    m++;
                }
                if (m == 0) {
                    continue;
                }
                int k = m == 1 ? only : index[selection.choose(scores, weights, inUse, m, turn.getAndIncrement(),
                        random)];
                SharedConnection<C> s = leastLoaded(gs[k]);
                if (s != null) {
                    return s;
                }
                break; // its connections were all suspect or full: look again
            }
        }
        return null;
    }

    private static <C extends Connection> void fill(Group<C> g, int at, double[] scores, int[] weights,
            int[] inUse) {
        long load = 0;
        for (SharedConnection<C> s : g.connections()) {
            load += s.inFlight.get();
        }
        scores[at] = g.score();
        weights[at] = g.backend().weight();
        // leases in flight per connection, in 1/1024ths: a backend with more connections may carry more
        inUse[at] = (int) Math.min(Integer.MAX_VALUE, (load << 10) / g.connections().length);
    }

    private boolean mayTake(SharedConnection<C> s, int inFlight) {
        return inFlight < maxLeases && !s.draining && !s.suspect;
    }

    /** The group's connection with the fewest leases in flight that is not suspect; null if none. */
    private SharedConnection<C> leastLoaded(Group<C> g) {
        SharedConnection<C>[] cs = g.connections();
        int n = cs.length;
        int from = n == 1 ? 0 : (int) Math.floorMod(turn.get(), (long) n); // ties go round
        for (;;) {
            SharedConnection<C> best = null;
            int bestLoad = Integer.MAX_VALUE;
            for (int j = 0; j < n; j++) {
                SharedConnection<C> s = cs[(from + j) % n];
                int f = s.inFlight.get();
                if (f < bestLoad && mayTake(s, f)) {
                    best = s;
                    bestLoad = f;
                }
            }
            if (best == null || !suspect(best)) {
                return best;
            }
            best.suspect = true; // not leased until the sync reviews it
            reviewWanted.set(true);
        }
    }

    /** Broken, expired, or retired since its last review (EPOCH). */
    private boolean suspect(SharedConnection<C> s) {
        Slot<C> slot = s.slot;
        return (slot.retire && s.reviewedEpoch != epoch.get()) || ConnectionHooks.isBroken(s.connection)
                || (slot.expires && slot.expired(engine.clock.nanoTime()));
    }

    /** Under the lock: whether any connection may take a lease (field reads only, no connection called). */
    private boolean anyCandidate() {
        for (Group<C> g : groups) {
            for (SharedConnection<C> s : g.connections()) {
                if (mayTake(s, s.inFlight.get())) {
                    return true;
                }
            }
        }
        return false;
    }

    private void throwIfClosing() {
        if (closeStarted.get()) {
            throw new PoolClosedException("connection set '" + name + "' is " + (closed ? "closed" : "closing"));
        }
    }

    private void throwIfFailingFast(PoolEngine<C> e) {
        if (!options.pool().failFastWhenEmpty()) {
            return;
        }
        boolean none;
        e.lock();
        try {
            none = e.backends.noneDesiredLocked();
        } finally {
            e.unlock();
        }
        if (none) {
            throw new NoBackendsException("connection set '" + name + "' has no backends: its resolver reports none,"
                    + " and failFastWhenEmpty is set");
        }
    }

    /** Every backend is dead: probes them now (as a pool's claim does) and says so. */
    private PoolFailedException failed(PoolEngine<C> e) {
        Throwable last;
        int backends;
        e.lock();
        try {
            e.connector.probeNowLocked(e.clock.nanoTime());
            last = e.lastError;
            backends = e.backends.notRemovedLocked();
        } finally {
            e.unlock();
        }
        return new PoolFailedException("connection set '" + name + "' has failed: all " + backends
                + " backends are dead; " + (last == null ? "no connect has failed yet" : "last connect error: " + last),
                last);
    }

    private ClaimTimeoutException timeout(PoolEngine<C> e, long waitedNanos) {
        long waited = TimeUnit.NANOSECONDS.toMillis(waitedNanos);
        ConnectionSetStats s = stats();
        Throwable last = e.lastError;
        long live = s.backends().stream().filter(b -> b.status() == BackendStatus.LIVE).count();
        long dead = s.backends().stream().filter(b -> b.status() == BackendStatus.DEAD).count();
        long ejected = s.backends().stream().filter(b -> b.status() == BackendStatus.EJECTED).count();
        String limit = maxLeases == Integer.MAX_VALUE ? "" : ", maxLeasesPerConnection=" + maxLeases;
        return new ClaimTimeoutException("connection set '" + name + "': no connection could take a lease within "
                + waited + " ms (connections=" + s.connections() + ", draining=" + s.draining() + ", leases="
                + s.leasesInFlight() + limit + ", waiting=" + s.waiting() + ", connecting=" + s.pool().connecting()
                + ", backends live=" + live + " dead=" + dead + " ejected=" + ejected + "); "
                + (last == null ? "no connect has failed yet" : "last connect error: " + last), waited, last);
    }

    // ---- the end of a lease (application threads) ----

    /**
     * A lease ended: its outcome, a broken connection's drain, the give-back of a drained one, waiting acquires.
     *
     * <p>BROKEN ONCE. A connection that breaks is one use failure of its backend, however many leases it fails
     * (a multiplexed connection fails every request in flight): the give-back of a connection drained as broken
     * records it (Claim.fail), and a lease that ends as a failure on a broken connection records nothing of its
     * own. A lease's success still counts.
     *
     * @param counted false for {@link Lease#abandon()}: no outcome at all
     * @param failed  a failure (fail, discard) rather than a success or a reported score
     * @param value   the outcome in [0, 1]: 0 for a failure
     * @param discard the connection itself failed: it drains and is replaced
     */
    void leaseEnded(Lease<C> lease, boolean counted, boolean failed, double value, Throwable cause,
            boolean discard) {
        SharedConnection<C> s = lease.shared;
        boolean broken = discard || ConnectionHooks.isBroken(s.connection);
        // gone before its lease ended: the drain timeout or closeTimeout cut it, and the set closed it under this
        // lease (a closed connection need not say isBroken, and a mux one fails every request): the set's doing
        boolean cut = s.gone.get();
        if (counted && !(failed && (broken || cut))) {
            recordOutcome(s, failed, value, cause);
        }
        if (broken && (discard || s.brokenCause == null)) {
            Throwable why = cause != null ? cause : reportedBroken(s, " when a lease ended");
            // marks it broken even if it drains already (removed by a rebalance), so that its give-back is the
            // failure; this lease still counts: the give-back is its end's, below
            drain(s, "it broke: " + why, why);
        }
        if (s.endLease()) {
            giveBack(s);
        }
        if (waiting.get() > 0 || closeStarted.get()) {
            lock.lock();
            try {
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
        deliverEvents();
    }

    /**
     * A lease's outcome for its backend's score (USE HEALTH in BackendHealth): a success lock-free on the slot; a
     * failure, or any outcome on a retired slot (a dead backend's: a success revives it), under the pool's lock.
     */
    private void recordOutcome(SharedConnection<C> s, boolean failed, double value, Throwable cause) {
        Slot<C> slot = s.slot;
        if (!failed && !slot.retire) {
            slot.recordSharedUse(value);
            return;
        }
        PoolEngine<C> e = engine;
        Throwable why = failed && cause == null ? new CueballException("connection set '" + name
                + "': a lease of connection " + s.id + " failed") : cause;
        e.lock();
        try {
            long now = e.clock.nanoTime();
            e.health.useEndedLocked(slot, failed, failed ? 0.0 : value, why, now);
            if (failed) {
                e.health.failedLocked(slot.backend, now);
            }
        } finally {
            e.unlock();
        }
    }

    // ---- draining and giving back ----

    /**
     * Stops new leases on {@code s}; gives it back at once if no lease is in flight, else the last lease's end does
     * (or the drain timeout). Never under the set's lock.
     *
     * @param broken not null if it drains because it is broken: the give-back is then a use failure
     */
    private void drain(SharedConnection<C> s, String reason, Throwable broken) {
        PoolEngine<C> e = engine;
        long deadline = e.clock.nanoTime() + drainTimeout; // the clock is read outside the set's lock
        lock.lock();
        try {
            if (broken != null && s.brokenCause == null) {
                s.brokenCause = broken;
            }
            if (s.draining || s.gone.get()) {
                return;
            }
            s.drainReason = reason;
            s.drainDeadline = deadline;
            s.draining = true; // then the read of inFlight below: the drain's half of the Dekker pair
            rebuildGroupsLocked();
            emitLocked(l -> l.connectionDraining(s.id, s.backend, reason));
        } finally {
            lock.unlock();
        }
        log.debug("connection set '{}': connection {} drains ({} leases in flight): {}", name, s.id,
                s.inFlight.get(), reason);
        if (finiteDrain && !closeStarted.get()) {
            e.schedule(this::scheduleSync, drainTimeout); // the sync then closes it if its leases have not ended
        }
        if (s.inFlight.get() == 0) {
            giveBack(s);
        }
        deliverEvents();
    }

    /** The cause given for a connection that said {@link Connection#isBroken()}; {@code when} ends the message. */
    private CueballException reportedBroken(SharedConnection<C> s, String when) {
        return new CueballException("connection set '" + name + "': connection " + s.id
                + " reported itself broken (Connection.isBroken)" + when);
    }

    /** Gives a drained (or timed-out) connection back to the pool, once: closed, or failed if it broke. */
    private void giveBack(SharedConnection<C> s) {
        if (!s.gone.compareAndSet(false, true)) {
            return;
        }
        int cut = s.inFlight.get();
        long served = s.served.sum();
        lock.lock();
        try {
            held.remove(s);
            servedByClosed.merge(s.backend.key(), served, Long::sum);
            rebuildGroupsLocked();
            emitLocked(l -> l.connectionClosed(s.id, s.backend, served, cut));
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        Throwable broken = s.brokenCause;
        if (broken == null && ConnectionHooks.isBroken(s.connection)) {
            // it broke while it drained for another reason and the drain timeout cuts it (the review does not look
            // at draining connections, and the cut leases' failures record nothing): still its one use failure
            broken = reportedBroken(s, " when it was given back");
        }
        if (broken != null) {
            s.claim.fail(broken); // a use failure of its backend; the pool closes and replaces it
        } else {
            closeClaim(s.claim);
        }
        deliverEvents();
        if (!closeStarted.get()) {
            scheduleSync(); // its replacement, once the pool has opened it
        }
    }

    /**
     * Ends a held claim without recording a use (the long claim is no use of its own): the pool closes the
     * connection and refills its backend as its plan says (Disposition.STALE; see RETIRE REVIEW).
     */
    private void closeClaim(Claim<C> claim) {
        if (claim.closeStale()) {
            PoolEngine<C> e = claim.engine;
            e.lock();
            try {
                e.releaseLocked(claim.slot, PoolEngine.Disposition.STALE, e.clock.nanoTime());
            } finally {
                e.unlock();
            }
        }
    }

    // ---- sync (the pool's executor) ----

    /** Runs a sync soon on the pool's executor; coalesced. Never under the set's lock. */
    void scheduleSync() {
        PoolEngine<C> e = engine;
        if (e == null || closed) {
            return;
        }
        if (syncQueued.compareAndSet(false, true)) {
            e.lock();
            try {
                e.submitLocked(this::runSync);
            } finally {
                e.unlock();
            }
        }
    }

    private void runSync() {
        syncQueued.set(false);
        syncPending.set(true);
        while (syncPending.get() && syncRunning.compareAndSet(false, true)) {
            try {
                while (syncPending.getAndSet(false)) {
                    try {
                        syncOnce();
                    } catch (RuntimeException ex) {
                        log.error("connection set '{}': internal sync failed", name, ex);
                    }
                }
            } finally {
                syncRunning.set(false);
            }
        }
    }

    /** Visible for tests: one sync, on the calling thread. */
    void syncOnce() {
        PoolEngine<C> e = engine;
        if (e == null || closeStarted.get()) {
            return;
        }
        claimIdle(e);
        review(e);
    }

    /** Claims every connection the pool has idle: new ones (and, rarely, one it kept). */
    private void claimIdle(PoolEngine<C> e) {
        for (;;) {
            Claim<C> claim;
            try {
                claim = e.claim(0, false);
            } catch (CueballException notNow) { // failed, closing, or no backends and failing fast
                return;
            }
            if (claim == null) {
                return;
            }
            add(claim);
        }
    }

    private void add(Claim<C> claim) {
        SharedConnection<C> s = null;
        lock.lock();
        try {
            if (!closeStarted.get()) {
                String key = claim.backend().key();
                int serial = serials.merge(key, 1, Integer::sum);
                s = new SharedConnection<>(claim, key + "." + serial, epoch.get());
                held.add(s);
                rebuildGroupsLocked();
                SharedConnection<C> added = s;
                emitLocked(l -> l.connectionAdded(added.id, added.backend));
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
        if (s == null) {
            closeClaim(claim);
        } else {
            log.debug("connection set '{}': connection {} added", name, s.id);
        }
        deliverEvents();
    }

    /** RETIRE REVIEW, drain timeouts, and the lease view's backend health. */
    private void review(PoolEngine<C> e) {
        long now = e.clock.nanoTime();
        long ep = epoch.get();
        List<SharedConnection<C>> mine;
        lock.lock();
        try {
            mine = new ArrayList<>(held);
        } finally {
            lock.unlock();
        }
        List<Decision<C>> decisions = new ArrayList<>();
        List<SharedConnection<C>> overdue = new ArrayList<>();
        for (SharedConnection<C> s : mine) {
            if (s.draining) {
                if (finiteDrain && !s.gone.get() && now - s.drainDeadline >= 0) {
                    overdue.add(s);
                }
            } else if (ConnectionHooks.isBroken(s.connection)) {
                decisions.add(new Decision<>(s, "it broke", reportedBroken(s, "")));
            } else if (s.slot.expired(now)) {
                decisions.add(new Decision<>(s, "it reached its maximum lifetime", null));
            }
        }
        Map<String, View> fresh = new HashMap<>();
        e.lock();
        try {
            Map<BackendState<C>, Integer> draining = new HashMap<>();
            for (SharedConnection<C> s : mine) {
                if (s.draining && !s.gone.get()) {
                    draining.merge(s.slot.backend, 1, Integer::sum);
                }
            }
            for (Decision<C> d : decisions) {
                draining.merge(d.shared().slot.backend, 1, Integer::sum);
            }
            for (SharedConnection<C> s : mine) {
                if (s.draining || decided(decisions, s)) {
                    continue;
                }
                String why = wantsBackLocked(s.slot, draining);
                if (why != null) {
                    decisions.add(new Decision<>(s, why, null));
                    draining.merge(s.slot.backend, 1, Integer::sum);
                }
            }
            boolean scores = selection.usesScores();
            for (BackendState<C> b : e.backends.allLocked()) {
                double score = 1.0;
                if (scores && !b.removed) {
                    e.health.harvestLocked(b, now);
                    score = b.ejected ? b.ejectedScore : b.score.score(now);
                }
                fresh.put(b.key, new View(b.inService(), score));
            }
        } finally {
            e.unlock();
        }
        for (SharedConnection<C> s : mine) {
            if (!s.draining && !decided(decisions, s)) {
                s.reviewedEpoch = ep;
                s.suspect = false;
            }
        }
        for (Decision<C> d : decisions) {
            drain(d.shared(), d.reason(), d.broken());
        }
        for (SharedConnection<C> s : overdue) {
            log.warn("connection set '{}': connection {} still carried {} leases {} ms after it began to drain ({});"
                    + " closing it under them", name, s.id, s.inFlight.get(),
                    TimeUnit.NANOSECONDS.toMillis(drainTimeout), s.drainReason);
            giveBack(s);
        }
        lock.lock();
        try {
            views = fresh;
            forgetLocked(fresh.keySet());
            rebuildGroupsLocked();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        deliverEvents();
    }

    /**
     * FORGOTTEN. The per-backend records of a backend the pool no longer knows (removed and drained) and the set
     * holds no connection of go: its served count joins the set's total, and its serial restarts if it comes back
     * (a connection id is unique among the connections open at once, not for ever). Without this a resolver whose
     * backends churn (new addresses at every deploy) would grow the maps for as long as the set runs.
     */
    private void forgetLocked(Set<String> known) {
        Set<String> holding = new HashSet<>();
        for (SharedConnection<C> s : held) {
            holding.add(s.backend.key());
        }
        servedByClosed.entrySet().removeIf(en -> {
            if (known.contains(en.getKey()) || holding.contains(en.getKey())) {
                return false;
            }
            servedByForgotten += en.getValue();
            return true;
        });
        serials.keySet().removeIf(k -> !known.contains(k) && !holding.contains(k));
    }

    /** Visible for tests: how many backend keys the set keeps records of. */
    int recordedKeys() {
        lock.lock();
        try {
            Set<String> keys = new HashSet<>(servedByClosed.keySet());
            keys.addAll(serials.keySet());
            return keys.size();
        } finally {
            lock.unlock();
        }
    }

    private static <C extends Connection> boolean decided(List<Decision<C>> decisions, SharedConnection<C> s) {
        for (Decision<C> d : decisions) {
            if (d.shared() == s) {
                return true;
            }
        }
        return false;
    }

    /**
     * Under the pool's lock: why the pool wants this held connection back, or null if it does not (RETIRE REVIEW).
     *
     * @param draining the set's connections per backend that drain and still count in the pool
     */
    private String wantsBackLocked(Slot<C> slot, Map<BackendState<C>, Integer> draining) {
        BackendState<C> b = slot.backend;
        if (b.removed) {
            return "its backend was removed";
        }
        if (slot.evicted) {
            return "it was evicted";
        }
        if (slot.exempt) {
            return "the maximum was lowered";
        }
        if (!slot.retire) {
            return null;
        }
        int allowed = perBackend > 0 && !b.monitorOnly() ? Math.max(perBackend, b.target) : b.effectiveTarget();
        if (b.count() - draining.getOrDefault(b, 0) <= allowed) {
            return null;
        }
        if (b.dead) {
            return "its backend is dead (" + b.reason + "); it keeps " + allowed + " monitor connection";
        }
        if (b.ejected) {
            return "its backend was ejected (" + b.ejectionReason + ")";
        }
        if (b.unproven) {
            return "its backend is back but unproven: it keeps " + allowed + " connection until a connect succeeds";
        }
        return "a rebalance moved it to another backend (target " + b.target + ")";
    }

    /** Rebuilds the lease view from `held` and the last review's backend views. */
    @SuppressWarnings("unchecked")
    private void rebuildGroupsLocked() {
        Map<String, List<SharedConnection<C>>> byBackend = new LinkedHashMap<>();
        for (SharedConnection<C> s : held) {
            if (!s.draining) {
                byBackend.computeIfAbsent(s.backend.key(), k -> new ArrayList<>(2)).add(s);
            }
        }
        Group<C>[] gs = new Group[byBackend.size()];
        int i = 0;
        for (Map.Entry<String, List<SharedConnection<C>>> en : byBackend.entrySet()) {
            List<SharedConnection<C>> list = en.getValue();
            View v = views.getOrDefault(en.getKey(), View.IN_SERVICE);
            gs[i++] = new Group<>(list.get(0).backend, list.toArray(new SharedConnection[0]), v.inService(),
                    v.score());
        }
        groups = gs;
    }

    // ---- the pool's events (PoolListener: off the pool's lock, one at a time) ----

    private void poolChanged() {
        epoch.incrementAndGet();
        scheduleSync();
    }

    @Override
    public void stateChanged(PoolState from, PoolState to) {
        poolChanged();
        if (to == PoolState.FAILED || to == PoolState.RUNNING) {
            lock.lock();
            try {
                changed.signalAll(); // waiting acquires fail fast on FAILED
            } finally {
                lock.unlock();
            }
        }
    }

    @Override
    public void backendAdded(Backend backend) {
        poolChanged();
    }

    @Override
    public void backendRemoved(Backend backend) {
        poolChanged();
    }

    @Override
    public void backendDead(Backend backend, Throwable lastError) {
        poolChanged();
    }

    @Override
    public void backendAlive(Backend backend) {
        poolChanged();
    }

    @Override
    public void backendEjected(Backend backend, String reason, java.time.Duration ejectionTime) {
        poolChanged();
    }

    @Override
    public void backendRestored(Backend backend) {
        poolChanged();
    }

    @Override
    public void connectionOpened(Backend backend) {
        scheduleSync(); // claim it; nothing held changed
    }

    @Override
    public void rebalanced(Map<Backend, Integer> targets) {
        poolChanged();
    }

    // ---- the tick ----

    private void armTick() {
        PoolEngine<C> e = engine;
        if (e == null || closeStarted.get()) {
            return;
        }
        tick = e.schedule(() -> {
            scheduleSync();
            armTick();
        }, TICK_NANOS);
    }

    // ---- listeners ----

    void addListener(ConnectionSetListener l) {
        lock.lock();
        try {
            ConnectionSetListener[] a = Arrays.copyOf(listeners, listeners.length + 1);
            a[a.length - 1] = l;
            listeners = a;
        } finally {
            lock.unlock();
        }
    }

    boolean removeListener(ConnectionSetListener l) {
        lock.lock();
        try {
            ConnectionSetListener[] a = listeners;
            for (int i = 0; i < a.length; i++) {
                if (a[i] == l) {
                    ConnectionSetListener[] less = new ConnectionSetListener[a.length - 1];
                    System.arraycopy(a, 0, less, 0, i);
                    System.arraycopy(a, i + 1, less, i, a.length - i - 1);
                    listeners = less;
                    return true;
                }
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    private void emitLocked(Consumer<ConnectionSetListener> event) {
        for (ConnectionSetListener l : listeners) {
            events.add(() -> event.accept(l));
        }
    }

    /** Delivers queued listener calls, one deliverer at a time, in order (as EventQueue). Never under a lock. */
    private void deliverEvents() {
        while (!events.isEmpty() && delivering.compareAndSet(false, true)) {
            try {
                Runnable event;
                while ((event = events.poll()) != null) {
                    try {
                        event.run();
                    } catch (RuntimeException ex) {
                        log.warn("connection set '{}': a ConnectionSetListener threw; ignoring it", name, ex);
                    }
                }
            } finally {
                delivering.set(false);
            }
        }
    }

    // ---- stats and state ----

    PoolState state() {
        if (closed) {
            return PoolState.CLOSED;
        }
        if (closeStarted.get()) {
            return PoolState.CLOSING;
        }
        return engine.state();
    }

    ConnectionSetStats stats() {
        PoolStats ps = pool.stats();
        List<ConnectionSetStats.BackendLoad> backends = new ArrayList<>();
        List<ConnectionSetStats.ConnectionLoad> connections = new ArrayList<>();
        int open = 0;
        int drainingTotal = 0;
        int leases = 0;
        long served = 0;
        int waitingNow;
        long timeouts;
        lock.lock();
        try {
            Map<String, List<SharedConnection<C>>> byBackend = new LinkedHashMap<>();
            for (BackendStats b : ps.backends()) {
                byBackend.put(b.backend().key(), new ArrayList<>());
            }
            for (SharedConnection<C> s : held) {
                byBackend.computeIfAbsent(s.backend.key(), k -> new ArrayList<>()).add(s);
            }
            served += servedByForgotten;
            for (long n : servedByClosed.values()) {
                served += n;
            }
            for (BackendStats b : ps.backends()) {
                String key = b.backend().key();
                int c = 0;
                int d = 0;
                int l = 0;
                long sv = servedByClosed.getOrDefault(key, 0L);
                for (SharedConnection<C> s : byBackend.get(key)) {
                    int f = s.inFlight.get();
                    long n = s.served.sum();
                    connections.add(new ConnectionSetStats.ConnectionLoad(s.id, s.backend, f, s.draining, n));
                    if (s.draining) {
                        d++;
                    } else {
                        c++;
                    }
                    l += f;
                    sv += n;
                    served += n;
                }
                backends.add(new ConnectionSetStats.BackendLoad(b.backend(), b, c, d, l, sv));
                open += c;
                drainingTotal += d;
                leases += l;
            }
            waitingNow = waiting.get();
            timeouts = acquireTimeouts;
        } finally {
            lock.unlock();
        }
        return new ConnectionSetStats(name, state(), open, drainingTotal, leases, waitingNow, served, timeouts,
                backends, connections, ps);
    }

    // ---- close ----

    void close() {
        if (!closeStarted.compareAndSet(false, true)) {
            try {
                closedLatch.await();
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        PoolClock.Timer t = tick;
        if (t != null) {
            t.cancel();
        }
        List<SharedConnection<C>> all;
        lock.lock();
        try {
            all = new ArrayList<>(held);
            for (SharedConnection<C> s : all) {
                if (!s.draining) {
                    s.drainReason = "the set is closing";
                    s.draining = true;
                    emitLocked(l -> l.connectionDraining(s.id, s.backend, "the set is closing"));
                }
            }
            rebuildGroupsLocked();
            changed.signalAll(); // waiting acquires fail with PoolClosedException
        } finally {
            lock.unlock();
        }
        deliverEvents();
        boolean interrupted = false;
        long deadline = System.nanoTime() + ConnectionPool.saturatedNanos(options.closeTimeout());
        lock.lock();
        try {
            for (long left = deadline - System.nanoTime(); inFlight(all) > 0 && left > 0;
                    left = deadline - System.nanoTime()) {
                try {
                    changed.awaitNanos(left);
                } catch (InterruptedException ie) {
                    interrupted = true;
                }
            }
        } finally {
            lock.unlock();
        }
        int cut = inFlight(all);
        if (cut > 0) {
            log.warn("connection set '{}': closing with {} leases still in flight after closeTimeout ({} ms); their "
                    + "connections close under them", name, cut, options.closeTimeout().toMillis());
        }
        for (SharedConnection<C> s : all) {
            giveBack(s);
        }
        ConnectionPool<C> p = pool;
        if (p != null) {
            p.close();
        }
        closed = true;
        closedLatch.countDown();
        deliverEvents();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static <C extends Connection> int inFlight(List<SharedConnection<C>> all) {
        int n = 0;
        for (SharedConnection<C> s : all) {
            if (!s.gone.get()) {
                n += s.inFlight.get();
            }
        }
        return n;
    }
}
