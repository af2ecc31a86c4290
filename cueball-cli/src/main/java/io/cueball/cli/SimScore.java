package io.cueball.cli;

import java.util.Arrays;

/**
 * A simulated backend's score, computed the way the pool computes a backend's use score (core's package-private
 * {@code io.cueball.Score}, which the simulator cannot reach), on the simulation's clock.
 *
 * <p>The decay window is cut into {@value #SLOTS} time slots, indexed by absolute time; each slot keeps the
 * arithmetic mean of the outcomes recorded in it (1 success, 0 failure). The score is the mean of the slot means
 * weighted by recency, the newest slot weighing {@value #SLOTS} and the oldest 1, over the slots that hold
 * outcomes; 1.0 when none does (optimistic: a backend nobody has tried yet looks perfect, so it gets tried).
 *
 * <p>Against pooly ({@code host.go}): pooly keeps 60 slots of 1 s and counts an empty slot as 0.5, and a host
 * with no outcomes scores 0.5. When every outcome falls into one slot, as in pooly's own 250-trial simulations
 * (about 1 ms a trial) and in this simulator's {@code pooly} scenario, both reduce to the arithmetic mean of the
 * backend's outcomes so far, apart from the value before the first outcome.
 */
final class SimScore {
    /** Time slots per decay window, as in the pool. */
    static final int SLOTS = 20;

    private final long slotWidth;
    private final long[] index = new long[SLOTS];
    private final long[] count = new long[SLOTS];
    private final double[] sum = new double[SLOTS];

    /** @param decayNanos the decay window in simulated nanoseconds, {@code >= SLOTS} */
    SimScore(long decayNanos) {
        this.slotWidth = Math.max(1, decayNanos / SLOTS);
        Arrays.fill(index, Long.MIN_VALUE);
    }

    /** Records one outcome, 1 or 0, at simulated time {@code now} (nanoseconds). */
    void add(long now, double outcome) {
        long slot = Math.floorDiv(now, slotWidth);
        int i = (int) Math.floorMod(slot, (long) SLOTS);
        if (index[i] != slot) {
            index[i] = slot;
            count[i] = 0;
            sum[i] = 0;
        }
        count[i]++;
        sum[i] += outcome;
    }

    /** @return the score at simulated time {@code now}: 1.0 if the window holds no outcome */
    double score(long now) {
        long current = Math.floorDiv(now, slotWidth);
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
        return weights == 0 ? 1.0 : weighted / weights;
    }
}
