package io.cueball;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/*
 * WAITERS. A claim that finds nothing enqueues itself (the Claim object is the waiter; `waiting` mirrors the queue's
 * size, volatile) and then looks once more: a Dekker pair with a release, which puts its slot in the ring (or keeps it)
 * and then reads `waiting`. A release that sees waiters wakes the oldest (or hands it the connection: URGENT and HEAD
 * URGENT below); woken or not, a waiter takes an idle connection itself like any claim (PoolEngine.serveSelf) and then
 * leaves the queue under the lock. Racing is what keeps connections moving when the oldest waiter is descheduled, which
 * with more threads than cores is the common case. A waiter that has waited URGENT_AFTER is handed connections in queue
 * order under the lock instead (as is every waiter of an elastic pool, and every virtual thread's waiter from its
 * start: see await), which bounds the wait of the unlucky.
 * A waiter that times out or is interrupted cancels itself under the lock if still waiting and wakes the next.
 *
 * HEAD URGENT. A waiter marks itself urgent only when it runs, and a parked waiter on a busy machine runs late:
 * meanwhile the threads that release go on claiming the connections they release, ahead of it. So a release also judges
 * the head itself: once the head has been at the head for HEAD_URGENT_AFTER (pool clock; counted from its queueing into
 * an empty queue, else from the first dispatch, by a release or a queueing claim, that saw it there, so never more than
 * it waited), the release hands it the connection instead of waking it to race. Measured with JdbcProbe (16 threads on
 * 12 PostgreSQL sessions, 2 cores, 4 runs of 8 windows against HikariCP in the same JVM): without the rule cueball's
 * p99 was 1.01-1.32x HikariCP's; with it at 500 us 0.74-0.84x, queries per second 0.95-1.20x; at 200 us the p99 fell to
 * about 0.55x but queries per second to about 0.85-0.9x (more connections handed to descheduled threads, which hold
 * them until they run).
 *
 * FRESH CLAIMS (go-connpool's Pool.New: ConnectionPool.claimFresh, claimOpenedAfter) wait in the same queue but
 * never race and are never woken to look for themselves: they accept only a connection opened after their
 * instant, so the lock hands them one (takeForLocked prefers them for a slot they accept, such as a connection that
 * has just connected). For each one the pool makes room for a new connection: it starts a connect if it may
 * grow, else it closes the oldest idle connection (now, or at the next locked release while `roomWanted`), and
 * the refill of that backend is the fresh connection. An elastic pool may grow for fresh claims, up to
 * maxConnections, while fewer connects are in flight than fresh claims wait (PoolEngine.connectBudgetLocked),
 * even if its idle surplus has not shrunk yet. firstLocked() and dispatchLocked() see normal claims only.
 *
 * DELAY CONTROL (targetClaimDelay; ControlledDelay): each waiting claim's start (pool clock) is kept in
 * `started` while the control is on. Whenever a connection is about to go to a normal waiting claim (a handover in
 * takeForLocked, or a racing waiter's own take in serveSelf), the control may say the queue is overloaded: that
 * claim fails with ClaimTimeoutException instead, and the connection goes to the next. The queue's emptiness is
 * noted as it happens (a claim that finds it empty, the last claim leaving it).
 *
 * BOUNDED WAITERS (maxWaiters) and SUSPENDED are decided by PoolEngine before a claim is queued, and by it in what
 * it offers (nothing while suspended).
 *
 * THREADS. await() runs on the claiming thread without the lock; any() is read without it by releases; every
 * *Locked method runs under the pool lock.
 */

/**
 * The FIFO of waiting claims, and how a waiting claim waits: race, yield (platform threads only), park, then
 * urgent.
 */
final class Waiters<C extends Connection> {
    private static final int YIELDS_BEFORE_PARK = 16;
    /** After this long, a waiting claim is handed connections in queue order rather than racing for them. */
    static final long URGENT_AFTER_NANOS = TimeUnit.MICROSECONDS.toNanos(200);
    /** After this long at the queue's head (pool clock), a release hands the head its connection (HEAD URGENT). */
    static final long HEAD_URGENT_AFTER_NANOS = TimeUnit.MICROSECONDS.toNanos(500);

