package io.cueball.benchmarks;

import java.util.Locale;

/**
 * Claim waits in nanoseconds, counted in log-linear buckets: exact below 128 ns, then 64 buckets per power of
 * two, so a bucket is at most 1/64 (1.6 %) of its value wide. The largest value is kept exactly. One instance per
 * thread (not thread-safe); {@link #add} merges them after the run.
 *
 * <p>A percentile is the upper edge of the bucket that holds it (an overestimate of at most 1.6 %). A count above a
 * threshold counts the bucket that straddles it when its midpoint lies above.
 */
final class WaitHistogram {
    private static final int SUB_BITS = 6;
    private static final int SUB = 1 << SUB_BITS;
    private static final int LINEAR = 2 * SUB;
    /** Waits are counted up to 2^41 ns (36 minutes, far beyond any claim timeout here); longer ones in the last bucket. */
    private static final long CEILING = (1L << 41) - 1;
    private static final int BUCKETS = index(CEILING) + 1;

    private final long[] counts = new long[BUCKETS];
    private long total;
    private long max;

    /** Counts one wait. */
    void record(long nanos) {
        long v = Math.max(0, nanos);
        counts[index(v)]++;
        total++;
        if (v > max) {
            max = v;
        }
    }

    /** Adds another histogram's counts to this one. */
    void add(WaitHistogram other) {
        for (int i = 0; i < BUCKETS; i++) {
            counts[i] += other.counts[i];
        }
        total += other.total;
        max = Math.max(max, other.max);
    }

    /** Forgets every count. */
    void reset() {
        java.util.Arrays.fill(counts, 0);
        total = 0;
        max = 0;
    }

    long total() {
        return total;
    }

    long max() {
        return max;
    }

    /** The wait at quantile {@code q} (0.5 is the median), in nanoseconds; 0 if empty. */
    long percentile(double q) {
        if (total == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(q * total));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(upper(i), max);
            }
        }
        return max;
    }

    /** How many waits were longer than {@code nanos}. */
    long countAbove(long nanos) {
        long n = 0;
        for (int i = 0; i < BUCKETS; i++) {
            if (counts[i] > 0 && (lower(i) + upper(i)) / 2.0 > nanos) {
                n += counts[i];
            }
        }
        return n;
    }

    /** The counts as text ({@code max total index:count,...}), for {@link #parse}. */
    String encode() {
        StringBuilder s = new StringBuilder();
        s.append(max).append(' ').append(total).append(' ');
        boolean first = true;
        for (int i = 0; i < BUCKETS; i++) {
            if (counts[i] != 0) {
                s.append(first ? "" : ",").append(i).append(':').append(counts[i]);
                first = false;
            }
        }
        return s.toString();
    }

    /** Reads what {@link #encode} wrote. */
    static WaitHistogram parse(String text) {
        String[] parts = text.trim().split(" ");
        WaitHistogram h = new WaitHistogram();
        h.max = Long.parseLong(parts[0]);
        h.total = Long.parseLong(parts[1]);
        if (parts.length > 2 && !parts[2].isEmpty()) {
            for (String cell : parts[2].split(",")) {
                int colon = cell.indexOf(':');
                h.counts[Integer.parseInt(cell.substring(0, colon))] = Long.parseLong(cell.substring(colon + 1));
            }
        }
        return h;
    }

    /** A wait in nanoseconds in ns, µs, ms or s, with three significant digits or more. */
    static String format(long nanos) {
        if (nanos < 1_000) {
            return nanos + " ns";
        }
        if (nanos < 1_000_000) {
            return significant(nanos / 1e3) + " µs";
        }
        if (nanos < 1_000_000_000) {
            return significant(nanos / 1e6) + " ms";
        }
        return significant(nanos / 1e9) + " s";
    }

    private static String significant(double v) {
        return String.format(Locale.ROOT, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v);
    }

    static int index(long v) {
        if (v < LINEAR) {
            return (int) v;
        }
        long w = Math.min(v, CEILING);
        int exponent = 63 - Long.numberOfLeadingZeros(w);
        int shift = exponent - SUB_BITS;
        int top = (int) (w >>> shift);
        return LINEAR + (exponent - SUB_BITS - 1) * SUB + (top - SUB);
    }

    static long lower(int index) {
        if (index < LINEAR) {
            return index;
        }
        int exponent = (index - LINEAR) / SUB + SUB_BITS + 1;
        int top = (index - LINEAR) % SUB + SUB;
        return (long) top << (exponent - SUB_BITS);
    }

    static long upper(int index) {
        if (index < LINEAR) {
            return index;
        }
        int exponent = (index - LINEAR) / SUB + SUB_BITS + 1;
        int top = (index - LINEAR) % SUB + SUB;
        return ((long) (top + 1) << (exponent - SUB_BITS)) - 1;
    }
}
