package io.cueball;

import io.cueball.internal.Preference;
import io.cueball.internal.RebalancePlan;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * BACKENDS. The resolver's events are recorded at once in `desired` (its current view) and arm the rebalance
 * timer, `rebalanceDelay` after the first pending event: a burst of events costs one rebalance. The rebalance
 * applies `desired` to `applied` (the pool's backends, including removed ones whose connections are still
 * draining), re-plans every backend's target (RebalancePlan: largest remainder, one monitor slot for a dead
 * backend), retires what is above target, and fills what is below.
 *
 * PREFERENCE. With more backends than connections the plan's ties decide which backends get one, and they go
 * to the pool's own preference (Preference), so that a fleet of pools does not pile onto the first backends by
 * key. By default each pool ranks the backends by a seed drawn from its random once, for its life: a shuffled
 * order of its own (rendezvous hashing). Ranks win ties before current holdings, so a backend that is added, or
 * comes back after a death, takes the connections this pool prefers it for (and only those: no other backend's
 * rank changes). The seed is not redrawn at decoherence: a new order would move up to every connection. With
 * subsetting(id, count), the ranks are the instance's place on the fleet's ring (Preference.subsetRanks), and the
 * plan ignores what the pool holds now: the fleet stays within one of the mean only if each pool holds exactly
 * its subset, and a change of backends moves at most one connection per pool beyond those of the backend that
 * came or went.
 *
 * REMOVAL. A removed backend's idle connections close at the rebalance; its claimed ones are retired and become
 * exempt (they no longer count toward maxConnections) and close when released. The backend is forgotten once it
 * has drained: its last connection has closed and no connect is in flight. Re-added before that, it keeps them
 * (a claimed one counts again only if the pool has room for it: invariant 1; else it closes when released).
 *
 * SHARES. The plan's weights come from the pool's HostSelection: the resolver's weights for round-robin, weighted
 * and least-in-use (even when they are all equal or all 0), and for epsilon-greedy and softmax the strategy's
 * share of each backend's score (HostSelection.shares), re-planned at every score tick (Housekeeper) so that
 * connections follow the claims. A score-driven re-plan moves at most maxMoves (a tenth of maxConnections, at
 * least one) connections away from backends in service, the largest surpluses first: a bound on the rate of moves,
 * not hysteresis; the backends below target then fill only as far as that frees room (invariant 1 holds
 * throughout).
 *
 * THREADS. The ResolverListener methods run on the resolver's threads and take the pool lock briefly; everything
 * named *Locked runs under it; rebalance() runs on the clock's thread.
 */

/** The resolver adapter, desired vs applied backends, the debounced rebalance, retiring surplus connections. */
final class Backends<C extends Connection> implements ResolverListener {
    private static final Logger log = LoggerFactory.getLogger(ConnectionPool.class);
    /** A score-driven share is given to the plan in parts per this many (SHARES). */
    static final int SHARE_SCALE = 10_000;

    private final PoolEngine<C> pool;
    private final long rebalanceDelay;
    private final long scoreDecay;
    /** How claims and shares are chosen (SHARES). */
    private final HostSelection selection;
    /** At most this many connections change backend in one re-plan of a score-driven strategy (SHARES). */
    /** The resolver's current view, updated at once by its events; applied by the next rebalance. */
    private final Map<String, Backend> desired = new LinkedHashMap<>();
    /** Applied backends, including removed ones whose connections are still draining. */
    private final Map<String, BackendState<C>> applied = new LinkedHashMap<>();
    private PoolClock.Timer rebalanceTimer;
    private long rebalances;
    /** Claims served by connections of backends that have since been forgotten. */
    private long claimsOfForgotten;
    /** The seed of this pool's preference order (see PREFERENCE), drawn once for the pool's life. */
    private final long seed;
    /**
     * The ranks of the last re-plan, at the same index as {@code rankedKeys}: re-plans for health changes reuse them
     * (10 000 backends take about 0.4 ms to rank by seed, 2 ms by subset).
     */
    private long[] lastRanks = new long[0];
    private List<String> rankedKeys = List.of();

    Backends(PoolEngine<C> pool, long rebalanceDelay) {
        this.pool = pool;
        this.rebalanceDelay = rebalanceDelay;
        this.scoreDecay = pool.options.scoreDecay().toNanos();
        this.selection = pool.options.hostSelection();
        this.seed = pool.random.nextLong(); // no other thread has the engine yet
    }

