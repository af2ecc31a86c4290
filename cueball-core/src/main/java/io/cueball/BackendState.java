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
    int idle;
    int claimed;
    int checking;
    int closing;
    /** Every open slot of this backend (idle, claimed, checking or closing). */
    final Set<Slot<C>> slots = new HashSet<>();

    int consecutiveFailures;
    Throwable lastError;
    long connectsSucceeded;
    long connectsFailed;
    long claims;

    BackendState(Backend backend) {
        this.backend = backend;
        this.key = backend.key();
    }

    /** The target, except that a dead backend never holds more than its one monitor slot. */
    int effectiveTarget() {
        return dead ? Math.min(1, target) : target;
    }

    /** Connections that are or will soon be usable; what a target is compared with. */
    int count() {
        return connecting + idle + claimed + checking;
    }

    BackendStatus status() {
        return removed ? BackendStatus.REMOVED : dead ? BackendStatus.DEAD : BackendStatus.LIVE;
    }

    BackendStats stats() {
        return new BackendStats(backend, status(), target, idle + checking, claimed, connecting,
                consecutiveFailures, connectsSucceeded, connectsFailed, claims, lastError);
    }
}
