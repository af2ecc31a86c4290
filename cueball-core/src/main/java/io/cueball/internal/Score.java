package io.cueball.internal;

/*
 * THE SCORE (pooly's model, host.go): the decay window is cut into SLOTS time slots; each slot keeps the
 * arithmetic mean of the outcomes recorded in it (1 success, 0 failure, or a reported value in between); the
 * score is the mean of the slot means weighted by recency, the newest slot weighing SLOTS and the oldest 1.
 * Two departures from pooly, both so that the score means "how did recent uses go" and nothing else:
 *   - pooly counts a slot with no outcomes as 0.5; here empty slots are left out and the weights renormalised
 *     over the slots that have outcomes, so a quiet minute neither promotes nor demotes a backend;
 *   - a backend with no outcomes in the window scores 1.0 (innocent until a use says otherwise; new backends
 *     are tried), where pooly would give 0.5.
 * Slots are indexed by absolute time (now / slotWidth), so no timer shifts them: a slot older than the window
 * simply stops counting. Outcomes land in the slot of the instant they are recorded (the lock-free ones when
 * they are harvested, see BackendHealth).
 *
 * THREADS. Guarded by the pool lock.
 */

/**
 * A time-decayed score in [0, 1] of one backend's use outcomes (pooly's model; see the notes above). Used by the pool
 * under its lock, and by {@code cueball simulate} on simulated time. Not thread-safe.
 */
public final class Score {
    /** Time slots per decay window (pooly keeps 60 of 1 s; 20 is plenty for a weighted mean). */
    public static final int SLOTS = 20;

    private final long slotWidth;
    /** The absolute slot index (time / slotWidth) each entry holds, or Long.MIN_VALUE for never used. */
    private final long[] index = new long[SLOTS];
    private final long[] count = new long[SLOTS];
    private final double[] sum = new double[SLOTS];
    /** The last score computed and the slot it was computed in; valid until an outcome is added or time moves on. */
    private double cached;
    private long cachedSlot = Long.MIN_VALUE;

    /** @param decayNanos the decay window, {@code >= SLOTS} nanoseconds */
    public Score(long decayNanos) {
        this.slotWidth = Math.max(1, decayNanos / SLOTS);
        clear();
    }

    public long slotWidth() {
        return slotWidth;
    }

    /** Forgets every outcome (a restored backend starts afresh). */
    public void clear() {
        java.util.Arrays.fill(index, Long.MIN_VALUE);
        java.util.Arrays.fill(count, 0);
        java.util.Arrays.fill(sum, 0);
        cachedSlot = Long.MIN_VALUE;
    }

    /**
     * Records {@code outcomes} outcomes whose values add up to {@code total} at {@code now}.
     *
     * @param total the sum of the values, each in [0, 1]
     */
    public void add(long now, long outcomes, double total) {
        if (outcomes <= 0) {
            return;
        }
        long slot = Math.floorDiv(now, slotWidth);
        int i = (int) Math.floorMod(slot, (long) SLOTS);
        if (index[i] != slot) {
            index[i] = slot;
            count[i] = 0;
            sum[i] = 0;
        }
        count[i] += outcomes;
        sum[i] += total;
        cachedSlot = Long.MIN_VALUE;
    }

    /** @return the score at {@code now}: 1.0 if there are no outcomes in the window */
    public double score(long now) {
        long current = Math.floorDiv(now, slotWidth);
        if (current == cachedSlot) {
            return cached; // a claim that chooses by score asks for every backend's, every claim (Choice)
        }
        double weighted = 0;
        double weights = 0;
        for (int i = 0; i < SLOTS; i++) {
            long age = current - index[i];
            if (count[i] > 0 && age >= 0 && age < SLOTS) {
                double w = SLOTS - age;
                weighted += w * (sum[i] / count[i]);
                weights += w;
            }
        }
        cached = weights == 0 ? 1.0 : Math.min(1.0, Math.max(0.0, weighted / weights));
        cachedSlot = current;
        return cached;
    }

    /** @return how many outcomes the window holds at {@code now} */
    public long outcomes(long now) {
        long current = Math.floorDiv(now, slotWidth);
        long n = 0;
        for (int i = 0; i < SLOTS; i++) {
            long age = current - index[i];
            if (age >= 0 && age < SLOTS) {
                n += count[i];
            }
        }
        return n;
    }
}
