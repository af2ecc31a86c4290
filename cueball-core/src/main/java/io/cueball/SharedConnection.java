package io.cueball;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/*
 * ONE SHARED CONNECTION'S LIFE (ConnectionSet). The set holds the connection through a long-lived claim of its pool
 * and hands out leases on it:
 *
 *     in service --drain()--> draining --last lease ends, or drain timeout--> gone (claim given back: closed)
 *
 * LEASES AND DRAINING: a Dekker pair, so that a drain never cuts a lease and never waits for one that will not come.
 * A lease increments `inFlight` and then reads `draining`; a drain writes `draining` and then reads `inFlight`
 * (all volatile). Either the lease sees the drain (and backs out, ending its count), or the drain sees the lease
 * (and leaves the give-back to the lease's end, which sees `draining` after its decrement). `gone` makes the
 * give-back happen once whoever gets there.
 */

/** A connection the set holds, its leases in flight and its drain. */
final class SharedConnection<C extends Connection> {
    final Claim<C> claim;
    final Slot<C> slot;
    final C connection;
    final Backend backend;
    /** Backend key and serial: node-cueball's connection key. */
    final String id;
    /** Leases not yet ended. */
    final AtomicInteger inFlight = new AtomicInteger();
    /** Leases handed out, ever. */
    final LongAdder served = new LongAdder();
    /** No new leases: written once, under the set's lock (see the Dekker pair above). */
    volatile boolean draining;
    /** Given back to the pool; set once, by compare-and-set. */
    final AtomicBoolean gone = new AtomicBoolean();
    /** Why it drains; written under the set's lock before `draining`. */
    String drainReason;
    /** Not null when it drains because it is broken: the give-back is then a failure (Claim.fail). */
    volatile Throwable brokenCause;
    /** Pool clock reading after which a draining connection is closed with its leases still in flight. */
    long drainDeadline;
    /**
     * The set's event count when the pool's view of this connection was last reviewed (RETIRE REVIEW in SetEngine):
     * a retired slot with an older review is not leased until the next review.
     */
    volatile long reviewedEpoch;
    /**
     * An acquire found it broken, expired or retired without a review: not leased until the next review (which
     * drains it, or clears this).
     */
    volatile boolean suspect;

    SharedConnection(Claim<C> claim, String id, long epoch) {
        this.claim = claim;
        this.slot = claim.slot;
        this.connection = slot.connection;
        this.backend = slot.backend.backend;
        this.id = id;
        this.reviewedEpoch = epoch;
    }

    /**
     * Takes one more lease if fewer than {@code max} are in flight and it is not draining.
     *
     * @return 0 if leased, 1 if it refused (full or draining), 2 if it refused and is now the last lease out of a
     *         draining connection (the caller gives it back)
     */
    int tryLease(int max) {
        for (;;) {
            int n = inFlight.get();
            if (n >= max) {
                return 1;
            }
            if (inFlight.compareAndSet(n, n + 1)) {
                break;
            }
        }
        if (draining) {
            return endLease() ? 2 : 1;
        }
        served.increment();
        return 0;
    }

    /** Ends one lease; true if that was the last one of a draining connection (the caller gives it back). */
    boolean endLease() {
        return inFlight.decrementAndGet() == 0 && draining;
    }

    @Override
    public String toString() {
        return id + "(leases=" + inFlight.get() + (draining ? ", draining: " + drainReason : "") + ")";
    }
}
