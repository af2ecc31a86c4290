package io.cueball;

import io.cueball.internal.Score;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * HOUSEKEEPING as a function of now (OkHttp's cleanup(now)): tick(now) does what is due and returns how long
 * until it is next due. Five schedules share it:
 *   - every housekeeping interval (healthCheckInterval, shorter for an elastic pool's idleTimeout or a quarter of
 *     maxLifetime): shrinking, expired connections, health checks of connections idle for healthCheckInterval;
 *   - every decoherenceInterval: a shuffle of the idle queue, so that claims do not hit one backend in runs;
 *   - every score slot (scoreDecay / Score.SLOTS): the use outcomes are harvested and judged (BackendHealth),
 *     and a score-driven strategy (epsilon-greedy, softmax) re-plans the shares (Backends: SHARES);
 *   - with leak detection on, every quarter of leakDetectionThreshold (at least 100 ms): LEAKS;
 *   - in a CLOCKLESS pool (PoolEngine), every CHECK_ON_CLAIM_AFTER_IDLE / 4 while some slot is not yet due for
 *     its check: STAMPS.
 *
 * STAMPS. Lock-free claims of a clockless pool read no clock, so this pass stands in for it. A slot whose claims
 * counter moved since the previous pass was claimed after that pass began: it gets lastUsedAt = the previous pass's
 * instant (never later than the claim, so the slot can only look older than it is). A slot whose counter stood still
 * gets checkDue if it would be CHECK_ON_CLAIM_AFTER_IDLE old before the next pass: so a connection whose last claim
 * began more than CHECK_ON_CLAIM_AFTER_IDLE ago is always checked, one claimed within the last three quarters of it
 * never, and in between it may be (given a timer that runs on time; a late pass makes the check late by as much).
 * A quarter, not a half: by the same sums, at a half a connection claimed every 0.6 s could be checked at every
 * other claim. The counter is read without the lock (its holder writes it): a stale read stamps or flags once
 * more, toward checking.
 * It starts stopped (there is no slot yet), and stops when every slot is due (an idle pool does not wake for it);
 * whatever makes a slot not due (a claim's check, a health check, a new connection, a locked release:
 * stampsWantedLocked from offerLocked, before it may park the slot, and from checkOnClaim) starts it again, with
 * that instant as the previous pass's. So it runs while connections are in use and for a second after. Claims
 * made while it was stopped are not stamped at the restart (each took a due slot, which stays due unless that
 * claim ran the check, which stamps it itself).
 * The periodic health check goes by lastUsedAt too, and leaves alone a slot claimed since the last pass (its stamp
 * is not written yet); still, in such a pool it may come up to one pass early (a stamp is up to a pass older than
 * the claim it stands for): not worth a per-slot "stamped" bit.
 * ClocklessPathsTest holds the paths two reviews found round this (a slot parked after a locked release, due slots
 * taken unchecked by claims that read the clock, waited, or came through claimOpenedAfter, and the rest).
 *
 * LEAKS. A claimer with leak detection on records its stack in its slot after the instant it was served
 * (Slot.leakClaimed). The scan looks at every slot: one whose record is older than the threshold is taken for the
 * report by compare-and-set of that same record (Slot.leakReported: one report per claim, never another claim's, and a
 * release racing with it learns
 * whether it happened), and logged as one WARN after the lock is released (on the executor, with the stack as the
 * cause). The release of a reported claim logs an INFO (PoolEngine.ended).
 * When both fall due at one instant, the shuffle runs first, as it did when each had its own timer (the
 * decoherence timer, armed at start, was older than a housekeeping timer re-armed at every run).
 *
 * SHRINKING (elastic pools). If the idle ring never fell below `spares + k` during a whole idleTimeout window,
 * those k connections were not needed: one at a time, the backend holding the most for its share loses one. A
 * low-water mark works with the FIFO ring, where every connection is used in turn and none sits idle for long
 * even when most are surplus.
 *
 * THREADS. tick runs under the pool lock (on the clock's thread); health checks run on the executor.
 */

/** The pool's timed upkeep: health checks, maximum lifetime, shrinking, decoherence. */
final class Housekeeper<C extends Connection> {
    private static final Logger log = LoggerFactory.getLogger(ConnectionPool.class);

    /** A schedule that is off: never due (its distance from now never wraps, see untilNext). */
    private static final long NEVER = Long.MAX_VALUE / 4;

    private final PoolEngine<C> pool;
    private final long interval;
    private final long healthCheckInterval;
    private final long decoherenceInterval;
    private final long idleTimeout;
    private final boolean elastic;
    private long nextHousekeepingAt;
    private final long leakInterval;
    private long nextLeakCheckAt;
    private long nextDecoherenceAt;
    private final long scoreInterval;
    private long nextScoreAt;
    private final long stampInterval;
    private long nextStampAt;
    /** STAMPS: the previous pass's instant (or the one it was started again at); false: stopped, every slot due. */
    private long lastStampAt;
    private boolean stamping;
    /** When the timer is due: a restarted stamp pass that falls due earlier moves it. */
    private long timerDueAt;
    private long lowWaterSince;
    private PoolClock.Timer timer;

    Housekeeper(PoolEngine<C> pool) {
        this.pool = pool;
        PoolOptions o = pool.options;
        this.healthCheckInterval = o.healthCheckInterval().toNanos();
        this.decoherenceInterval = o.decoherenceInterval().toNanos();
        this.idleTimeout = o.idleTimeout().toNanos();
        this.elastic = o.spares() < o.maxConnections();
        long every = healthCheckInterval;
        if (elastic) {
            every = Math.min(every, idleTimeout);
        }
        long maxLifetime = o.maxLifetime().toNanos();
        if (maxLifetime > 0) {
            every = Math.min(every, Math.max(1, maxLifetime / 4));
        }
        this.interval = every;
        this.scoreInterval = Math.max(1, o.scoreDecay().toNanos() / Score.SLOTS);
        this.leakInterval = pool.leakThreshold > 0
                ? Math.max(TimeUnit.MILLISECONDS.toNanos(100), pool.leakThreshold / 4)
                : NEVER; // off
        this.stampInterval = Math.max(1, pool.checkOnClaimAfter / 4);
    }

    /** Starts the schedules at {@code now}: the first tick comes at the earliest of their intervals. */
    void startLocked(long now) {
        lowWaterSince = now;
        nextHousekeepingAt = now + interval;
        nextDecoherenceAt = now + decoherenceInterval;
        nextScoreAt = now + scoreInterval;
        nextLeakCheckAt = now + leakInterval;
        stamping = false; // no slot yet: the first to arrive starts it (offerLocked)
        lastStampAt = now;
        nextStampAt = now + (stamping ? stampInterval : NEVER);
        scheduleLocked(now, untilNext(now));
    }

    /** Arms the timer {@code delay} from {@code now}, and remembers when it is due (stampsWantedLocked). */
    private void scheduleLocked(long now, long delay) {
        timerDueAt = now + delay;
        timer = pool.schedule(this::run, delay);
    }

    /**
     * STAMPS: a slot is no longer due for its check (or is new); starts the stopped pass again, with {@code now} as
     * its previous instant, and brings the timer forward if it would come later. Under the lock.
     */
    void stampsWantedLocked(long now) {
        if (stamping || !pool.clockless) {
            return;
        }
        stamping = true;
        lastStampAt = now;
        nextStampAt = now + stampInterval;
        // Claims made while it was stopped were before `now`: stamping them with it would make them look younger.
        // They left their slots due (only a claim that runs the check clears it), so their next claim checks them.
        for (BackendState<C> b : pool.backends.allLocked()) {
            for (Slot<C> slot : b.slots) {
                slot.seenClaims = slot.claims;
            }
        }
        if (timer != null && nextStampAt - timerDueAt < 0) { // null: closing, or tick() is running and will see it
            timer.cancel();
            scheduleLocked(now, untilNext(now));
        }
    }

    /** Stops the schedules (the pool is closing). */
    void stopLocked() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }

    /** The timer's task: {@link #tick}, then the next one when it says. */
    private void run() {
        pool.lock();
        try {
            timer = null;
            if (!pool.isClosing()) {
                long now = pool.clock.nanoTime();
                scheduleLocked(now, tick(now));
            }
        } finally {
            pool.unlock();
        }
    }

    /**
     * Does whatever is due at {@code now}. Under the lock.
     *
     * @return nanoseconds until the next tick is due (> 0)
     */
    long tick(long now) {
        if (now - nextDecoherenceAt >= 0) {
            decohereLocked(now);
            nextDecoherenceAt = now + decoherenceInterval;
        }
        if (now - nextHousekeepingAt >= 0) {
            housekeepLocked(now);
            nextHousekeepingAt = now + interval;
        }
        if (now - nextScoreAt >= 0) {
            pool.health.tickLocked(now);
            nextScoreAt = now + scoreInterval;
            if (pool.options.hostSelection().usesScores() && !pool.isClosing()) {
                pool.backends.replanLocked(now); // connections follow the scores (Backends: SHARES)
            }
        }
        if (now - nextLeakCheckAt >= 0) {
            reportLeaksLocked(now);
            nextLeakCheckAt = now + leakInterval;
        }
        if (stamping && now - nextStampAt >= 0) {
            stampLocked(now);
        }
        return untilNext(now);
    }

    /** STAMPS: lastUsedAt from the claims counters, checkDue for the slots that will have sat too long. */
    private void stampLocked(long now) {
        long dueAfter = pool.checkOnClaimAfter - stampInterval; // due before the next pass: flag it now
        boolean allDue = true;
        for (BackendState<C> b : pool.backends.allLocked()) {
            for (Slot<C> slot : b.slots) {
                long claims = slot.claims;
                if (claims != slot.seenClaims) {
                    slot.seenClaims = claims;
                    if (lastStampAt - slot.lastUsedAt > 0) {
                        slot.lastUsedAt = lastStampAt; // claimed since then
                    }
                    allDue = false;
                } else if (!slot.checkDue) {
                    if (now - slot.lastUsedAt > dueAfter) {
                        slot.checkDue = true;
                    } else {
                        allDue = false;
                    }
                }
            }
        }
        lastStampAt = now;
        stamping = !allDue;
        nextStampAt = now + (stamping ? stampInterval : NEVER);
    }

    /** LEAKS: reports every claim held longer than the threshold, once. */
    private void reportLeaksLocked(long now) {
        for (BackendState<C> b : pool.backends.allLocked()) {
            for (Slot<C> slot : b.slots) {
                Throwable stack = slot.leakRecord(); // then claimedAt, which the record's write published
                if (stack != null && now - slot.claimedAt >= pool.leakThreshold) {
                    if (slot.leakReported(stack)) { // that same claim, still held
                        long heldMs = TimeUnit.NANOSECONDS.toMillis(now - slot.claimedAt);
                        String pool = this.pool.name();
                        String backend = b.key;
                        this.pool.submitLocked(() -> log.warn("pool '{}': a connection to {} has been claimed for {} "
                                + "ms (leakDetectionThreshold {} ms) and not released: a possible leak; it was "
                                + "claimed at", pool, backend, heldMs,
                                TimeUnit.NANOSECONDS.toMillis(this.pool.leakThreshold), stack));
                    }
                }
            }
        }
    }

    /**
     * Nanoseconds from {@code now} until the earlier schedule, compared as differences from now: a due instant
     * may have wrapped past Long.MAX_VALUE (decoherenceInterval of "forever"), but its distance from now has not.
     */
    private long untilNext(long now) {
        return Math.max(1, Math.min(Math.min(Math.min(Math.min(nextHousekeepingAt - now, nextDecoherenceAt - now),
                nextScoreAt - now), nextLeakCheckAt - now), nextStampAt - now));
    }

    private void housekeepLocked(long now) {
        boolean windowEnded = elastic && now - lowWaterSince >= idleTimeout;
        if (windowEnded) {
            int surplus = pool.idle.lowWaterLocked() - pool.sparesLocked();
            for (int shrink = Math.max(0, surplus); shrink > 0; shrink--) {
                shrinkOneLocked(now);
            }
            // Before the pass below: it takes the connections it checks out of the queue for a moment, and a mark
            // reset after it would count them as missing for the whole next window (the pool never shrank).
            pool.idle.resetLowWaterLocked();
            lowWaterSince = now;
        }
        List<Slot<C>> held = pool.idle.takeAllLocked();
        for (int i = 0; i < held.size(); i++) {
            Slot<C> slot = held.get(i);
            if (slot.expired(now)) {
                pool.closeLocked(held.set(i, null));
            } else if (now - slot.lastUsedAt >= healthCheckInterval
                    && (!stamping || slot.claims == slot.seenClaims)) { // not claimed since the last STAMPS pass
                held.set(i, null);
                slot.heldToChecking();
                slot.backend.checking++;
                pool.submitLocked(() -> healthCheck(slot));
            }
        }
        pool.restoreIdleLocked(held, now);
        pool.connector.fillLocked(now);
    }

    /**
     * Closes one idle connection of the backend that holds the most for its share, so that shrinking keeps the
     * spread even (or weighted).
     */
    private void shrinkOneLocked(long now) {
        List<Slot<C>> held = pool.idle.takeAllLocked();
        List<BackendState<C>> withIdle = new ArrayList<>();
        for (Slot<C> slot : held) {
            if (!withIdle.contains(slot.backend)) {
                withIdle.add(slot.backend);
            }
        }
        BackendState<C> most = null;
        for (BackendState<C> b : pool.backends.allLocked()) {
            // Compare count/target without dividing: b is fuller than most if b.count * most.target is larger.
            if (withIdle.contains(b) && (most == null
                    || (long) b.count() * Math.max(1, most.target) > (long) most.count() * Math.max(1, b.target))) {
                most = b;
            }
        }
        for (int i = 0; most != null && i < held.size(); i++) {
            if (held.get(i).backend == most) {
                pool.closeLocked(held.set(i, null));
                most = null; // one only; the others go back in their order
            }
        }
        pool.restoreIdleLocked(held, now);
    }

    /** Runs on the executor. */
    private void healthCheck(Slot<C> slot) {
        boolean ok = ConnectionHooks.isHealthy(slot.connection);
        pool.lock();
        try {
            BackendState<C> b = slot.backend;
            b.checking--;
            long now = pool.clock.nanoTime();
            if (ok && b.dead && !b.removed && !pool.isClosing()) {
                pool.health.reviveLocked(b, now, "a health check of a connection it still holds passed", false);
            }
            if (ok && !pool.isClosing() && !pool.unwantedLocked(slot, now)) {
                slot.lastUsedAt = now;
                slot.checkDue = false; // just checked (offerLocked starts the STAMPS pass again if stopped)
                slot.retire = b.dead;
                slot.checkingToIdle();
                pool.offerLocked(slot);
            } else {
                if (!ok) {
                    log.debug("pool '{}': idle connection to {} failed its health check; replacing it",
                            pool.name(), b.key);
                }
                pool.closeLocked(slot);
                pool.connector.fillLocked(now);
            }
            pool.signalIfClosingLocked();
        } finally {
            pool.unlock();
        }
    }

    /**
     * Shuffles the idle queue (Fisher-Yates, with the pool's seeded random) and redraws the pool's preference
     * order over the backends, which moves no connection (Backends: PREFERENCE).
     */
    private void decohereLocked(long now) {
        List<Slot<C>> slots = pool.idle.takeAllLocked();
        for (int i = slots.size() - 1; i > 0; i--) {
            int j = pool.random.nextInt(i + 1);
            slots.set(i, slots.set(j, slots.get(i)));
        }
        pool.restoreIdleLocked(slots, now);
    }
}
