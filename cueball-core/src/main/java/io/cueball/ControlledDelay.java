package io.cueball;

import java.util.concurrent.TimeUnit;

/*
 * CLAIM QUEUE DELAY CONTROL (targetClaimDelay): CoDel (Nichols and Jacobson, "Controlling Queue Delay", ACM Queue
 * 2012; RFC 8289) applied to waiting claims as node-cueball does (lib/codel.js): each time a connection is about to
 * be handed to a waiting claim, `overloaded(now, start)` says whether to fail that claim instead. Claims are
 * judged by how long they waited (their sojourn). Once every claim served over a whole INTERVAL waited longer than
 * the target, the queue is overloaded: the claim being served is dropped, and so is one more each INTERVAL/sqrt(n)
 * (n drops so far, RFC 8289's control law: node-cueball, which leaves drop_next where it was, drops every claim
 * once dropping), until a claim is served within the target. As in CoDel, the first drop comes once the sojourn
 * has stayed above target for two intervals, unless the last dropping state ended less than an interval ago, and
 * then the rate resumes near where it was (n - 2). `maxWaitNanos` is node-cueball's getMaxIdle: a claim waits at
 * most 10 x target, or 3 x target once the queue has not been empty for 10 x target.
 *
 * Pure and under the pool lock: every instant is the pool clock's, passed in, so tests drive it exactly.
 */

/** The claim queue's delay control (CoDel), after node-cueball's ControlledDelay. Under the pool lock. */
final class ControlledDelay {
    /** CoDel's interval, as node-cueball's CODEL_INTERVAL (100 ms). */
    static final long INTERVAL = TimeUnit.MILLISECONDS.toNanos(100);

    private final long target;
    /** When the sojourn first went above target, plus INTERVAL; valid while aboveSince. */
    private long firstAboveTime;
    private boolean above;
    private long dropNext;
    private boolean everDropped;
    private int count;
    private boolean dropping;
    private long lastEmpty;

    ControlledDelay(long targetNanos, long now) {
        this.target = targetNanos;
        this.lastEmpty = now;
    }

    /** Whether the sojourn has stayed above target for a whole interval (CoDel's ok_to_drop). */
    private boolean canDrop(long now, long start) {
        long sojourn = now - start;
        if (sojourn < target) {
            above = false;
        } else if (!above) {
            above = true;
            firstAboveTime = now + INTERVAL;
        } else if (now - firstAboveTime >= 0) {
            return true;
        }
        return false;
    }

    /**
     * Called as a connection is about to go to a claim that began waiting at {@code start}.
     *
     * @return true to fail that claim instead
     */
    boolean overloaded(long now, long start) {
        boolean okToDrop = canDrop(now, start);
        if (dropping) {
            if (!okToDrop) {
                dropping = false;
                return false;
            }
            if (now - dropNext >= 0) {
                count++;
                dropNext += (long) (INTERVAL / Math.sqrt(count)); // RFC 8289's control law, from the last drop
                return true;
            }
            return false;
        }
        boolean recently = everDropped && now - dropNext < INTERVAL;
        if (okToDrop && (recently || now - firstAboveTime >= INTERVAL)) {
            dropping = true;
            count = recently ? Math.max(1, count - 2) : 1;
            dropNext = now + (long) (INTERVAL / Math.sqrt(count));
            everDropped = true;
            return true;
        }
        return false;
    }

    /** The queue is empty at {@code now}. */
    void empty(long now) {
        lastEmpty = now;
        above = false;
    }

    /** How long a claim that begins waiting now may wait: 10 x target, or 3 x once the queue stayed full. */
    long maxWaitNanos(long now, boolean queueEmpty) {
        if (queueEmpty) {
            lastEmpty = now;
        }
        long bound = times(10, target);
        return now - lastEmpty > bound ? times(3, target) : bound;
    }

    /** k x nanos, or "forever" (Long.MAX_VALUE / 2, which a deadline can add) if that does not fit. */
    private static long times(int k, long nanos) {
        return nanos > Long.MAX_VALUE / 2 / k ? Long.MAX_VALUE / 2 : k * nanos;
    }

    /** Whether it is dropping now: for stats and tests. */
    boolean dropping() {
        return dropping;
    }

    long target() {
        return target;
    }
}
