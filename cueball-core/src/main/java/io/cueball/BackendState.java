package io.cueball;

import java.util.HashSet;
import java.util.Set;

/** The pool's view of one backend. Guarded by the pool lock. */
final class BackendState<C extends Connection> {
    final String key;
    Backend backend;

    boolean removed;
    boolean dead;
    /** Waiting out a backoff delay: no connect until the retry timer clears it. */
    boolean backingOff;
    PoolClock.Timer retryTimer;

    int target;
    int connecting;
    int checking;
    int closing;
    /** Every open slot of this backend (idle, claimed, checking or closing). */
    final Set<Slot<C>> slots = new HashSet<>();

    int consecutiveFailures;
    Throwable lastError;
    long connectsSucceeded;
    long connectsFailed;
    /** Claims served by this backend's connections that have since closed. */
    long claimsOfClosed;

    BackendState(Backend backend) {
        this.backend = backend;
        this.key = backend.key();
    }

    /** The target, except that a dead backend never holds more than its one monitor slot. */
    int effectiveTarget() {
        return dead ? Math.min(1, target) : target;
    }

    /** Connections that are or will soon be usable (all but closing ones); what a target is compared with. */
    int count() {
        return connecting + slots.size() - closing;
    }

    BackendStatus status() {
        return removed ? BackendStatus.REMOVED : dead ? BackendStatus.DEAD : BackendStatus.LIVE;
    }

    /**
     * A snapshot. Idle and claimed are read from the slots' states, which lock-free claims and releases write
     * without the lock: exact when the pool is quiet, a moment behind while claims run.
     */
    BackendStats stats() {
        int idle = 0;
        int claimed = 0;
        long claims = claimsOfClosed;
        for (Slot<C> slot : slots) {
            claims += slot.claims;
            if (slot.isClaimed()) {
                claimed++;
            } else if (!slot.isClosing()) {
                idle++; // idle or being health-checked
            }
        }
        return new BackendStats(backend, status(), target, idle, claimed, connecting,
                consecutiveFailures, connectsSucceeded, connectsFailed, claims, lastError);
    }
}
