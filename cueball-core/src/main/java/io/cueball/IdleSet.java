package io.cueball;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/*
 * WHERE IDLE CONNECTIONS WAIT. The ring (IdleRing, FIFO) holds most of them; STICKY ones wait beside it: kept by
 * the thread that released them (AFFINITY), or refused by the ring for a moment. `table` lists every open slot
 * that is not closing, so that a claim that finds the ring empty, and the lock's passes, can find STICKY ones.
 * The ring's capacity is fixed at build (twice maxConnections, at least 16); a pool resized above it keeps the rest
 * STICKY (lock-free pools) or in `overflow` (pools whose claims take the lock, which never look for STICKY ones).
 *
 * AFFINITY. A release may keep its slot (STICKY) for the same thread's next claim, threadAffinity times in a
 * row; then it goes to the ring's tail and the thread takes the head, so every connection still takes its turn.
 * A thread keeps at most one. Nothing is kept while claims wait, nor by virtual threads. The lock's passes over
 * idle connections (takeAllLocked) take STICKY slots too, so close, removal, shrinking, health checks and
 * decoherence see every idle connection.
 *
 * THREADS. pollFast, keep and offerReleased run without the lock, on claiming and releasing threads; every
 * method named *Locked runs under the pool lock. `table` is copied on write under the lock and read without it.
 */

/** The pool's idle connections: the ring, the slots kept beside it, and each thread's affinity record. */
final class IdleSet<C extends Connection> {
    /**
     * A pool whose claims take the lock (elastic, or choosing its backends) uses the ring (or Choice) under the lock
     * only: never STICKY. Its ring refuses only when the pool has grown past the ring's capacity (RESIZE): then the
     * rest wait in {@code overflow}.
     */
    private final boolean elastic;
    /**
     * A locked ring's idle connections beyond its capacity, which is fixed at build (a pool resized far above its
     * build's maximum), oldest first. While it is not empty every offer joins it, so the ring holds only older
     * connections and ring-then-overflow stays FIFO. Lock only; always empty for a lock-free pool, whose refused
     * connections wait STICKY instead, where lock-free claims can find them.
     */
    private final ArrayDeque<Slot<C>> overflow = new ArrayDeque<>();
    /** For a strategy other than round-robin: idle connections per backend, and the choice (CHOICE); else null. */
    private final Choice<C> choice;
    /** The idle queue, FIFO: polled by claims and offered to by releases without the lock. */
    private final IdleRing<Slot<C>> ring;
    /** Claims in a row a thread may reuse the connection it released (AFFINITY); null when that is off. */
    private final ThreadLocal<Affinity<C>> affinity;
    private final int affinityRun;
    /** Every open slot but closing ones, for finding STICKY ones: copied on write, under the lock. */
    @SuppressWarnings("unchecked")
    private volatile Slot<C>[] table = new Slot[0];
    /** The fewest idle connections seen since the housekeeper last reset it (elastic pools only). */
    private int lowWater;

    /** What one thread keeps for its next claim. Touched by that thread only. */
    static final class Affinity<C extends Connection> extends LeadingPadding {
        /**
         * Virtual threads keep nothing: one usually serves one request and ends, and what it kept would sit
         * outside the queue's turn-taking until another claim found the queue empty.
         */
        final boolean keeps = !isVirtual(Thread.currentThread());
        /** The thread whose record this is (made by its ThreadLocal's initial value, on that thread). */
        final Thread owner = Thread.currentThread();
        Slot<C> slot;
        int run;
    }

    /** Without a choice: the shared ring (round-robin). */
    IdleSet(int maxConnections, boolean elasticPool, int threadAffinity) {
        this(maxConnections, elasticPool, threadAffinity, null);
    }

    IdleSet(int maxConnections, boolean elasticPool, int threadAffinity, Choice<C> choice) {
        this.elastic = elasticPool || choice != null;
        this.choice = choice;
        this.affinityRun = threadAffinity;
        this.affinity = !this.elastic && threadAffinity > 0 ? ThreadLocal.withInitial(Affinity::new) : null;
        // Each open slot is in the ring at most once; twice max leaves room for claimed connections of removed
        // backends (exempt from max) that race back in before they are purged.
        this.ring = new IdleRing<>(Math.max(16, 2 * maxConnections));
    }

