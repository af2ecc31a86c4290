package io.cueball;

import io.cueball.internal.Score;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The pool's view of one backend. Guarded by the pool lock. */
final class BackendState<C extends Connection> {
    final String key;
    Backend backend;

    boolean removed;

    // ---- connect health (Connector) ----
    /** deadAfterFailures connect failures in a row; cleared by a successful connect, check or use. */
    boolean dead;
    /** Revived by a use or a health check, not yet by a connect: live, but its share is the monitor slot. */
    boolean unproven;
    /** Waiting out a backoff delay: no connect until the retry timer clears it. */
    boolean backingOff;
    PoolClock.Timer retryTimer;
    /** Connect failures since the last successful connect (what makes a backend dead). */
    int connectFailures;
    /** Backoff rounds since the last successful connect: one per round of failures, not per failed connect. */
    int backoffLevel;
    /** When the last probe a claim triggered started (while the pool is FAILED), for the rate limit. */
    long lastProbeAt;
    boolean probed;

    // ---- use health (BackendHealth) ----
    final Score score;
    /** Ejected as an outlier by its use outcomes: its share moves away; its monitor slot is PARKED. */
    boolean ejected;
    PoolClock.Timer ejectionTimer;
    /** Consecutive ejections, less one for each baseEjectionTime it has since spent in service. */
    int ejectionLevel;
    long restoredAt;
    /** Its score when it was ejected: what stats show while it is ejected (its window empties meanwhile). */
    double ejectedScore;
    /** Ejections, ever. */
    long ejections;
    /** Use outcomes recorded under the lock or harvested from its slots, ever; and the failed ones. */
    long uses;
    long useFailures;
    /** What the last failed use reported, or null. */
    Throwable lastUseFailure;
    /** The outcome that ejected it, or the last error that made it dead: shown in stats while it lasts. */
    String reason;
    /** Why it is ejected, kept apart from `reason`, which says why it is dead while it is both. */
    String ejectionReason;
    /** PARKED slots: the open connections of an ejected backend, kept out of service. */
    final List<Slot<C>> parked = new ArrayList<>(1);

    int target;
    int connecting;
    int checking;
    int closing;
    /** Its IDLE slots, oldest first, when the pool's claims choose their backend (Choice); else empty. */
    final java.util.ArrayDeque<Slot<C>> idleSlots = new java.util.ArrayDeque<>(2);
    /** Its index in Choice's list of backends with idle slots, or -1. */
    int choiceIndex = -1;
    /** Every open slot of this backend (idle, claimed, checking or closing). */
    final Set<Slot<C>> slots = new HashSet<>();

    Throwable lastError;
    long connectsSucceeded;
    long connectsFailed;
    /** Claims served by this backend's connections that have since closed. */
    long claimsOfClosed;

    BackendState(Backend backend, long scoreDecayNanos) {
        this.backend = backend;
        this.key = backend.key();
        this.score = new Score(scoreDecayNanos);
    }

    /** The target, except that a dead, ejected or unproven backend never holds more than its one monitor slot. */
    int effectiveTarget() {
        return dead || ejected || unproven ? Math.min(1, target) : target;
    }

    /** Not removed, not dead, not ejected: it serves claims (an unproven one with its monitor slot only). */
    boolean inService() {
        return !removed && !dead && !ejected;
    }

    /** What the plan treats as out of service: one monitor slot at most. */
    boolean monitorOnly() {
        return dead || ejected || unproven;
    }

    /** Connections that are or will soon be usable (all but closing ones); what a target is compared with. */
    int count() {
        return connecting + slots.size() - closing;
    }

    BackendStatus status() {
        return removed ? BackendStatus.REMOVED : dead ? BackendStatus.DEAD
                : ejected ? BackendStatus.EJECTED : BackendStatus.LIVE;
    }

    /**
     * A snapshot. Idle and claimed are read from the slots' states, which lock-free claims and releases write
     * without the lock: exact when the pool is quiet, a moment behind while claims run.
     */
    BackendStats stats(long now) {
        int idle = 0;
        int claimed = 0;
        long claims = claimsOfClosed;
        for (Slot<C> slot : slots) {
            claims += slot.claims;
            if (slot.isClaimed()) {
                claimed++;
            } else if (!slot.isClosing()) {
                idle++; // idle, parked or being health-checked
            }
        }
        BackendStatus status = status();
        double shown = ejected ? ejectedScore : score.score(now);
        String why = status == BackendStatus.DEAD || status == BackendStatus.EJECTED ? reason : null;
        return new BackendStats(backend, status, target, idle, claimed, connecting, connectFailures,
                connectsSucceeded, connectsFailed, claims, lastError, shown, uses, useFailures, ejections, why);
    }
}
