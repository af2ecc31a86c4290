package io.cueball;

import java.util.Locale;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How a pool chooses among its backends: which backend serves a claim, and what share of the pool's connections
 * each backend is given. Immutable; pass one to {@link ConnectionPool.Builder#hostSelection(HostSelection)}.
 *
 * <p>The strategies, after pooly (a Go pool that picks hosts with multi-armed bandits over their scores) and the
 * load-aware choice of Finagle and gRPC:
 * <ul>
 *   <li>{@link #roundRobin()} (the default): every live backend gets an even share of connections (or a share
 *       in proportion to the resolver's weights, {@link Backend#weight()}, when they differ; all 0 counts as all
 *       equal), and claims take turns over them;</li>
 *   <li>{@link #weighted()}: the same shares, and each claim chosen at random in proportion to the weights;</li>
 *   <li>{@link #epsilonGreedy(double) epsilonGreedy(ε)}: with probability 1 − ε the backend with the best health
 *       score (ties broken at random), else one chosen uniformly at random (pooly's {@code EpsilonGreedy});</li>
 *   <li>{@link #softmax(double) softmax(τ)}: backend <i>i</i> with probability
 *       exp(s<sub>i</sub>/τ) / Σ<sub>j</sub> exp(s<sub>j</sub>/τ), where s is the health score in [0, 1]
 *       (pooly's {@code SoftMax}; a low temperature exploits, a high one explores);</li>
 *   <li>{@link #leastInUse()}: of two backends chosen at random, the one with fewer claimed connections (the
 *       power of two choices, as Finagle's and gRPC's least-loaded balancers do); shares as round-robin's.</li>
 * </ul>
 * The health score is the pool's time-decayed mean of use outcomes ({@link BackendStats#score()}): 1.0 for a
 * backend with no outcomes yet, so a new backend is tried.
 *
 * <p>{@link #choose} and {@link #shares} are pure functions of their arguments (the random source is passed in),
 * so a simulation and the pool make the same choices from the same seed.
 */
public final class HostSelection {
    /** The strategies. */
    public enum Kind {
        /** Even shares, claims in turn. */
        ROUND_ROBIN,
        /** Shares and claims by resolver weight. */
        WEIGHTED,
        /** The best score with probability 1 − ε, else uniformly at random. */
        EPSILON_GREEDY,
        /** Probability proportional to exp(score / temperature). */
        SOFTMAX,
        /** The fewer claimed connections of two chosen at random. */
        LEAST_IN_USE
    }

    private static final HostSelection ROUND_ROBIN = new HostSelection(Kind.ROUND_ROBIN, 0);
    private static final HostSelection WEIGHTED = new HostSelection(Kind.WEIGHTED, 0);
    private static final HostSelection LEAST_IN_USE = new HostSelection(Kind.LEAST_IN_USE, 0);

    private final Kind kind;
    /** ε for EPSILON_GREEDY, the temperature for SOFTMAX, else 0. */
    private final double parameter;

    private HostSelection(Kind kind, double parameter) {
        this.kind = kind;
        this.parameter = parameter;
    }

    /** @return round-robin: even shares, claims in turn (the default) */
    public static HostSelection roundRobin() {
        return ROUND_ROBIN;
    }

    /** @return shares and claims in proportion to the resolver's weights */
    public static HostSelection weighted() {
        return WEIGHTED;
    }

    /**
     * @param epsilon the probability of exploring (a backend chosen uniformly at random), in [0, 1]
     * @return epsilon-greedy over the health scores
     * @throws IllegalArgumentException if epsilon is outside [0, 1] or NaN, naming the value
     */
    public static HostSelection epsilonGreedy(double epsilon) {
        if (!(epsilon >= 0 && epsilon <= 1)) {
            throw new IllegalArgumentException("epsilon: " + epsilon + " (expected: 0 to 1)");
        }
        return new HostSelection(Kind.EPSILON_GREEDY, epsilon);
    }

    /**
     * @param temperature how much the choice explores, {@code > 0} and finite: scores are in [0, 1], so 0.1
     *                    strongly prefers the best backend and 10 is close to uniform
     * @return softmax over the health scores
     * @throws IllegalArgumentException if the temperature is not positive and finite, naming the value
     */
    public static HostSelection softmax(double temperature) {
        if (!(temperature > 0 && temperature < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("temperature: " + temperature + " (expected: > 0 and finite)");
        }
        return new HostSelection(Kind.SOFTMAX, temperature);
    }

    /** @return the fewer claimed connections of two backends chosen at random; shares as round-robin's */
    public static HostSelection leastInUse() {
        return LEAST_IN_USE;
    }

    /**
     * Parses the CLI's and properties' form: {@code round-robin}, {@code weighted}, {@code epsilon-greedy:0.1},
     * {@code softmax:0.2}, {@code least-in-use}.
     *
     * @param text the strategy
     * @return it
     * @throws IllegalArgumentException if the text names no strategy or its parameter is missing or invalid,
     *                                  quoting the text
     */
    public static HostSelection parse(String text) {
        Objects.requireNonNull(text, "text");
        String t = text.trim().toLowerCase(Locale.ROOT);
        int colon = t.indexOf(':');
        String name = colon < 0 ? t : t.substring(0, colon);
        String arg = colon < 0 ? null : t.substring(colon + 1);
        try {
            switch (name) {
                case "round-robin":
                    return noArgument(arg, text, ROUND_ROBIN);
                case "weighted":
                    return noArgument(arg, text, WEIGHTED);
                case "least-in-use":
                    return noArgument(arg, text, LEAST_IN_USE);
                case "epsilon-greedy":
                    return epsilonGreedy(number(arg, text));
                case "softmax":
                    return softmax(number(arg, text));
                default:
                    throw new IllegalArgumentException("host selection '" + text + "': expected round-robin, "
                            + "weighted, epsilon-greedy:EPSILON, softmax:TEMPERATURE or least-in-use");
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("host selection '" + text + "': " + arg + " is not a number", e);
        }
    }

    private static HostSelection noArgument(String arg, String text, HostSelection s) {
        if (arg != null) {
            throw new IllegalArgumentException("host selection '" + text + "': " + s.kind.name().toLowerCase(
                    Locale.ROOT).replace('_', '-') + " takes no parameter");
        }
        return s;
    }

    private static double number(String arg, String text) {
        if (arg == null || arg.isEmpty()) {
            throw new IllegalArgumentException("host selection '" + text + "': a parameter is expected, e.g. "
                    + "epsilon-greedy:0.1 or softmax:0.2");
        }
        return Double.parseDouble(arg);
    }

    /** @return which strategy */
    public Kind kind() {
        return kind;
    }

    /** @return ε for epsilon-greedy, the temperature for softmax, else 0 */
    public double parameter() {
        return parameter;
    }

    /** @return whether claims are steered by the health scores (epsilon-greedy and softmax) */
    public boolean usesScores() {
        return kind == Kind.EPSILON_GREEDY || kind == Kind.SOFTMAX;
    }

    /**
     * Chooses which of {@code n} candidates serves the next claim.
     *
     * @param scores  each candidate's health score, in [0, 1]
     * @param weights each candidate's resolver weight, {@code >= 0}
     * @param inUse   each candidate's claimed connections
     * @param n       how many candidates, {@code >= 1} (the arrays may be longer)
     * @param turn    a counter the caller advances by one per choice: round-robin takes candidate
     *                {@code turn mod n} when the weights are all equal (or all 0), and chooses at random in
     *                proportion to them otherwise
     * @param random  the source of randomness (the pool's, seeded)
     * @return the index of the chosen candidate, in [0, n)
     * @throws IllegalArgumentException if n is below 1
     */
    public int choose(double[] scores, int[] weights, int[] inUse, int n, long turn, RandomGenerator random) {
        if (n < 1) {
            throw new IllegalArgumentException("n: " + n + " (expected: >= 1)");
        }
        if (n == 1) {
            return 0;
        }
        switch (kind) {
            case ROUND_ROBIN:
                if (equal(weights, n)) {
                    return (int) Math.floorMod(turn, (long) n);
                }
                return byWeight(weights, n, random);
            case WEIGHTED:
                return byWeight(weights, n, random);
            case EPSILON_GREEDY:
                if (random.nextDouble() < parameter) {
                    return random.nextInt(n);
                }
                return best(scores, n, random);
            case SOFTMAX: {
                double max = max(scores, n);
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    sum += Math.exp((scores[i] - max) / parameter);
                }
                double r = random.nextDouble() * sum;
                for (int i = 0; i < n; i++) {
                    r -= Math.exp((scores[i] - max) / parameter);
                    if (r < 0) {
                        return i;
                    }
                }
                return n - 1;
            }
            case LEAST_IN_USE: {
                int a = random.nextInt(n);
                int b = random.nextInt(n - 1);
                if (b >= a) {
                    b++;
                }
                return inUse[b] < inUse[a] ? b : a;
            }
            default:
                throw new AssertionError(kind);
        }
    }

    /**
     * The share of connections each candidate should get: in proportion to the weights for round-robin, weighted
     * and least-in-use (all 0 or all equal: even), the strategy's distribution over the scores for epsilon-greedy
     * and softmax. They add up to 1.
     *
     * @param scores  each candidate's health score, in [0, 1]
     * @param weights each candidate's resolver weight, {@code >= 0}
     * @param n       how many candidates (the arrays may be longer)
     * @param out     receives the shares, at the same indexes
     */
    public void shares(double[] scores, int[] weights, int n, double[] out) {
        if (n == 0) {
            return;
        }
        switch (kind) {
            case ROUND_ROBIN:
            case LEAST_IN_USE:
            case WEIGHTED: {
                long total = 0;
                for (int i = 0; i < n; i++) {
                    total += weights[i];
                }
                for (int i = 0; i < n; i++) {
                    out[i] = total == 0 ? 1.0 / n : (double) weights[i] / total;
                }
                return;
            }
            case EPSILON_GREEDY: {
                double max = max(scores, n);
                int ties = 0;
                for (int i = 0; i < n; i++) {
                    ties += scores[i] == max ? 1 : 0;
                }
                for (int i = 0; i < n; i++) {
                    out[i] = parameter / n + (scores[i] == max ? (1 - parameter) / ties : 0);
                }
                return;
            }
            case SOFTMAX: {
                double max = max(scores, n);
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    out[i] = Math.exp((scores[i] - max) / parameter);
                    sum += out[i];
                }
                for (int i = 0; i < n; i++) {
                    out[i] /= sum;
                }
                return;
            }
            default:
                for (int i = 0; i < n; i++) {
                    out[i] = 1.0 / n;
                }
        }
    }

    private static boolean equal(int[] weights, int n) {
        for (int i = 1; i < n; i++) {
            if (weights[i] != weights[0]) {
                return false;
            }
        }
        return true;
    }

    /** At random in proportion to the weights; uniformly if they are all 0. */
    private static int byWeight(int[] weights, int n, RandomGenerator random) {
        long total = 0;
        for (int i = 0; i < n; i++) {
            total += weights[i];
        }
        if (total == 0) {
            return random.nextInt(n);
        }
        long r = random.nextLong(total);
        for (int i = 0; i < n; i++) {
            r -= weights[i];
            if (r < 0) {
                return i;
            }
        }
        return n - 1;
    }

    private static double max(double[] scores, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, scores[i]);
        }
        return max;
    }

    /** The index of the best score; ties broken uniformly at random (reservoir sampling, no allocation). */
    private static int best(double[] scores, int n, RandomGenerator random) {
        double max = Double.NEGATIVE_INFINITY;
        int chosen = 0;
        int ties = 0;
        for (int i = 0; i < n; i++) {
            if (scores[i] > max) {
                max = scores[i];
                chosen = i;
                ties = 1;
            } else if (scores[i] == max && random.nextInt(++ties) == 0) {
                chosen = i;
            }
        }
        return chosen;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HostSelection h && h.kind == kind && Double.compare(h.parameter, parameter) == 0;
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + Double.hashCode(parameter);
    }

    /** @return the {@link #parse} form, e.g. {@code softmax:0.2} */
    @Override
    public String toString() {
        String name = kind.name().toLowerCase(Locale.ROOT).replace('_', '-');
        return usesScores() ? name + ":" + parameter : name;
    }
}