    // ---- without the lock (fixed-size pools only) ----

    /**
     * The lock-free claim: the connection this thread released last if nobody took it since (AFFINITY), else the
     * head of the ring, else any connection another thread keeps. The slot comes back CLAIMED; null if none.
     *
     * @param mayKeep false for a waiting claim, which takes no part in affinity
     */
    Slot<C> pollFast(boolean mayKeep) {
        Affinity<C> mine = affinity == null || !mayKeep ? null : affinity.get();
        if (mine != null && mine.slot != null) {
            Slot<C> kept = mine.slot;
            mine.slot = null;
            if (kept.stickyToClaimed()) {
                kept.keeper = mine;
                return kept;
            }
            mine.run = 0;
        }
        Slot<C> slot = ring.poll();
        if (slot != null) {
            slot.idleToClaimed();
        } else if ((slot = stealSticky(true)) == null) {
            return null;
        }
        if (mine != null) {
            mine.run = 0;
        }
        slot.keeper = mine;
        return slot;
    }

    /**
     * Takes a STICKY slot, searching from a random place so that no slot is always found first: CLAIMED for a
     * lock-free claim, IDLE for the lock. Null if there is none (an elastic pool never has one).
     */
    private Slot<C> stealSticky(boolean forClaim) {
        Slot<C>[] all = table;
        int n = all.length;
        if (elastic || n == 0) {
            return null;
        }
        int start = ThreadLocalRandom.current().nextInt(n);
        for (int i = 0; i < n; i++) {
            Slot<C> slot = all[(start + i) % n];
            if (slot.isSticky() && (forClaim ? slot.stickyToClaimed() : slot.stickyToIdle())) {
                return slot;
            }
        }
        return null;
    }

    /**
     * Keeps a released (CLAIMED) connection for this thread's next claim (AFFINITY), unless the run is over, the
     * thread already keeps one, or claims are waiting. True if it is no longer the caller's: kept, or taken by
     * another claim or the lock the moment it was kept. False: the caller still holds it, CLAIMED.
     */
    boolean keep(Slot<C> slot, Waiters<C> waiters) {
        if (affinity == null || waiters.any()) {
            return false;
        }
        // The claim's record, if this is the thread that claimed it: one ThreadLocal lookup per claim and release.
        Affinity<C> mine = slot.keeper;
        if (mine == null || mine.owner != Thread.currentThread()) {
            mine = affinity.get();
        }
        if (!mine.keeps || mine.slot != null || mine.run >= affinityRun) {
            return false;
        }
        slot.claimedToSticky(); // volatile: ordered before the reads below (WAITERS, RETIRE)
        if (slot.retire || waiters.any()) {
            // A claim queued, or the lock asked for it back, as it was kept: into the ring with it, if it is
            // still ours, so that the locked paths see it.
            return !slot.stickyToClaimed(); // taken already (by a waiting claim or the lock) if the CAS fails
        }
        mine.slot = slot;
        mine.run++;
        return true;
    }

    /**
     * Puts a released (CLAIMED) connection at the ring's tail, or beside it if the ring refuses for a moment; then
     * says whether the lock must look: the slot was retired, or claims wait. The put ends in a volatile store
     * and the answer is read after it: the releasing half of both Dekker pairs (RETIRE, WAITERS). A retire or a
     * queued claim this misses will find the slot in the ring, or beside it.
     *
     * @return true if the caller must take the lock (purge retired slots, serve waiting claims)
     */
    boolean offerReleased(Slot<C> slot, Waiters<C> waiters) {
        slot.claimedToIdle();
        if (!ring.offer(slot)) {
            slot.idleToSticky(); // refused for a moment: idle outside the ring (see IdleRing.offer)
        }
        return slot.retire || waiters.any();
    }

    // ---- under the lock ----