    private final PoolEngine<C> pool;
    private final ArrayDeque<Claim<C>> queue = new ArrayDeque<>();
    /** queue.size(), written under the lock, read by lock-free releases (see WAITERS). */
    private volatile int waiting;
    /** The head as releases last saw it, and since when (pool clock): HEAD URGENT. */
    private Claim<C> judgedHead;
    private long judgedSince;
    /** Claims that timed out, ever. */
    private long timeouts;
    /** Fresh claims in the queue and the instant each wants its connection opened after (see FRESH CLAIMS). */
    private final java.util.HashMap<Claim<C>, Long> fresh = new java.util.HashMap<>();
    /** Idle connections to close to make room for fresh claims' connections, at the next chance. */
    int roomWanted;
    /** The delay control, or null when off (DELAY CONTROL). */
    private final ControlledDelay codel;
    /** Each normal waiting claim's start (pool clock), while the delay control is on. */
    private final java.util.HashMap<Claim<C>, Long> started;

    /** Without delay control. */
    Waiters(PoolEngine<C> pool) {
        this(pool, null);
    }

    /** @param codel the claim queue's delay control (targetClaimDelay), or null when it is off */
    Waiters(PoolEngine<C> pool, ControlledDelay codel) {
        this.pool = pool;
        this.codel = codel;
        this.started = codel != null ? new java.util.HashMap<>() : null;
    }

    /** Whether any claim waits; read without the lock, after a volatile store (the WAITERS Dekker pair). */
    boolean any() {
        return waiting != 0;
    }

    int sizeLocked() {
        return queue.size();
    }

    /** The waiting claims, oldest first (for tests). */
    Iterable<Claim<C>> queueLocked() {
        return queue;
    }

    /** Fresh claims in the queue. */
    int freshLocked() {
        return fresh.size();
    }

    long timeoutsLocked() {
        return timeouts;
    }

    /**
     * Queues a normal claim made at {@code now} (pool clock).
     *
     * @return how long it may wait: its timeout, or less under the delay control (DELAY CONTROL)
     */
    long addLocked(Claim<C> claim, long now, long timeoutNanos) {
        long wait = timeoutNanos;
        if (codel != null) {
            wait = Math.min(timeoutNanos, codel.maxWaitNanos(now, queue.isEmpty()));
            started.put(claim, now);
        }
        if (queue.isEmpty()) {
            judgedHead = claim;
            judgedSince = now;
        }
        queue.addLast(claim);
        waiting = queue.size(); // volatile: ordered before the claim's second look at the ring (WAITERS)
        return wait;
    }

    /** Queues a fresh claim: it takes only a connection opened at or after {@code openedAfter}. */
    void addFreshLocked(Claim<C> claim, long openedAfter, long now) {
        fresh.put(claim, openedAfter);
        if (codel != null) {
            codel.maxWaitNanos(now, queue.isEmpty()); // notes an empty queue
        }
        queue.addLast(claim);
        waiting = queue.size();
    }

    /** Takes a claim out of the queue wherever it is (ArrayDeque removes the head without shifting). */
    void removeLocked(Claim<C> claim) {
        if (queue.removeFirstOccurrence(claim)) {
            left(claim);
        }
        waiting = queue.size();
    }

    private void left(Claim<C> claim) {
        if (claim == judgedHead) {
            judgedHead = null; // its successor is judged from the first release that sees it (HEAD URGENT)
        }
        if (!fresh.isEmpty() && fresh.remove(claim) != null) {
            roomWanted = Math.min(roomWanted, fresh.size());
        }
        if (codel != null) {
            started.remove(claim);
            if (queue.isEmpty()) {
                codel.empty(pool.clock.nanoTime());
            }
        }
    }

    /**
     * DELAY CONTROL: whether the normal waiting claim about to be served must fail instead; if so it is failed
     * (out of the queue, FAILED, woken) and true returned.
     */
    private boolean shedLocked(Claim<C> claim, long now) {
        if (codel == null) {
            return false;
        }
        Long start = started.get(claim);
        if (start == null || !codel.overloaded(now, start)) {
            return false;
        }
        removeLocked(claim);
        timeouts++;
        long waited = Math.max(0, now - start);
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(waited);
        pool.events.emit(l -> l.claimTimedOut(Duration.ofNanos(waited)));
        claim.failWaiting(new ClaimTimeoutException("pool '" + pool.name() + "': claim shed after waiting "
                + waitedMs + " ms: the claim queue is overloaded (claims have waited longer than targetClaimDelay "
                + TimeUnit.NANOSECONDS.toMillis(codel.target()) + " ms for over "
                + TimeUnit.NANOSECONDS.toMillis(ControlledDelay.INTERVAL) + " ms; " + pool.countsLocked() + "); "
                + pool.lastErrorText(), waitedMs, pool.lastError));
        LockSupport.unpark(claim.thread);
        return true;
    }

