package io.cueball;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/*
 * CHOICE (HostSelection other than round-robin). Idle connections wait per backend (BackendState.idleSlots, oldest
 * first) instead of in the shared ring, and every claim asks the strategy which backend serves it among those that
 * have an idle connection (HostSelection.choose, with the backends' scores, weights and claimed counts), then takes
 * that backend's oldest idle connection. Backends out of service (dead or ejected) are chosen only when no backend
 * in service has an idle connection. `withIdle` lists the backends whose queue is not empty (each knows its index,
 * so leaving is O(1)); a choice costs O(backends with idle connections).
 *
 * Round-robin needs no choice: the shared FIFO ring takes every connection in turn, lock-free (IdleSet).
 *
 * THREADS. Everything here runs under the pool lock: a pool that chooses claims and releases through the lock, as an
 * elastic pool does (PoolEngine.lockedClaims).
 */

/** The idle connections of a pool whose claims choose their backend: one FIFO per backend, and the strategy. */
final class Choice<C extends Connection> {
    private final HostSelection selection;
    private final RandomGenerator random;
    private final List<BackendState<C>> withIdle = new ArrayList<>();
    private int size;
    private long turn;
    private double[] scores = new double[8];
    private int[] weights = new int[8];
    private int[] inUse = new int[8];
    /** Indexes into withIdle of the candidates offered to the strategy. */
    private int[] candidates = new int[8];

    Choice(HostSelection selection, RandomGenerator random) {
        this.selection = selection;
        this.random = random;
    }

    int size() {
        return size;
    }

    /** Puts an IDLE slot at the tail of its backend's queue. */
    void offer(Slot<C> slot) {
        BackendState<C> b = slot.backend;
        if (b.idleSlots.isEmpty()) {
            b.choiceIndex = withIdle.size();
            withIdle.add(b);
        }
        b.idleSlots.addLast(slot);
        size++;
    }

    /** The strategy's backend's oldest idle slot (IDLE, out of the queue); null if there is none. */
    Slot<C> poll(long now) {
        int n = withIdle.size();
        if (n == 0) {
            return null;
        }
        if (scores.length < n) {
            int grown = Math.max(n, scores.length * 2);
            scores = new double[grown];
            weights = new int[grown];
            inUse = new int[grown];
            candidates = new int[grown];
        }
        int k = fill(now, true);
        if (k == 0) {
            k = fill(now, false); // only backends out of service hold idle connections: serve from them
        }
        int chosen = candidates[selection.choose(scores, weights, inUse, k, turn++, random)];
        BackendState<C> b = withIdle.get(chosen);
        Slot<C> slot = b.idleSlots.pollFirst();
        if (b.idleSlots.isEmpty()) {
            leave(b);
        }
        size--;
        return slot;
    }

    /** Offers the backends with idle connections (in service only, or all) to the strategy; returns how many. */
    private int fill(long now, boolean inServiceOnly) {
        int k = 0;
        for (int i = 0; i < withIdle.size(); i++) {
            BackendState<C> b = withIdle.get(i);
            if (inServiceOnly && (b.dead || b.ejected)) {
                continue;
            }
            candidates[k] = i;
            scores[k] = selection.usesScores() ? b.score.score(now) : 1.0;
            weights[k] = b.backend.weight();
            inUse[k] = b.slots.size() - b.closing - b.checking - b.idleSlots.size() - b.parked.size();
            k++;
        }
        return k;
    }

    private void leave(BackendState<C> b) {
        int i = b.choiceIndex;
        BackendState<C> last = withIdle.remove(withIdle.size() - 1);
        if (last != b) {
            withIdle.set(i, last);
            last.choiceIndex = i;
        }
        b.choiceIndex = -1;
    }

    /** Takes every idle slot, each backend's oldest first, into {@code into}; the queues are left empty. */
    void takeAll(List<Slot<C>> into) {
        for (BackendState<C> b : withIdle) {
            into.addAll(b.idleSlots);
            b.idleSlots.clear();
            b.choiceIndex = -1;
        }
        withIdle.clear();
        size = 0;
    }
}
