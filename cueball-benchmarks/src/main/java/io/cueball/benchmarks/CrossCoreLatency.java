package io.cueball.benchmarks;

import java.util.Arrays;

/**
 * How long one cache line takes to go from one core to another and back: two threads take turns
 * incrementing one volatile counter. On a VM this moves with where the host places the vCPUs, and every pool
 * that shares state between threads moves with it, so {@code run.sh} prints it before and after the
 * benchmarks.
 *
 * <p>Prints the median of five rounds, in nanoseconds per round trip, and the rounds themselves.
 */
public final class CrossCoreLatency {
    private static volatile long counter;

    private CrossCoreLatency() {
    }

    /**
     * Runs the measurement.
     *
     * @param args unused
     * @throws InterruptedException if interrupted while joining the other thread
     */
    public static void main(String[] args) throws InterruptedException {
        int trips = 1_000_000;
        double[] rounds = new double[5];
        for (int r = 0; r < rounds.length; r++) {
            counter = 0;
            Thread other = new Thread(() -> {
                for (long i = 1; i < 2L * trips; i += 2) {
                    while (counter != i) {
                        Thread.onSpinWait();
                    }
                    counter = i + 1;
                }
            }, "cross-core-latency");
            other.setDaemon(true);
            other.start();
            long start = System.nanoTime();
            for (long i = 0; i < 2L * trips; i += 2) {
                while (counter != i) {
                    Thread.onSpinWait();
                }
                counter = i + 1;
            }
            other.join();
            rounds[r] = (System.nanoTime() - start) / (double) trips;
        }
        double[] sorted = rounds.clone();
        Arrays.sort(sorted);
        StringBuilder each = new StringBuilder();
        for (double d : rounds) {
            each.append(each.length() == 0 ? "" : ", ").append(Math.round(d));
        }
        System.out.println(Math.round(sorted[sorted.length / 2]) + " ns (rounds: " + each + ")");
    }
}