    // ---- the resolver's events ----

    @Override
    public void backendAdded(Backend backend) {
        Objects.requireNonNull(backend, "backend");
        pool.lock();
        try {
            if (pool.closeStarted()) {
                return;
            }
            Backend previous = desired.put(backend.key(), backend);
            if (!backend.equals(previous)) {
                armRebalanceLocked();
            }
        } finally {
            pool.unlock();
        }
    }

    @Override
    public void backendRemoved(Backend backend) {
        Objects.requireNonNull(backend, "backend");
        pool.lock();
        try {
            if (pool.closeStarted()) {
                return;
            }
            if (desired.remove(backend.key()) != null) {
                armRebalanceLocked();
            }
        } finally {
            pool.unlock();
        }
    }

    @Override
    public void resolverFailed(Throwable cause) {
        // Invariant 6: a failure of the resolver removes nothing. Only an authoritative answer does.
        log.warn("pool '{}': resolver failed; keeping the backends it reported before: {}", pool.name(),
                cause.toString());
        pool.lock();
        try {
            pool.events.emit(l -> l.resolverFailed(cause));
        } finally {
            pool.unlock();
        }
    }

    // ---- the rebalance ----

    void armRebalanceLocked() {
        if (rebalanceTimer == null && !pool.isClosing()) {
            rebalanceTimer = pool.schedule(this::rebalance, rebalanceDelay);
        }
    }

    void cancelRebalanceLocked() {
        if (rebalanceTimer != null) {
            rebalanceTimer.cancel();
            rebalanceTimer = null;
        }
    }

    /** The rebalance timer's task. */
    private void rebalance() {
        pool.lock();
        try {
            rebalanceTimer = null;
            if (pool.isClosing()) {
                return;
            }
            rebalanceLocked(pool.clock.nanoTime());
        } finally {
            pool.unlock();
        }
    }

    /** The rebalance now, without waiting out the delay (ConnectionPool.rebalanceNow): a pending timer is dropped. */
    void rebalanceNowLocked(long now) {
        cancelRebalanceLocked();
        rebalanceLocked(now);
    }

    /** Applies the resolver's view, re-plans, closes surplus idle connections and opens what is missing. */
    private void rebalanceLocked(long now) {
        for (Iterator<BackendState<C>> it = applied.values().iterator(); it.hasNext();) {
            BackendState<C> b = it.next();
            if (!b.removed && !desired.containsKey(b.key)) {
                removeLocked(b, now);
                Backend gone = b.backend;
                pool.events.emit(l -> l.backendRemoved(gone));
                if (b.slots.isEmpty() && b.connecting == 0) {
                    it.remove();
                    claimsOfForgotten += b.claimsOfClosed;
                }
            }
        }
        for (Backend d : desired.values()) {
            BackendState<C> b = applied.get(d.key());
            if (b == null) {
                applied.put(d.key(), new BackendState<>(d, scoreDecay));
                pool.events.emit(l -> l.backendAdded(d));
            } else if (b.removed) {
                readdLocked(b, d, now);
                pool.events.emit(l -> l.backendAdded(d));
            } else if (!b.backend.equals(d)) {
                b.backend = d;
                pool.events.emit(l -> l.backendAdded(d));
            }
        }
        replanLocked(now);
        pool.health.ensureServiceLocked(now); // removals may have left only ejected backends
        if (pool.options.failFastWhenEmpty() && desired.isEmpty()) {
            pool.waiters.failAllLocked(() -> new NoBackendsException("pool '" + pool.name()
                    + "' has no backends: its resolver removed them all, and failFastWhenEmpty is set"));
        }
    }

    /**
     * Runs the plan over the applied backends, closes idle surplus, updates the state, fills. Resolver changes
     * come here through the debounced rebalance; health changes (dead, alive, ejected, restored) call it at once.
     */
    void replanLocked(long now) {
        replanLocked(now, true);
    }

