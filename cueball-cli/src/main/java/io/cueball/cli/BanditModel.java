package io.cueball.cli;

import io.cueball.HostSelection;
import io.cueball.PoolOptions;
import io.cueball.internal.Score;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * The Monte Carlo model behind {@code cueball simulate}'s {@code pooly} and {@code custom} scenarios: a
 * discrete-event simulation of one client choosing among backends with a {@link HostSelection} strategy.
 *
 * <p><b>The model.</b> Requests arrive as a Poisson process (exponential gaps with mean 1/rate). For each, the
 * strategy ({@link HostSelection#choose}, the pool's own code) picks a backend from the backends' current scores,
 * their weights and their requests in flight, with the request's index as round-robin's turn. If the backend
 * already holds {@link SimBackend#capacity()} requests in flight, the request fails at once ("busy", outcome 0).
 * Otherwise it succeeds with the backend's probability {@code p} (outcome 1, else 0) and completes after an
 * exponentially distributed latency with the backend's mean; its outcome reaches the backend's score only then,
 * so a strategy decides with what it has learnt so far. A busy failure reaches the score at once.
 *
 * <p><b>The score</b> is the pool's own {@link io.cueball.internal.Score}: the recency-weighted mean of outcomes over
 * the pool's default decay window ({@link PoolOptions#DEFAULT_SCORE_DECAY}, one minute of simulated time), 1.0
 * before any outcome.
 *
 * <p><b>Randomness.</b> Run r of every strategy draws its arrivals, outcomes and latencies from the same stream
 * (three draws per request, whatever happens), split from {@code seed}; the strategy's own choices come from a
 * second stream. So strategies are compared on the same luck (common random numbers), and the same seed gives
 * the same numbers.
 */
final class BanditModel {
    private static final long SCORE_DECAY_NANOS = PoolOptions.DEFAULT_SCORE_DECAY.toNanos();

    private final List<SimBackend> backends;
    private final double ratePerSecond;

    /** A request in flight: when it completes, on which backend, with which outcome. */
    private record Completion(long at, long order, int backend, double outcome) {
    }

    /**
     * @param backends      the backends, at least one
     * @param ratePerSecond the mean arrival rate of requests, {@code > 0}
     */
    BanditModel(List<SimBackend> backends, double ratePerSecond) {
        this.backends = List.copyOf(backends);
        this.ratePerSecond = ratePerSecond;
    }

    /**
     * Runs a strategy {@code runs} times for {@code horizon} requests each.
     *
     * @param strategy the strategy
     * @param horizon  requests per run, {@code >= 1}
     * @param runs     runs to average, {@code >= 1}
     * @param seed     the seed of every random draw
     * @return the averages
     */
    Tally.Result run(HostSelection strategy, int horizon, int runs, long seed) {
        int n = backends.size();
        Tally tally = new Tally(strategy, n, horizon);
        SplittableRandom root = new SplittableRandom(seed);
        double[] scores = new double[n];
        int[] weights = new int[n];
        for (int b = 0; b < n; b++) {
            weights[b] = backends.get(b).weight();
        }
        for (int r = 0; r < runs; r++) {
            SplittableRandom world = root.split();
            SplittableRandom choices = root.split();
            Score[] score = new Score[n];
            for (int b = 0; b < n; b++) {
                score[b] = new Score(SCORE_DECAY_NANOS);
            }
            int[] inFlight = new int[n];
            PriorityQueue<Completion> pending = new PriorityQueue<>((x, y) -> x.at != y.at
                    ? Long.compare(x.at, y.at) : Long.compare(x.order, y.order));
            long now = 0;
            for (int i = 0; i < horizon; i++) {
                now += exponentialNanos(world, 1e9 / ratePerSecond);
                double success = world.nextDouble();
                // drawn before the choice, in units of the chosen backend's mean, so every strategy meets the
                // same luck whatever it chooses
                double latency = -StrictMath.log1p(-world.nextDouble());
                while (!pending.isEmpty() && pending.peek().at <= now) {
                    Completion c = pending.poll();
                    inFlight[c.backend]--;
                    score[c.backend].add(c.at, 1, c.outcome);
                }
                for (int b = 0; b < n; b++) {
                    scores[b] = score[b].score(now);
                }
                int chosen = strategy.choose(scores, weights, inFlight, n, i, choices);
                SimBackend backend = backends.get(chosen);
                if (inFlight[chosen] >= backend.capacity()) {
                    score[chosen].add(now, 1, 0);
                    tally.record(i, chosen, 0, true);
                    continue;
                }
                double outcome = success < backend.p() ? 1 : 0;
                long done = now + Math.round(latency * backend.latencyMs() * 1e6);
                inFlight[chosen]++;
                pending.add(new Completion(done, i, chosen, outcome));
                tally.record(i, chosen, outcome, false);
            }
            tally.endRun();
        }
        return tally.result(backends.stream().mapToDouble(SimBackend::p).max().orElseThrow());
    }

    /** An exponentially distributed time with the given mean, in nanoseconds. */
    private static long exponentialNanos(SplittableRandom random, double meanNanos) {
        return Math.round(-StrictMath.log1p(-random.nextDouble()) * meanNanos);
    }
}
