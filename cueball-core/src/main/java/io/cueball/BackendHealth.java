package io.cueball;

import io.cueball.internal.Score;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * USE HEALTH. Two signals judge a backend and neither may do the other's work (DESIGN.md, "Backend health"):
 * connect outcomes (Connector) make a backend DEAD; use outcomes (here) feed its SCORE and may EJECT it. A use
 * failure never makes a backend dead: a burst of discards after a server restart, while connects succeed, only
 * replaces connections.
 *
 * OUTCOMES. Claim.close() is a success (1, or what Claim.report gave); discard(), fail(cause), a connection that
 * says isBroken() and a reset() that throws are failures (0). A lock-free release records its outcome in its
 * slot (Slot.recordUse); harvestLocked moves what the slots recorded into the backend's Score, every score tick
 * (Housekeeper), before stats and before a failure is judged. Every failure takes the locked path and is
 * recorded at once (useEndedLocked). Score: see Score (pooly's recency-weighted slot means).
 *
 * EJECTION (gRPC A50's failure-percentage ejection, Envoy's outlier detection). A backend in service whose
 * window holds at least ejectionMinOutcomes outcomes and whose failure rate (1 - score) is at least
 * ejectionFailureRate is ejected, if that leaves (a) no more than maxEjectionPercent of the backends that are not
 * removed ejected (rounded down: one backend alone is never ejected) and (b) at least one backend in service.
 * Judged at every failure and every score tick. Ejected: its share moves to the others at once (re-plan), every
 * slot of it is retired, and the one it keeps (its monitor slot) is PARKED: open, out of service. The ejection
 * lasts baseEjectionTime x level, capped at max(base, maxEjectionTime), where level counts ejections in a row and
 * drops by one for each baseEjectionTime spent in service since the last one (A50's multiplier).
 *
 * REVIVAL. When the ejection ends, the monitor connection is probed with isHealthy() on the executor: passed, the
 * backend is restored (score cleared: it is judged afresh); failed, the connection closes and the ejection is
 * extended at the next level (a new monitor connection is opened and parked). With no monitor connection, the
 * backend is restored when the time ends (A50). A dead backend is revived by a successful connect (Connector), a
 * passed health check of a connection it holds, or a successful use of one (its slots keep `retire` set while it
 * is dead, so their uses come to the lock). If backends die while others are ejected and none is left in
 * service, the ejected ones are restored at once: ejection never empties the pool.
 *
 * UNPROVEN. A backend revived by a health check or a use, not by a connect, is live (the pool is not FAILED, and
 * claims use what it holds) but keeps only its monitor slot in the plan until a connect succeeds: its connects
 * may still be refused (a server at max_connections serves its sessions and refuses new ones), and taking back
 * its share would close the others' connections for ones it cannot open. Its retry probes with a connect as a
 * dead backend's does; the first that succeeds gives it its share (Connector.connected re-plans).
 *
 * Every change of a backend's health re-plans at once (no debounce): these changes are rare, bounded by backoff
 * and ejection times, and the plan must know at once that a revived backend may hold connections again.
 *
 * THREADS. *Locked under the pool lock; ejectionEnded on the clock's thread; probe on the executor.
 */

/** Per-backend use outcomes, the score, outlier ejection and revival. */
final class BackendHealth<C extends Connection> {
    private static final Logger log = LoggerFactory.getLogger(ConnectionPool.class);

    private final PoolEngine<C> pool;
    private final int maxEjectionPercent;
    private final double failureRate;
    private final int minOutcomes;
    private final long baseEjection;
    private final long maxEjection;

    BackendHealth(PoolEngine<C> pool) {
        this.pool = pool;
        PoolOptions o = pool.options;
        this.maxEjectionPercent = o.maxEjectionPercent();
        this.failureRate = o.ejectionFailureRate();
        this.minOutcomes = o.ejectionMinOutcomes();
        this.baseEjection = ConnectionPool.saturatedNanos(o.baseEjectionTime());
        this.maxEjection = Math.max(baseEjection, ConnectionPool.saturatedNanos(o.maxEjectionTime()));
    }

    // ---- outcomes and the score ----

    /**
     * A claim of {@code slot} ended on the locked path (a failure, or any release of an elastic pool or of a
     * retired slot). The slot is still CLAIMED, in the releaser's hand.
     *
     * @param failed whether the use failed (discard, fail, broken, reset failed)
     * @param value  the outcome in [0, 1] (0 for a failure)
     * @param cause  what failed, or null
     */
    void useEndedLocked(Slot<C> slot, boolean failed, double value, Throwable cause, long now) {
        BackendState<C> b = slot.backend;
        if (b.removed) {
            return;
        }
        b.uses++;
        b.score.add(now, 1, value);
        if (failed) {
            b.useFailures++;
            b.lastUseFailure = cause;
            harvestLocked(b, now); // the successes lock-free releases recorded count too
            // Judged by failedLocked once the release has closed the connection: an ejection then keeps an idle
            // connection as its monitor instead of closing it as surplus and opening another.
        } else if (b.dead && value > 0 && !pool.isClosing()) { // a closing pool re-plans nothing
            reviveLocked(b, now, "a connection it still holds served a claim", false);
        }
    }

    /** After a failed use's connection has started closing: ejects its backend if the failures now call for it. */
    void failedLocked(BackendState<C> b, long now) {
        judgeLocked(b, now);
    }

    /** Moves the outcomes {@code b}'s slots recorded lock-free into its score. */
    void harvestLocked(BackendState<C> b, long now) {
        for (Slot<C> slot : b.slots) {
            harvestSlotLocked(slot, now);
        }
    }

    /** Moves what one slot recorded lock-free into its backend's score (also when it closes). */
    void harvestSlotLocked(Slot<C> slot, long now) {
        long uses = slot.usesRecorded();
        long du = uses - slot.harvestedUses;
        if (du <= 0) {
            return;
        }
        double shortfall = slot.shortfallRecorded();
        double ds = Math.max(0, Math.min(du, shortfall - slot.harvestedShortfall));
        slot.harvestedUses = uses;
        slot.harvestedShortfall = shortfall;
        BackendState<C> b = slot.backend;
        b.uses += du;
        b.score.add(now, du, du - ds);
    }

    /** The score tick (Housekeeper): harvests every backend and judges the ones in service. */
    void tickLocked(long now) {
        for (BackendState<C> b : pool.backends.allLocked()) {
            if (!b.removed) {
                harvestLocked(b, now);
            }
        }
        for (BackendState<C> b : pool.backends.allLocked()) {
            judgeLocked(b, now);
        }
    }

    // ---- ejection ----

    /** Ejects {@code b} if its recent uses fail often enough and the caps allow it. */
    private void judgeLocked(BackendState<C> b, long now) {
        if (maxEjectionPercent == 0 || !b.inService() || pool.isClosing()) {
            return; // a closing pool ejects nothing: claims released after close() began still end here
        }
        long outcomes = b.score.outcomes(now);
        double failing = 1.0 - b.score.score(now);
        if (outcomes < minOutcomes || failing < failureRate) {
            return;
        }
        if (!mayEjectLocked()) {
            log.debug("pool '{}': backend {} fails {} of its uses but may not be ejected: maxEjectionPercent {} "
                    + "reached, or it is the last in service", pool.name(), b.key, percent(failing),
                    maxEjectionPercent);
            return;
        }
        Throwable last = b.lastUseFailure;
        ejectLocked(b, now, "use failure rate " + percent(failing) + " over " + outcomes + " outcomes (threshold "
                + percent(failureRate) + ")" + (last == null ? "" : "; last failure: " + last));
    }

    /** Whether one more backend may be ejected: within maxEjectionPercent, and one would stay in service. */
    private boolean mayEjectLocked() {
        int backends = 0;
        int ejected = 0;
        int inService = 0;
        for (BackendState<C> b : pool.backends.allLocked()) {
            if (!b.removed) {
                backends++;
                if (b.ejected) {
                    ejected++;
                }
                if (b.inService()) {
                    inService++;
                }
            }
        }
        return (long) (ejected + 1) * 100 <= (long) backends * maxEjectionPercent && inService >= 2;
    }

    private void ejectLocked(BackendState<C> b, long now, String reason) {
        if (b.ejections > 0) {
            long inService = Math.max(0, now - b.restoredAt);
            b.ejectionLevel = (int) Math.max(0, b.ejectionLevel - inService / baseEjection);
        }
        b.ejectionLevel++;
        b.ejections++;
        b.ejected = true;
        b.ejectedScore = b.score.score(now);
        b.reason = reason;
        b.ejectionReason = reason;
        long duration = ejectionTime(b.ejectionLevel);
        b.ejectionTimer = pool.schedule(() -> ejectionEnded(b), duration);
        log.warn("pool '{}': backend {} ejected for {} ms: {}", pool.name(), b.key, duration / 1_000_000, reason);
        Backend ejected = b.backend;
        Duration time = Duration.ofNanos(duration);
        pool.events.emit(l -> l.backendEjected(ejected, reason, time));
        pool.backends.retireAllLocked(b); // every slot comes back to the lock, which parks or closes it
        pool.backends.replanLocked(now); // its share moves to the others; idle surplus closes
        parkIdleLocked(b, now);
    }

    /**
     * base x level, capped at maxEjection. Past maxEjection / base (rounded down) the product is over the cap and
     * may overflow; at that level itself it is still within the cap (base 10 s, max 25 s: level 2 is 20 s).
     */
    private long ejectionTime(int level) {
        return level > maxEjection / baseEjection ? maxEjection : Math.min(maxEjection, baseEjection * level);
    }

    /** Takes {@code b}'s idle connections out of the ring and parks them (an ejected backend keeps one). */
    private void parkIdleLocked(BackendState<C> b, long now) {
        List<Slot<C>> held = pool.idle.takeAllLocked();
        for (int i = 0; i < held.size(); i++) {
            Slot<C> slot = held.get(i);
            if (slot.backend == b) {
                held.set(i, null);
                slot.heldToIdle();
                if (pool.unwantedLocked(slot, now)) {
                    pool.closeLocked(slot);
                } else {
                    parkLocked(slot);
                }
            }
        }
        pool.restoreIdleLocked(held, now);
    }

    /** Keeps an in-hand IDLE slot of an ejected backend out of service. */
    void parkLocked(Slot<C> slot) {
        slot.idleToParked();
        slot.backend.parked.add(slot);
    }

    /** The ejection timer (clock thread): probe the monitor connection, or restore if there is none. */
    private void ejectionEnded(BackendState<C> b) {
        pool.lock();
        try {
            b.ejectionTimer = null;
            if (!b.ejected || b.removed || pool.isClosing()) {
                return;
            }
            long now = pool.clock.nanoTime();
            if (b.parked.isEmpty()) {
                restoreLocked(b, now, "its ejection time ended");
                return;
            }
            Slot<C> slot = b.parked.remove(b.parked.size() - 1);
            slot.parkedToChecking();
            b.checking++;
            pool.submitLocked(() -> probe(slot));
        } finally {
            pool.unlock();
        }
    }

    /** Runs on the executor: the probe of an ejected backend's monitor connection. */
    private void probe(Slot<C> slot) {
        boolean ok = ConnectionHooks.isHealthy(slot.connection);
        pool.lock();
        try {
            BackendState<C> b = slot.backend;
            b.checking--;
            long now = pool.clock.nanoTime();
            if (ok && b.ejected && !b.removed && !pool.isClosing()) {
                restoreLocked(b, now, "its ejection time ended and a health check of it passed");
            }
            if (ok && !pool.isClosing() && !pool.unwantedLocked(slot, now)) {
                slot.lastUsedAt = now;
                slot.checkDue = false; // just checked (Housekeeper: STAMPS)
                slot.checkingToIdle();
                pool.offerLocked(slot); // parks it again if it is (still) ejected
            } else {
                pool.closeLocked(slot);
                if (!ok && b.ejected && !b.removed && !pool.isClosing()) {
                    b.ejectionLevel++;
                    long duration = ejectionTime(b.ejectionLevel);
                    b.ejectionReason = "its health check failed when its ejection ended; " + b.ejectionReason;
                    b.reason = b.dead ? b.reason : b.ejectionReason;
                    b.ejectionTimer = pool.schedule(() -> ejectionEnded(b), duration);
                    log.info("pool '{}': backend {} failed its health check at the end of its ejection; ejected "
                            + "for {} ms more", pool.name(), b.key, duration / 1_000_000);
                }
                pool.connector.fillLocked(now);
            }
            pool.signalIfClosingLocked();
        } finally {
            pool.unlock();
        }
    }

    /** Ends an ejection: the backend gets its share again, judged afresh. */
    void restoreLocked(BackendState<C> b, long now, String how) {
        cancelEjectionLocked(b);
        b.ejected = false;
        b.restoredAt = now;
        b.reason = b.dead ? b.reason : null;
        harvestLocked(b, now); // take what its slots recorded while ejected, then drop it: judged afresh from here
        b.score.clear();
        for (Slot<C> slot : b.slots) {
            if (!slot.isClosing() && !b.dead && !slot.retireStays()) {
                slot.retire = false; // a release that already saw it takes the locked path, which re-decides
            }
        }
        log.info("pool '{}': backend {} restored: {}", pool.name(), b.key, how);
        Backend restored = b.backend;
        pool.events.emit(l -> l.backendRestored(restored));
        List<Slot<C>> parked = List.copyOf(b.parked);
        b.parked.clear();
        pool.backends.replanLocked(now);
        for (Slot<C> slot : parked) {
            slot.parkedToIdle();
            if (pool.unwantedLocked(slot, now)) {
                pool.closeLocked(slot);
            } else {
                pool.offerLocked(slot);
            }
        }
        pool.connector.fillLocked(now);
    }

    /** Closes what an ejected backend parked and stops its timer: it is removed, or the pool closes. */
    void dropLocked(BackendState<C> b) {
        cancelEjectionLocked(b);
        b.ejected = false;
        for (Slot<C> slot : b.parked) {
            slot.parkedToIdle();
            pool.closeLocked(slot);
        }
        b.parked.clear();
    }

    private void cancelEjectionLocked(BackendState<C> b) {
        if (b.ejectionTimer != null) {
            b.ejectionTimer.cancel();
            b.ejectionTimer = null;
        }
    }

    /**
     * Ejection must never empty the pool: if no backend is in service but some are ejected (others died
     * meanwhile), restores them.
     */
    void ensureServiceLocked(long now) {
        List<BackendState<C>> ejected = new java.util.ArrayList<>();
        for (BackendState<C> b : pool.backends.allLocked()) {
            if (b.inService()) {
                return;
            }
            if (!b.removed && b.ejected) {
                ejected.add(b);
            }
        }
        for (BackendState<C> b : ejected) {
            restoreLocked(b, now, "no other backend is in service");
        }
    }

    // ---- revival of a dead backend ----

    /**
     * A dead backend proved it serves (a connect, a health check or a use succeeded): live again. Its backoff
     * stands (only a successful connect ends it, in Connector), and its connect failures in a row are kept: if it
     * still refuses new connections, its next connect failure makes it dead again, no sooner than its backoff.
     */
    void reviveLocked(BackendState<C> b, long now, String how, boolean byConnect) {
        b.dead = false;
        // Live (it serves: claims may use what it holds, the pool is not FAILED), but until a connect succeeds its
        // share stays the monitor slot: the others keep the connections it cannot open yet (UNPROVEN above).
        b.unproven = !byConnect;
        b.reason = b.ejected ? b.ejectionReason : null; // `reason` said why it was dead
        for (Slot<C> slot : b.slots) {
            if (!slot.isClosing() && !b.ejected && !slot.retireStays()) {
                slot.retire = false;
            }
        }
        log.info("pool '{}': backend {} is alive again: {}", pool.name(), b.key, how);
        Backend alive = b.backend;
        pool.events.emit(l -> l.backendAlive(alive));
        pool.backends.replanLocked(now);
    }

    private static String percent(double rate) {
        return String.format(Locale.ROOT, "%.0f%%", rate * 100);
    }
}