    /**
     * The same, with {@code boundMoves} false for a resize (RESIZE in PoolEngine): a lower maximum is not a move
     * between backends, and every connection above it must go at once.
     */
    void replanLocked(long now, boolean boundMoves) {
        List<BackendState<C>> live = new ArrayList<>(applied.size());
        for (BackendState<C> b : applied.values()) {
            if (!b.removed) {
                live.add(b);
            }
        }
        if (pool.perBackend > 0 && !live.isEmpty()) { // a ConnectionSet's size follows its backends (SIZE in SetEngine)
            pool.max = (int) Math.min(Integer.MAX_VALUE, (long) pool.perBackend * live.size());
        }
        int[] weights = weightsLocked(live, now);
        boolean subsetting = pool.options.subsetCount() > 0;
        long[] ranks = ranksLocked(live, subsetting);
        List<RebalancePlan.Candidate> candidates = new ArrayList<>(live.size());
        for (int i = 0; i < live.size(); i++) {
            BackendState<C> b = live.get(i);
            candidates.add(new RebalancePlan.Candidate(b.key, weights[i], b.monitorOnly(),
                    subsetting ? 0 : b.count(), ranks[i]));
        }
        int[] targets = RebalancePlan.targets(candidates, pool.max);
        if (selection.usesScores() && boundMoves) {
            boundMovesLocked(live, targets);
        }
        for (int i = 0; i < targets.length; i++) {
            live.get(i).target = targets[i];
        }
        // Removals before additions: idle connections above target close now (claimed ones when released),
        // and the connections they free are reused only once their close has returned.
        retireSurplusLocked(now);
        rebalances++;
        if (pool.events.listening()) {
            Map<Backend, Integer> plan = new LinkedHashMap<>();
            for (int i = 0; i < targets.length; i++) {
                plan.put(live.get(i).backend, targets[i]);
            }
            pool.events.emit(l -> l.rebalanced(plan));
        }
        log.debug("pool '{}': rebalanced over {} backends", pool.name(), live.size());
        pool.updateStateLocked();
        pool.connector.fillLocked(now);
    }

    /** The backends' ranks (PREFERENCE), at the same index; computed again only when the backends changed. */
    private long[] ranksLocked(List<BackendState<C>> backends, boolean subsetting) {
        List<String> keys = new ArrayList<>(backends.size());
        for (BackendState<C> b : backends) {
            keys.add(b.key);
        }
        if (keys.equals(rankedKeys)) {
            return lastRanks;
        }
        long[] ranks;
        if (subsetting) {
            ranks = Preference.subsetRanks(keys, pool.options.subsetId(), pool.options.subsetCount());
        } else {
            ranks = new long[keys.size()];
            for (int i = 0; i < ranks.length; i++) {
                ranks[i] = Preference.rank(seed, keys.get(i));
            }
        }
        lastRanks = ranks;
        rankedKeys = keys;
        return ranks;
    }

    /**
     * Each backend's weight in the plan, by strategy (SHARES): the resolver's weight for round-robin, weighted and
     * least-in-use (all 0 or all equal: even shares, as before strategies existed); for epsilon-greedy and
     * softmax, the strategy's share of the backend's score among the backends in service, in parts per SHARE_SCALE
     * (at least 1, so that a backend in service keeps a chance at a remainder connection, unless its resolver
     * weight is 0 while another's is not).
     */
    private int[] weightsLocked(List<BackendState<C>> live, long now) {
        int n = live.size();
        int[] w = new int[n];
        if (!selection.usesScores()) {
            for (int i = 0; i < n; i++) {
                w[i] = live.get(i).backend.weight(); // all 0 or all equal: the even split (RebalancePlan)
            }
            return w;
        }
        // The strategy sees the backends in service only; the others get the plan's monitor slot whatever
        // their weight. A re-plan is not a hot path: plain arrays per call.
        double[] scores = new double[n];
        int[] weights = new int[n];
        double[] shares = new double[n];
        int[] index = new int[n];
        int k = 0;
        boolean someWeight = false;
        for (int i = 0; i < n; i++) {
            BackendState<C> b = live.get(i);
            if (!b.monitorOnly()) {
                scores[k] = b.score.score(now);
                weights[k] = b.backend.weight();
                someWeight |= weights[k] > 0;
                index[k++] = i;
            }
        }
        selection.shares(scores, weights, k, shares);
        for (int j = 0; j < k; j++) {
            // Backend.weight(): a backend of weight 0 gets connections only when every live one has weight 0.
            w[index[j]] = someWeight && weights[j] == 0 ? 0 : Math.max(1, (int) Math.round(shares[j] * SHARE_SCALE));
        }
        return w;
    }