    private boolean isFresh(Claim<C> claim) {
        return !fresh.isEmpty() && fresh.containsKey(claim);
    }

    /**
     * The oldest normal (not fresh) claim still waiting, dropping any ahead of it that are not waiting
     * (defensive: they remove themselves); null if none.
     */
    Claim<C> firstLocked() {
        Claim<C> head;
        while ((head = queue.peekFirst()) != null && !head.isWaiting()) {
            pollLocked();
        }
        if (head == null || !isFresh(head)) {
            return head;
        }
        for (Claim<C> c : queue) {
            if (!isFresh(c) && c.isWaiting()) {
                return c;
            }
        }
        return null;
    }

    /** Takes the oldest claim out of the queue; null if none. */
    Claim<C> pollLocked() {
        Claim<C> waiter = queue.pollFirst();
        if (waiter != null) {
            left(waiter);
            waiting = queue.size();
        }
        return waiter;
    }

    /**
     * Takes the claim an IDLE slot in hand should go to out of the queue: the oldest fresh claim that accepts it,
     * else the oldest normal claim; null if none (the slot goes to the ring).
     */
    Claim<C> takeForLocked(Slot<C> slot, long now) {
        if (!fresh.isEmpty()) {
            for (Claim<C> c : queue) {
                Long after = fresh.get(c);
                if (after != null && c.isWaiting() && slot.openedAt - after >= 0) {
                    removeLocked(c);
                    return c;
                }
            }
        }
        Claim<C> first;
        while ((first = firstLocked()) != null && shedLocked(first, now)) {
            // shed: the next one (DELAY CONTROL)
        }
        if (first != null) {
            removeLocked(first);
        }
        return first;
    }

    /** Unparks the oldest waiting claim, to look for a connection itself. */
    void wakeLocked() {
        Claim<C> head = firstLocked();
        if (head != null) {
            LockSupport.unpark(head.thread);
        }
    }

    /** Fails every waiting claim with what {@code failure} makes, one exception each. */
    void failAllLocked(Supplier<RuntimeException> failure) {
        Claim<C> waiter;
        while ((waiter = pollLocked()) != null) {
            if (waiter.isWaiting()) {
                waiter.failWaiting(failure.get());
                LockSupport.unpark(waiter.thread);
            }
        }
    }

    /**
     * Waits, on the claiming thread and without the lock, until the claim is served, fails, times out or is
     * interrupted.
     *
     * @throws RuntimeException what the claim failed with, or its timeout or interruption
     */
    void await(Claim<C> claim, long start, long deadline, boolean isFresh) {
        // A connection usually comes soon (a holder is about to release), and parking costs a context switch on
        // each side: yield a few times first, which also lets a holder that was descheduled run. No busy spin:
        // with more threads than cores it only steals the holder's CPU.
        boolean race = !pool.lockedClaims && !isFresh; // a fresh claim is handed its connection (FRESH CLAIMS)
        // A virtual thread waits urgent at once, handed its connection in queue order: its yield only requeues it
        // on its carrier, its timed park costs a timer, and a woken virtual thread runs soon, so racing buys it
        // nothing; a thousand of them yielding and re-parking in turn kept the carriers from the holders.
        boolean virtual = IdleSet.isVirtual(claim.thread);
        if (virtual && !isFresh) {
            claim.markUrgent();
        }
        int yields = virtual ? 0 : YIELDS_BEFORE_PARK;
        for (int round = 0;; round++) {
            int s = claim.state;
            if (s == Claim.ACTIVE) {
                return;
            }
            if (s == Claim.FAILED) {
                throw (RuntimeException) claim.failure;
            }
            if (race && serveSelf(claim)) {
                return;
            }
            long now = System.nanoTime();
            long remaining = deadline - now;
            if (remaining <= 0) {
                RuntimeException timeout = cancel(claim, start, false);
                if (timeout != null) {
                    throw timeout;
                }
                continue; // a release or a failure won the race; the state says which
            }
            if (now - start >= URGENT_AFTER_NANOS && !isFresh) {
                claim.markUrgent(); // from now on a release hands it a connection in queue order (WAITERS)
            }
            if (round < yields) {
                Thread.yield();
                continue;
            }
            boolean handedOnly = claim.isUrgent() || isFresh; // served by a handover, not by racing
            LockSupport.parkNanos(this, handedOnly ? remaining : Math.min(remaining, URGENT_AFTER_NANOS));
            if (Thread.interrupted()) {
                RuntimeException interrupted = cancel(claim, start, true);
                Thread.currentThread().interrupt();
                if (interrupted != null) {
                    throw interrupted;
                }
            }
        }
    }

