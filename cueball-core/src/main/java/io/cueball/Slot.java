package io.cueball;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/*
 * ONE CONNECTION'S LIFE. Every state change is one of the methods below, named after its two ends; each asserts
 * where it starts from (with -ea, as the tests run), so a call site reads as a transition and an illegal one has
 * no method to call.
 *
 *      Connector.Attempt (connecting: no slot yet, counted in BackendState.connecting)
 *           |
 *           | the connect returned: born IDLE, under the lock
 *           v          idleToClaimed  [claim, no lock | lock]
 *   +---> IDLE ------------------------------------------------> CLAIMED
 *   |     |  ^  <------------------------------------------------  |  ^
 *   |     |  |         claimedToIdle  [release, no lock | lock]    |  |
 *   |     |  |                                                     |  | stickyToClaimed [any claim, CAS]
 *   |     |  | stickyToIdle [lock, CAS]       claimedToSticky      |  |
 *   |     |  +------------------------+       [releasing thread]   v  |
 *   |     +-- idleToSticky ---------> STICKY <---------------------+  |
 *   |         [releaser or lock:          |  +-------------------------+
 *   |          the ring refused]          | stickyToHeld [lock, CAS]
 *   |                                     v
 *   |  heldToIdle [lock]               HELD <-- idleToHeld [lock: a pass over the idle connections]
 *   +---------------------------------  |
 *   |                                    | heldToChecking [lock: the housekeeper]
 *   |  checkingToIdle [lock]            v
 *   +------------------------------- CHECKING <-- parkedToChecking [lock: an ejection ends, probe]
 *   |
 *   |  parkedToIdle [lock: restored]
 *   +------------------------------- PARKED <-- idleToParked [lock: its backend is ejected]
 *
 *   toClosing [lock, exactly once]: from IDLE, CLAIMED, HELD, CHECKING or PARKED to CLOSING. The connection's close()
 *   then runs on the executor, and the slot is forgotten (BackendState.slots) once it has returned.
 *
 * Who takes each edge: the lock-free ones are taken by the slot's holder, the thread that claims or releases
 * it; STICKY is the one state a non-holder may leave, and only by compare-and-set, so two takers cannot both
 * win. Every edge marked [lock] is taken under the pool lock, the lock being the slot's holder then.
 *
 * FLAGS BESIDE THE STATE:
 *   retire  (volatile; written under the lock, read by anyone): the lock wants the slot back. Its holder must
 *           bring it to the lock instead of using it or putting it in the ring (RETIRE in PoolEngine's notes).
 *           A request, never a verdict: the lock closes it only if it is still unwanted.
 *           It also stays set on the slots of a DEAD backend, so that their uses come to the lock, where a
 *           successful one revives the backend (BackendHealth). A revival, a restore or a re-add clears the
 *           backend's requests, but never an evicted or exempt slot's (retireStays): that one must reach the lock.
 *   exempt  (lock only): CLAIMED (or on its way) while its backend was removed or above a lowered maximum, so it
 *           no longer counts toward maxConnections (invariant 1's one exception); when released it counts again
 *           if there is room and its backend still wants it, else it closes.
 *   evicted (lock only): softEvictConnections asked for it to be replaced; it closes when next in the lock's hands.
 *
 * USE OUTCOMES. A lock-free release records its claim's outcome here (recordUse): the holder writes `shortfall`
 * (opaque) and then `uses` (a release store; both plain moves on x86, atomic for long and double), and the lock
 * harvests them (BackendHealth.harvestLocked: an acquire load of `uses`, then `shortfall`, so the shortfall of
 * every use it counts is seen), remembering what it has taken in `harvestedUses` and `harvestedShortfall`.
 * Failures take the locked path and are recorded by the lock directly.
 */