    /**
     * Limits a score-driven re-plan to maxMoves connections taken from backends in service (SHARES):
     * the largest surpluses give first, the rest keep what they hold above target until the next re-plan. Out
     * of service backends (dead, ejected, unproven) are not limited: health acts at once.
     */
    private void boundMovesLocked(List<BackendState<C>> live, int[] targets) {
        int maxMoves = Math.max(1, (pool.max + 9) / 10); // a tenth of maxConnections, as it is now (RESIZE)
        int surplus = 0;
        for (int i = 0; i < targets.length; i++) {
            BackendState<C> b = live.get(i);
            if (!b.monitorOnly()) {
                surplus += Math.max(0, b.count() - targets[i]);
            }
        }
        if (surplus <= maxMoves) {
            return;
        }
        int[] give = new int[targets.length];
        for (int moved = 0; moved < maxMoves; moved++) {
            int best = -1;
            int bestLeft = 0;
            for (int i = 0; i < targets.length; i++) {
                BackendState<C> b = live.get(i);
                int left = b.monitorOnly() ? 0 : b.count() - give[i] - targets[i];
                if (left > bestLeft) {
                    best = i;
                    bestLeft = left;
                }
            }
            give[best]++;
        }
        for (int i = 0; i < targets.length; i++) {
            BackendState<C> b = live.get(i);
            if (!b.monitorOnly() && b.count() > targets[i]) {
                targets[i] = b.count() - give[i];
            }
        }
    }

    /**
     * Brings every backend down to its (effective) target: idle connections above it close now, and as many
     * claimed ones as are still above it are retired, to close when released (RETIRE).
     */
    void retireSurplusLocked(long now) {
        // The backends above their target, and by how many (left[i] for over.get(i)): few, so a list will do.
        List<BackendState<C>> over = new ArrayList<>();
        for (BackendState<C> b : applied.values()) {
            if (!b.removed && b.count() > b.effectiveTarget()) {
                over.add(b);
            }
        }
        if (over.isEmpty()) {
            return;
        }
        int[] left = new int[over.size()];
        for (int i = 0; i < left.length; i++) {
            left[i] = over.get(i).count() - over.get(i).effectiveTarget();
        }
        List<Slot<C>> held = pool.idle.takeAllLocked();
        for (int i = 0; i < held.size(); i++) {
            int k = over.indexOf(held.get(i).backend);
            if (k >= 0 && left[k] > 0) {
                left[k]--;
                pool.closeLocked(held.set(i, null));
            }
        }
        // An ejected backend's monitor is idle too, parked outside the ring, so the pass above does not see it: once
        // the plan leaves it no monitor slot (as many live backends as connections), it closes like any idle surplus.
        for (int k = 0; k < left.length; k++) {
            List<Slot<C>> parked = over.get(k).parked;
            while (left[k] > 0 && !parked.isEmpty()) {
                left[k]--;
                pool.closeLocked(parked.remove(parked.size() - 1));
            }
        }
        boolean retired = false;
        for (int k = 0; k < left.length; k++) {
            for (Iterator<Slot<C>> it = over.get(k).slots.iterator(); left[k] > 0 && it.hasNext();) {
                Slot<C> slot = it.next();
                if (slot.isInUse() && !slot.retire) {
                    slot.retire = true;
                    left[k]--;
                    retired = true;
                }
            }
        }
        pool.restoreIdleLocked(held, now);
        if (retired) {
            pool.purgeRetiredLocked(now); // one released between the pass and its retire is in the ring now
        }
    }

    private void removeLocked(BackendState<C> b, long now) {
        b.removed = true;
        b.target = 0;
        b.dead = false;
        b.unproven = false;
        b.reason = null;
        pool.connector.cancelRetryLocked(b);
        pool.health.dropLocked(b); // its parked monitor connection closes with the idle ones
        retireAllLocked(b); // first, then take the idle ones: see RETIRE
        List<Slot<C>> held = pool.idle.takeAllLocked();
        for (int i = 0; i < held.size(); i++) {
            if (held.get(i).backend == b) {
                pool.closeLocked(held.set(i, null));
            }
        }
        for (Slot<C> slot : b.slots) {
            if (slot.isInUse() && !slot.exempt) {
                pool.setExemptLocked(slot, true);
            }
        }
        pool.restoreIdleLocked(held, now);
    }

    /**
     * Asks for every open connection of a backend back (RETIRE). Call it before taking the idle ones: a lock-free
     * release then either sees the retire or is seen by the pass.
     */
    void retireAllLocked(BackendState<C> b) {
        for (Slot<C> slot : b.slots) {
            if (!slot.isClosing()) {
                slot.retire = true;
            }
        }
    }