    /**
     * Makes room for fresh claims' connections if it is wanted, then hands idle connections to waiting (normal)
     * claims, oldest first, while there are both; a lock-free pool only to an urgent head (URGENT, HEAD URGENT),
     * else it wakes the head to race. Under the lock.
     *
     * @param now a pool clock reading taken under the lock: it judges the head (HEAD URGENT)
     */
    void dispatchLocked(long now) {
        if (roomWanted > 0) {
            pool.makeRoomLocked(now);
        }
        if (pool.isSuspended()) {
            return; // nothing is handed out while SUSPENDED (offerLocked would only put it back)
        }
        Claim<C> first;
        while ((first = firstLocked()) != null) {
            if (!pool.lockedClaims && !first.isUrgent() && !headUrgentLocked(first, now)) {
                LockSupport.unpark(first.thread); // let it race for the connection: it may well be descheduled
                return;
            }
            Slot<C> slot = pool.pollIdleLocked(now);
            if (slot == null) {
                return;
            }
            pool.offerLocked(slot);
        }
    }

    /** Whether {@code first}, the oldest normal waiting claim, has been so for HEAD_URGENT_AFTER (HEAD URGENT). */
    private boolean headUrgentLocked(Claim<C> first, long now) {
        if (first != judgedHead) {
            judgedHead = first;
            judgedSince = now;
            return false;
        }
        return now - judgedSince >= HEAD_URGENT_AFTER_NANOS;
    }

    /**
     * A waiting claim takes an idle connection itself, lock-free, as any new claim may; then it leaves the queue
     * under the lock. True if the claim is now ACTIVE, by this or by a handoff that came first.
     */
    private boolean serveSelf(Claim<C> claim) {
        Slot<C> slot = pool.pollFast(pool.clock.nanoTime(), false);
        if (slot == null) {
            return false;
        }
        pool.lock();
        try {
            long now = pool.clock.nanoTime();
            if (claim.isWaiting() && shedLocked(claim, now)) {
                pool.giveBackLocked(slot, now); // not served: to the next waiter or the ring
            } else if (claim.isWaiting()) {
                removeLocked(claim);
                claim.serve(slot);
            } else {
                // Handed one, failed or closed meanwhile: this one goes back, unused.
                pool.giveBackLocked(slot, now);
            }
            wakeLocked(); // there may be more for the next waiter
        } finally {
            pool.unlock();
        }
        if (claim.state == Claim.FAILED) {
            throw (RuntimeException) claim.failure;
        }
        return true;
    }

    /** Cancels a waiting claim; returns the exception to throw, or null if the claim is no longer waiting. */
    private RuntimeException cancel(Claim<C> claim, long start, boolean interrupted) {
        pool.lock();
        try {
            if (!claim.isWaiting()) {
                return null;
            }
            claim.cancel();
            removeLocked(claim);
            wakeLocked(); // had it been woken to take a connection, the next one takes it instead
            long waited = System.nanoTime() - start;
            if (interrupted) {
                return new ClaimInterruptedException("pool '" + pool.name() + "': interrupted after waiting "
                        + TimeUnit.NANOSECONDS.toMillis(waited) + " ms for a connection");
            }
            timeouts++;
            pool.events.emit(l -> l.claimTimedOut(Duration.ofNanos(waited)));
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(waited);
            return new ClaimTimeoutException("pool '" + pool.name() + "': no connection within " + waitedMs
                    + " ms (" + pool.countsLocked() + (pool.isSuspended() ? ", suspended" : "") + "); "
                    + pool.lastErrorText(), waitedMs, pool.lastError);
        } finally {
            pool.unlock();
        }
    }
}
