package io.cueball.cli;

import java.util.Locale;

/** Counts in words: "1 connection", "2 connections", "1,000 runs". */
final class Words {
    private Words() {
    }

    /**
     * A count and its noun, singular for exactly one: {@code count(1, "connection")} is "1 connection",
     * {@code count(12, "connection")} "12 connections". Thousands are grouped with commas.
     *
     * @param noun the singular; its plural adds "s" (every noun the CLI counts does)
     */
    static String count(long n, String noun) {
        return String.format(Locale.ROOT, "%,d %s%s", n, noun, n == 1 ? "" : "s");
    }
}