    private void readdLocked(BackendState<C> b, Backend d, long now) {
        b.removed = false;
        b.backend = d;
        b.connectFailures = 0;
        b.backoffLevel = 0;
        b.unproven = false;
        // Judged afresh, as a restored backend is: its removal ended any ejection (BackendHealth.dropLocked), and
        // the outcomes before it would eject it again at the next score tick without a new one.
        pool.health.harvestLocked(b, now);
        b.score.clear();
        for (Slot<C> slot : b.slots) {
            if (!slot.isClosing() && !slot.evicted) {
                slot.retire = false; // a release that already saw it takes the locked path, which re-decides
            }
            if (slot.exempt && !slot.isClosing()) { // a closing one is done: it stays exempt until it has closed
                if (pool.countable < pool.max) {
                    pool.setExemptLocked(slot, false);
                } else {
                    // No room for it to count again without breaking invariant 1 for a moment: it stays exempt
                    // and retired, and closes when released; the plan opens what the backend is owed in its place.
                    slot.retire = true;
                }
            }
        }
    }

    /** The bookkeeping after a slot's connection has closed: the slot is gone; a drained backend too. */
    void forgetClosedLocked(Slot<C> slot) {
        BackendState<C> b = slot.backend;
        if (!b.removed) {
            pool.health.harvestSlotLocked(slot, pool.clock.nanoTime()); // its last lock-free outcomes count
        }
        b.closing--;
        b.slots.remove(slot);
        b.claimsOfClosed += slot.claims;
        forgetIfDrainedLocked(b);
    }

    /** A removed backend is forgotten once it has drained: its last connection closed, no connect in flight. */
    void forgetIfDrainedLocked(BackendState<C> b) {
        if (b.removed && b.slots.isEmpty() && b.connecting == 0 && applied.get(b.key) == b) {
            applied.remove(b.key);
            claimsOfForgotten += b.claimsOfClosed;
        }
    }

    // ---- reads, under the lock ----

    /** Applied backends, removed ones included, in the order they were added. */
    Iterable<BackendState<C>> allLocked() {
        return applied.values();
    }

    boolean noneDesiredLocked() {
        return desired.isEmpty();
    }

    int notRemovedLocked() {
        int n = 0;
        for (BackendState<C> b : applied.values()) {
            if (!b.removed) {
                n++;
            }
        }
        return n;
    }


    /** Every backend that is not removed is dead (and there is at least one): the pool has FAILED. */
    boolean allDeadLocked() {
        boolean any = false;
        for (BackendState<C> b : applied.values()) {
            if (!b.removed) {
                if (!b.dead) {
                    return false;
                }
                any = true;
            }
        }
        return any;
    }

    /** Connections claimed, or on their way between a lock-free claim or release and the ring. */
    int inUseLocked() {
        int n = 0;
        for (BackendState<C> b : applied.values()) {
            for (Slot<C> slot : b.slots) {
                if (slot.isInUse()) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Connects, health checks and closes running on the executor. */
    int inFlightLocked() {
        int n = 0;
        for (BackendState<C> b : applied.values()) {
            n += b.connecting + b.checking + b.closing;
        }
        return n;
    }

    /** For the pool's close: no more rebalances or retries, and every open connection retired (RETIRE). */
    void closeLocked() {
        cancelRebalanceLocked();
        for (BackendState<C> b : applied.values()) {
            pool.connector.cancelRetryLocked(b);
            pool.health.dropLocked(b);
            retireAllLocked(b);
        }
    }

    /** A snapshot of the pool, per backend, in the order the backends were added. */
    PoolStats statsLocked(String name, PoolState state, int waiting, long claimTimeouts, long now) {
        List<BackendStats> list = new ArrayList<>(applied.size());
        int idle = 0;
        int claimed = 0;
        int connecting = 0;
        int closing = 0;
        long claims = claimsOfForgotten;
        for (BackendState<C> b : applied.values()) {
            BackendStats s = b.stats(now);
            list.add(s);
            idle += s.idle();
            claimed += s.claimed();
            connecting += b.connecting;
            closing += b.closing;
            claims += s.claims();
        }
        return new PoolStats(name, state, idle, claimed, connecting, closing, waiting, claims, claimTimeouts,
                rebalances, list);
    }
}