/**
 * One open connection and the pool's bookkeeping for it: its state machine (see the diagram above the class).
 * The slot belongs to whoever holds it: the idle ring, a claim, a thread that keeps it, or the pool lock. Its
 * holder writes {@code state}, {@code lastUsedAt} and {@code claims}; the handover (the ring's offer and poll, a
 * compare-and-set out of STICKY, or the lock) publishes them. One exception: in a CLOCKLESS pool (PoolEngine) the
 * housekeeper's STAMPS pass writes lastUsedAt under the lock while someone else may hold the slot. Its clockless
 * claims do not read lastUsedAt (they read checkDue), and its lock-free releases write it only while recorders are
 * present; then the two writers race, each with an instant no older than the slot's last claim, and a claim may
 * see either: both are its last use to within one pass.
 */
final class Slot<C extends Connection> extends LeadingPadding {
    /** In the idle ring (or between a ring poll and the taker's next transition). */
    static final int IDLE = 0;
    /** Held by a claim. */
    static final int CLAIMED = 1;
    /** Its health is being checked on the executor, outside the ring. */
    static final int CHECKING = 2;
    /** Its connection is being closed; it never leaves this state. */
    static final int CLOSING = 3;
    /**
     * Idle but not in the ring: kept by the thread that released it for its next claim (thread affinity), or
     * refused by the ring for a moment. Whoever moves it out of this state by compare-and-set owns it: that
     * thread, another claim that found the ring empty, or the lock.
     */
    static final int STICKY = 4;
    /** Idle, taken out of the ring by the lock for one pass over the idle connections (IdleSet.takeAllLocked). */
    static final int HELD = 5;
    /** Idle but out of service, held by the lock: the monitor connection of an ejected backend. */
    static final int PARKED = 6;

