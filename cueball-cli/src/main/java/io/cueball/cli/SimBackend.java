package io.cueball.cli;

import io.cueball.Durations;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One backend of {@code cueball simulate}'s model.
 *
 * @param name      its name in the table and the plots: {@code b1}, {@code b2}, ... in the order given
 * @param p         the probability that a request it serves succeeds, in [0, 1]
 * @param latencyMs the mean of its latency, in milliseconds, {@code >= 0}: each request takes an exponentially
 *                  distributed time with this mean (0: it answers at once)
 * @param capacity  how many requests it holds in flight at most, {@code >= 1}; a request beyond that fails at once
 *                  as "busy". {@link Integer#MAX_VALUE} for no bound
 * @param weight    its resolver weight, {@code >= 0}, which only the {@code weighted} strategy reads; default 1
 */
record SimBackend(String name, double p, double latencyMs, int capacity, int weight) {
    /** No bound on the requests in flight. */
    static final int UNBOUNDED = Integer.MAX_VALUE;

    /** A backend that answers at once, with no bound on its requests in flight and weight 1. */
    static SimBackend bernoulli(String name, double p) {
        return new SimBackend(name, p, 0, UNBOUNDED, 1);
    }

    /**
     * Parses {@code --backend}'s value: comma-separated {@code key=value} pairs, {@code p} required,
     * {@code latency} (a duration as {@link Durations} reads it: {@code 5ms}, {@code 250us}; default {@code 0ms}),
     * {@code capacity} (default unbounded) and {@code weight} (default 1), e.g. {@code p=0.9,latency=5ms,capacity=4}.
     *
     * @param text    the option's value
     * @param name    the backend's name
     * @param allowed the keys this scenario accepts (the tcp scenario takes {@code p} only)
     * @return the backend
     * @throws UsageException naming the option, the value and what was expected
     */
    static SimBackend parse(String text, String name, Set<String> allowed) {
        double p = Double.NaN;
        double latency = 0;
        int capacity = UNBOUNDED;
        int weight = 1;
        Set<String> seen = new HashSet<>();
        for (String pair : text.split(",", -1)) {
            int eq = pair.indexOf('=');
            if (eq < 0) {
                throw bad(text, "'" + pair + "' is not key=value (expected for example p=0.9,latency=5ms,capacity=4)");
            }
            String key = pair.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            String value = pair.substring(eq + 1).trim();
            if (!allowed.contains(key)) {
                throw bad(text, "unknown key '" + key + "' (expected: " + String.join(", ", sorted(allowed)) + ")");
            }
            if (!seen.add(key)) {
                throw bad(text, key + " given twice");
            }
            switch (key) {
                case "p" -> {
                    p = number(text, key, value);
                    if (!(p >= 0 && p <= 1)) {
                        throw bad(text, "p: " + value + " (expected: a probability, 0 to 1)");
                    }
                }
                case "latency" -> {
                    try {
                        latency = Durations.parse("latency", value).toNanos() / 1e6;
                    } catch (IllegalArgumentException e) {
                        throw bad(text, e.getMessage());
                    }
                    if (latency > 3_600_000) {
                        throw bad(text, "latency: " + value + " (expected: at most an hour)");
                    }
                }
                case "capacity" -> {
                    capacity = integer(text, key, value);
                    if (capacity < 1) {
                        throw bad(text, "capacity: " + value + " (expected: >= 1 request in flight)");
                    }
                }
                case "weight" -> {
                    weight = integer(text, key, value);
                    if (weight < 0) {
                        throw bad(text, "weight: " + value + " (expected: >= 0)");
                    }
                }
                default -> throw new AssertionError(key);
            }
        }
        if (Double.isNaN(p)) {
            throw bad(text, "p is missing (expected for example p=0.9)");
        }
        return new SimBackend(name, p, latency, capacity, weight);
    }

    /** @return how the table's header describes it, e.g. {@code b1 p=0.90 latency=5ms capacity=4} */
    String describe() {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%s p=%.2f", name, p));
        if (latencyMs > 0) {
            s.append(" latency=").append(plain(latencyMs)).append("ms");
        }
        if (capacity != UNBOUNDED) {
            s.append(" capacity=").append(capacity);
        }
        if (weight != 1) {
            s.append(" weight=").append(weight);
        }
        return s.toString();
    }

    /** @return the number without a fraction when it has none: 5, 0.25 */
    static String plain(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    private static double number(String text, String key, String value) {
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw bad(text, key + ": '" + value + "' is not a number");
        }
    }

    private static int integer(String text, String key, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw bad(text, key + ": '" + value + "' is not a whole number");
        }
    }

    private static List<String> sorted(Set<String> keys) {
        return keys.stream().sorted(Comparator.comparing(SimBackend::order)).toList();
    }

    private static int order(String key) {
        return switch (key) {
            case "p" -> 0;
            case "latency" -> 1;
            case "capacity" -> 2;
            default -> 3;
        };
    }

    private static UsageException bad(String text, String why) {
        return new UsageException("--backend '" + text + "': " + why);
    }
}
