package io.cueball.cli;

import io.cueball.HostSelection;

/**
 * Adds up what one strategy did over the runs of a simulation, trial by trial, and turns it into a
 * {@link Result}. Filled by one thread.
 */
final class Tally {
    private final HostSelection strategy;
    private final int backends;
    private final int horizon;
    /** Per trial: the outcomes (1 success, 0 failure) added over the runs. */
    private final double[] outcomes;
    /** Per backend and trial: how many runs sent that trial to that backend. */
    private final int[][] chosen;
    private long busy;
    private int runs;

    /**
     * What one strategy did, averaged over the runs.
     *
     * @param strategy     the strategy
     * @param runs         how many runs were averaged
     * @param averageScore per trial t (0-based): the mean outcome of trials 0..t, averaged over the runs
     *                     (pooly's plot); its last value is {@code meanScore}
     * @param shareOverTime per backend, per trial t: the share of the trials in the window of {@code window}
     *                     trials ending at t that went to the backend, over all runs
     * @param window       the share plot's window, in trials
     * @param meanScore    the mean outcome over all trials and runs
     * @param shares       per backend: its share of all trials
     * @param regret       {@code horizon * best p − reward}, averaged over the runs: the successes lost against
     *                     always choosing the backend most likely to succeed
     * @param busy         the share of trials that failed because the chosen backend was at capacity
     */
    record Result(HostSelection strategy, int runs, double[] averageScore, double[][] shareOverTime, int window,
            double meanScore, double[] shares, double regret, double busy) {
    }

    /**
     * @param strategy the strategy
     * @param backends how many backends
     * @param horizon  trials per run, {@code >= 1}
     */
    Tally(HostSelection strategy, int backends, int horizon) {
        this.strategy = strategy;
        this.backends = backends;
        this.horizon = horizon;
        this.outcomes = new double[horizon];
        this.chosen = new int[backends][horizon];
    }

    /**
     * Records one trial of the current run.
     *
     * @param trial   its index in the run, 0-based
     * @param backend the index of the backend it went to
     * @param outcome 1 for a success, 0 for a failure
     * @param atCapacity whether it failed because the backend was at capacity
     */
    void record(int trial, int backend, double outcome, boolean atCapacity) {
        outcomes[trial] += outcome;
        chosen[backend][trial]++;
        if (atCapacity) {
            busy++;
        }
    }

    /** Ends a run: every trial of it has been recorded. */
    void endRun() {
        runs++;
    }

    /**
     * @param bestP the success probability of the best backend, for the regret
     * @return the averages over the runs so far (at least one)
     */
    Result result(double bestP) {
        double[] average = new double[horizon];
        double total = 0;
        for (int t = 0; t < horizon; t++) {
            total += outcomes[t];
            average[t] = total / runs / (t + 1);
        }
        // about a 25th of the horizon, and a multiple of the backends so that round-robin's turns show as the even
        // shares they are instead of a ripple
        int window = backends * Math.max(1, Math.round(horizon / 25f / backends));
        double[][] over = new double[backends][horizon];
        double[] shares = new double[backends];
        for (int b = 0; b < backends; b++) {
            long inWindow = 0;
            long all = 0;
            for (int t = 0; t < horizon; t++) {
                inWindow += chosen[b][t];
                all += chosen[b][t];
                if (t >= window) {
                    inWindow -= chosen[b][t - window];
                }
                over[b][t] = (double) inWindow / runs / Math.min(window, t + 1);
            }
            shares[b] = (double) all / runs / horizon;
        }
        double regret = horizon * bestP - total / runs;
        return new Result(strategy, runs, average, over, window, average[horizon - 1], shares, regret,
                (double) busy / runs / horizon);
    }
}