    private static final VarHandle STATE;
    private static final VarHandle USES;
    private static final VarHandle SHORTFALL;
    private static final VarHandle LEAK;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(Slot.class, "state", int.class);
            USES = lookup.findVarHandle(Slot.class, "uses", long.class);
            SHORTFALL = lookup.findVarHandle(Slot.class, "shortfall", double.class);
            LEAK = lookup.findVarHandle(Slot.class, "leak", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final BackendState<C> backend;
    final C connection;
    /** When the pool should replace it; meaningful only if {@link #expires}. */
    final long expiresAt;
    /** When its connect returned (pool clock): what fresh claims go by. */
    final long openedAt;
    final boolean expires;

    /** Written by the slot's holder through the transitions below. */
    private volatile int state;
    /** The lock wants this slot back: its holder must not put it in the ring or use it, but go to the lock. */
    volatile boolean retire;
    /** Claimed while its backend was removed: not counted toward maxConnections; closes when released. */
    boolean exempt;
    /** Claims served by this connection. */
    long claims;
    /**
     * Last time it was released or passed a health check (a used connection is a checked one); after a plain
     * lock-free release, when that last claim was served (PoolEngine: CLOCK); in a CLOCKLESS pool, an instant no
     * later than that (Housekeeper: STAMPS).
     */
    long lastUsedAt;
    /** Use outcomes its lock-free releases recorded, and their total shortfall from 1 (see USE OUTCOMES). */
    private long uses;
    private double shortfall;
    /**
     * The score {@link Claim#report(double)} gave the current claim, 1.0 if none: written by the claim's thread,
     * read and reset by the release (the slot's holder either way).
     */
    double reported = 1.0;
    /**
     * When the current claim was served (pool clock): written by the claiming thread before it publishes the leak
     * record (LEAKS), read by the releasing thread (the same claim's) and by the housekeeper after that record.
     */
    long claimedAt;
    /**
     * CLOCKLESS (PoolEngine): the housekeeper's STAMPS pass found this slot unclaimed for long enough that its next
     * claim must check it. Set by that pass (under the lock); cleared by the claimer that runs the check, and under
     * the lock when lastUsedAt is set to the present (a health check, a locked release).
     */
    volatile boolean checkDue;
    /** CLOCKLESS: {@link #claims} as the housekeeper's last STAMPS pass saw it. Lock only. */
    long seenClaims;
    /**
     * The affinity record of the thread whose lock-free claim took it (IdleSet: AFFINITY), so that the release
     * need not look it up again; null if that claim kept nothing. Written by the claimer, read by the releaser,
     * which uses it only if it is that same thread's.
     */
    IdleSet.Affinity<C> keeper;
    /** softEvict asked for it to be replaced: closed when next in the lock's hands. Lock only. */
    boolean evicted;
    /**
     * LEAKS (leak detection on): the stack of the current claim's claimer (a Throwable) while it is held and not
     * reported, REPORTED once the housekeeper has logged it, null otherwise. Set by the claimer, swapped to
     * REPORTED by the housekeeper (compare-and-set, so a release racing with the report is seen by one of them),
     * cleared by the release (getAndSet, which learns whether the report happened).
     */
    private volatile Object leak;
    private static final Object REPORTED = new Object();
    /** What the lock has harvested of the two. */
    long harvestedUses;
    double harvestedShortfall;

    /** A slot born IDLE, for a connection that has just connected, under the lock. */
    Slot(BackendState<C> backend, C connection, long now, long lifetimeNanos) {
        this.backend = backend;
        this.connection = connection;
        this.lastUsedAt = now;
        this.openedAt = now;
        this.expires = lifetimeNanos > 0;
        this.expiresAt = now + lifetimeNanos;
    }

    // ---- lock-free edges, taken by the slot's holder ----

    /** A claim took it from the ring (or the lock hands it to a claim). Release store: the handover publishes. */
    void idleToClaimed() {
        assert state == IDLE : this;
        STATE.setRelease(this, CLAIMED);
    }

    /** A release gives it back, to the ring or to the lock. Release store: the ring's offer publishes it. */
    void claimedToIdle() {
        assert state == CLAIMED : this;
        STATE.setRelease(this, IDLE);
    }

    /**
     * Its releasing thread keeps it for its next claim. A volatile store, ordered before the keeper's next
     * volatile reads of {@code retire} and the waiting count (the Dekker pairs of RETIRE and WAITERS).
     */
    void claimedToSticky() {
        assert state == CLAIMED : this;
        state = STICKY;
    }

    /** The ring refused it for a moment: idle outside the ring. A volatile store, as {@link #claimedToSticky}. */
    void idleToSticky() {
        assert state == IDLE : this;
        state = STICKY;
    }

    /** Takes a STICKY slot for a claim; true if this thread now holds it. */
    boolean stickyToClaimed() {
        return STATE.compareAndSet(this, STICKY, CLAIMED);
    }

    /**
     * Records one use outcome, by the slot's holder on a lock-free release.
     *
     * @param value the outcome in [0, 1]: 1 for a plain success
     */
    void recordUse(double value) {
        if (value < 1.0) {
            SHORTFALL.setOpaque(this, (double) SHORTFALL.getOpaque(this) + (1.0 - value));
        }
        USES.setRelease(this, (long) USES.getOpaque(this) + 1); // publishes the shortfall before it
    }

    /**
     * Records one use outcome of a connection that a {@link ConnectionSet} shares among concurrent leases: from
     * any thread, without the lock (several leases end at once), so both fields are updated atomically; the
     * shortfall still comes before the use that publishes it, as {@link #recordUse} has it (USE OUTCOMES).
     */
    void recordSharedUse(double value) {
        if (value < 1.0) {
            double s;
            do {
                s = (double) SHORTFALL.getVolatile(this);
            } while (!SHORTFALL.compareAndSet(this, s, s + (1.0 - value)));
        }
        USES.getAndAdd(this, 1L);
    }

    /** The current claim's reported score (1.0 if none), reset for the next claim; by the slot's holder. */
    double takeReported() {
        double r = reported;
        if (r != 1.0) {
            reported = 1.0;
        }
        return r;
    }

    /** The outcomes recorded so far; read by the lock while the holder may be writing. */
    long usesRecorded() {
        return (long) USES.getAcquire(this); // then shortfallRecorded sees at least the shortfall of these uses
    }

    double shortfallRecorded() {
        return (double) SHORTFALL.getOpaque(this);
    }

    // ---- edges taken under the pool lock ----

    /** The lock takes a STICKY slot as an idle one; true if it now holds it. */
    boolean stickyToIdle() {
        return STATE.compareAndSet(this, STICKY, IDLE);
    }

    /** The lock takes a STICKY slot for a pass over the idle connections; true if it now holds it. */
    boolean stickyToHeld() {
        return STATE.compareAndSet(this, STICKY, HELD);
    }

    /** The lock took it out of the ring for a pass over the idle connections. */
    void idleToHeld() {
        assert state == IDLE : this;
        state = HELD;
    }

    /** The lock's pass is over: it goes back to the ring (or to a waiting claim). */
    void heldToIdle() {
        assert state == HELD : this;
        state = IDLE;
    }

    /** The housekeeper checks it on the executor. */
    void heldToChecking() {
        assert state == HELD : this;
        state = CHECKING;
    }

    /** It passed its check and goes back to the ring (or a waiting claim). */
    void checkingToIdle() {
        assert state == CHECKING : this;
        state = IDLE;
    }

    /** Its backend is ejected: the lock keeps it out of service. */
    void idleToParked() {
        assert state == IDLE : this;
        state = PARKED;
    }

    /** Its backend is restored: back to the ring (or a waiting claim). */
    void parkedToIdle() {
        assert state == PARKED : this;
        state = IDLE;
    }

    /** Its backend's ejection ended: the probe checks it on the executor. */
    void parkedToChecking() {
        assert state == PARKED : this;
        state = CHECKING;
    }

    /**
     * Starts closing it. Exactly once per slot (invariant 4).
     *
     * @throws IllegalStateException if it is closing already
     */
    void toClosing(String poolName) {
        assert state != STICKY : this; // the lock takes a STICKY slot (stickyToIdle, stickyToHeld) before closing it
        if (state == CLOSING) {
            throw new IllegalStateException("pool '" + poolName + "': a connection to " + backend.key
                    + " was closed twice (invariant 4)");
        }
        state = CLOSING;
    }

    // ---- LEAKS ----

    /** The claimer records where the claim was made; after {@link #claimedAt}. */
    void leakClaimed(Throwable stack) {
        leak = stack;
    }

    /**
     * The current claim's stack if it is watched and not yet reported, else null. Read {@link #claimedAt} after a
     * non-null answer (the volatile read orders it), then report with {@link #leakReported(Throwable)}.
     */
    Throwable leakRecord() {
        Object l = leak;
        return l instanceof Throwable ? (Throwable) l : null;
    }

    /**
     * Marks the claim whose stack is {@code record} reported, once: false if that claim has ended (or another
     * claim's record is there now), so a claim is never reported for another's age.
     */
    boolean leakReported(Throwable record) {
        return LEAK.compareAndSet(this, record, REPORTED);
    }

    /** A stack is there and not yet reported: the claim is watched. */
    boolean leakWatched() {
        return leak instanceof Throwable;
    }

    /** The release clears the record; true if the claim had been reported as a leak. */
    boolean leakEnded() {
        return LEAK.getAndSet(this, null) == REPORTED;
    }

    // ---- reads ----

    boolean isClaimed() {
        return state == CLAIMED;
    }

    boolean isSticky() {
        return state == STICKY;
    }

    boolean isClosing() {
        return state == CLOSING;
    }

    boolean isParked() {
        return state == PARKED;
    }

    /**
     * Claimed, or passing between a lock-free claim or release and the ring: what a locked pass cannot take and
     * must retire instead. Read under the lock, after a pass took every idle slot (HELD).
     */
    boolean isInUse() {
        int s = state;
        return s != HELD && s != CHECKING && s != CLOSING && s != PARKED;
    }

    /**
     * Evicted or exempt: the lock must see it when it is released, whatever its backend's health, so a revival, a
     * restore or a re-add that clears the backend's retire requests leaves this one's set. Lock only.
     */
    boolean retireStays() {
        return evicted || exempt;
    }

    boolean expired(long now) {
        return expires && now - expiresAt >= 0;
    }

    @Override
    public String toString() {
        return "Slot{" + backend.key + ", state=" + state + (retire ? ", retire" : "") + (exempt ? ", exempt" : "")
                + "}";
    }
}