    /** Takes the oldest idle connection (IDLE), from the ring or beside it; null if there is none. */
    Slot<C> pollLocked(long now) {
        Slot<C> slot = choice != null ? choice.poll(now) : ring.poll();
        if (slot == null) {
            slot = elastic ? overflow.pollFirst() : stealSticky(false);
        }
        if (elastic && slot != null && sizeLocked() < lowWater) {
            lowWater = sizeLocked(); // only an elastic pool shrinks by it
        }
        return slot;
    }

    /** Idle connections in the ring and its overflow (or per backend, when choosing); kept ones are not counted. */
    private int sizeLocked() {
        return choice != null ? choice.size() : ring.size() + overflow.size();
    }

    /**
     * Puts an IDLE slot in hand at the ring's tail; if the ring refuses, beside it: STICKY for a lock-free pool (for
     * a moment, or for good above the build's capacity), in the overflow for a locked one, which never looks for
     * STICKY slots.
     */
    void offerLocked(Slot<C> slot) {
        if (choice != null) {
            choice.offer(slot);
        } else if (elastic) {
            if (!overflow.isEmpty() || !ring.offer(slot)) {
                overflow.addLast(slot);
            }
        } else if (!ring.offer(slot)) {
            slot.idleToSticky();
        }
    }

    /**
     * Takes every idle connection, kept ones first (each was used more recently than the ring's head), then the
     * ring oldest first, then the overflow, for one locked pass over them; each is HELD. Give the list back with the
     * engine's restoreIdleLocked, with nulls where a slot was dealt with.
     */
    List<Slot<C>> takeAllLocked() {
        List<Slot<C>> held = new ArrayList<>(sizeLocked());
        if (choice != null) {
            choice.takeAll(held);
            for (Slot<C> slot : held) {
                slot.idleToHeld();
            }
            return held;
        }
        if (!elastic) {
            for (Slot<C> kept : table) {
                if (kept.isSticky() && kept.stickyToHeld()) {
                    held.add(kept);
                }
            }
        }
        Slot<C> slot;
        while ((slot = ring.poll()) != null) {
            slot.idleToHeld();
            held.add(slot);
        }
        for (Slot<C> over : overflow) {
            over.idleToHeld();
            held.add(over);
        }
        overflow.clear();
        return held;
    }

    /** A new open slot. */
    void addLocked(Slot<C> slot) {
        Slot<C>[] all = Arrays.copyOf(table, table.length + 1);
        all[all.length - 1] = slot;
        table = all;
    }

    /** A slot that starts closing. */
    void removeLocked(Slot<C> slot) {
        Slot<C>[] all = table;
        for (int i = 0; i < all.length; i++) {
            if (all[i] == slot) {
                Slot<C>[] fewer = Arrays.copyOf(all, all.length - 1);
                System.arraycopy(all, i + 1, fewer, i, all.length - i - 1);
                table = fewer;
                return;
            }
        }
    }

    /**
     * The fewest idle connections in the ring since {@link #resetLowWaterLocked}, now included; what shrinking goes
     * by. Only claims lower the mark as they go; idle connections the lock closes (a resize, a removal) do not, so
     * without the present count the mark could exceed what is idle, and the shrink would close spares too.
     */
    int lowWaterLocked() {
        return Math.min(lowWater, sizeLocked());
    }

    void resetLowWaterLocked() {
        lowWater = sizeLocked();
    }

    /** Thread.isVirtual() on Java 21 and later; on 17 there are no virtual threads. */
    private static final MethodHandle IS_VIRTUAL = isVirtualHandle();

    private static MethodHandle isVirtualHandle() {
        try {
            return MethodHandles.publicLookup().findVirtual(Thread.class, "isVirtual",
                    MethodType.methodType(boolean.class));
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }

    static boolean isVirtual(Thread thread) {
        if (IS_VIRTUAL == null) {
            return false;
        }
        try {
            return (boolean) IS_VIRTUAL.invokeExact(thread);
        } catch (Throwable t) {
            return false;
        }
    }
}
