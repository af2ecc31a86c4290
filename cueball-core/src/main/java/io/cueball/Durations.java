package io.cueball;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one grammar for durations written as text: the options of the DNS and Consul resolvers' specs
 * ({@code dns:...?timeout=500ms}, {@code consul:...?wait=2m}) and of the {@code cueball} command line
 * ({@code --duration 30s}) all read durations with {@link #parse}, so one spelling works everywhere and a bad
 * one is refused with the same message everywhere.
 *
 * <p>Two forms are accepted:
 * <ul>
 *   <li><b>Simple:</b> a whole number of digits and a unit, with nothing between them: {@code ns}, {@code us},
 *       {@code ms}, {@code s}, {@code m}, {@code h} or {@code d} (a day of 24 hours), in any case: {@code 250ms},
 *       {@code 5s}, {@code 2m}, {@code 1h}, {@code 7d}. These are the units of Spring Boot's simple duration
 *       format, so a value written for a Boot property reads the same here, with one difference: a number
 *       without a unit is refused (Boot reads it as milliseconds, older cueball options read it as seconds;
 *       the reader cannot tell which the writer meant). No fractions ({@code 1.5s}): write {@code 1500ms}.</li>
 *   <li><b>ISO-8601</b>, as {@link Duration#parse} reads it: {@code PT5S}, {@code PT0.25S}, {@code PT1H30M},
 *       {@code P1D}.</li>
 * </ul>
 * Surrounding whitespace is ignored. Zero ({@code 0s}, {@code PT0S}) is a valid duration: whether an option
 * accepts it is the option's own rule, checked by its caller. Refused with an {@link IllegalArgumentException}:
 * anything else, a negative duration ({@code -5s}, {@code PT-5S}), and a duration too long to count in
 * nanoseconds in a {@code long} (about 292 years; every timer in cueball counts in nanoseconds). The message
 * always has the shape
 * {@code <option>: '<text>' (expected: a duration such as 250ms, 5s, 2m, 1h or PT5S)}.
 *
 * <p>Stateless and thread-safe.
 */
public final class Durations {
    /** What every refusal says was expected. */
    public static final String EXPECTED = "a duration such as 250ms, 5s, 2m, 1h or PT5S";

    private static final Pattern SIMPLE = Pattern.compile("(\\d+)([a-zA-Z]{1,2})");
    /** How an ISO-8601 duration starts: a sign, then P (Duration.parse reads either case). */
    private static final Pattern ISO = Pattern.compile("[+-]?[pP]");
    private static final Duration LONGEST = Duration.ofNanos(Long.MAX_VALUE);

    private Durations() {
    }

    /**
     * Reads a duration in the grammar above.
     *
     * @param option the name of the option being read, as the user wrote it ({@code timeout}, {@code --duration}):
     *               the message of a refusal starts with it
     * @param text   the text to read
     * @return the duration, {@code >= 0} and at most {@code Long.MAX_VALUE} nanoseconds
     * @throws IllegalArgumentException if the text is null or not a duration in the grammar, is negative or is
     *                                  too long, with the message
     *                                  {@code <option>: '<text>' (expected: a duration such as 250ms, 5s, 2m, 1h or
     *                                  PT5S)}
     */
    public static Duration parse(String option, String text) {
        if (text == null) {
            throw new IllegalArgumentException(option + ": no value (expected: " + EXPECTED + ")");
        }
        String s = text.strip();
        Duration d;
        try {
            d = ISO.matcher(s).lookingAt() ? Duration.parse(s) : simple(s);
            if (d == null || d.isNegative() || d.compareTo(LONGEST) > 0) {
                d = null;
            }
        } catch (DateTimeParseException | ArithmeticException | NumberFormatException e) {
            d = null; // the digits overflow a long, or the duration overflows Duration itself
        }
        if (d == null) {
            throw new IllegalArgumentException(option + ": '" + text + "' (expected: " + EXPECTED + ")");
        }
        return d;
    }

    /** A duration in the simple form, or null if the text is not one. */
    private static Duration simple(String s) {
        Matcher m = SIMPLE.matcher(s);
        if (!m.matches()) {
            return null;
        }
        ChronoUnit unit = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "ns" -> ChronoUnit.NANOS;
            case "us" -> ChronoUnit.MICROS;
            case "ms" -> ChronoUnit.MILLIS;
            case "s" -> ChronoUnit.SECONDS;
            case "m" -> ChronoUnit.MINUTES;
            case "h" -> ChronoUnit.HOURS;
            case "d" -> ChronoUnit.DAYS;
            default -> null;
        };
        return unit == null ? null : Duration.of(Long.parseLong(m.group(1)), unit);
    }

    /**
     * Writes a duration for a message, in the simple form with the largest unit that keeps it exact:
     * {@code 250ms}, {@code 5s}, {@code 90s}, {@code 2m}, {@code 1h}, {@code 1d}, {@code 1500us}. What it writes
     * for a duration {@link #parse} accepts reads back as the same duration. A negative duration is written with
     * a leading minus ({@code -5s}), which {@code parse} refuses.
     *
     * @param d the duration, not null
     * @return its text
     */
    public static String format(Duration d) {
        if (d.isNegative()) {
            return d.equals(Duration.ofSeconds(Long.MIN_VALUE)) ? d.toString() : "-" + format(d.negated());
        }
        if (d.getNano() == 0) {
            long s = d.getSeconds();
            if (s == 0) {
                return "0s";
            }
            if (s % 86_400 == 0) {
                return s / 86_400 + "d";
            }
            if (s % 3_600 == 0) {
                return s / 3_600 + "h";
            }
            return s % 60 == 0 ? s / 60 + "m" : s + "s";
        }
        long nanos;
        try {
            nanos = d.toNanos();
        } catch (ArithmeticException e) {
            return d.toString(); // beyond what parse accepts: ISO-8601 says it exactly
        }
        if (nanos % 1_000_000 == 0) {
            return nanos / 1_000_000 + "ms";
        }
        return nanos % 1_000 == 0 ? nanos / 1_000 + "us" : nanos + "ns";
    }
}
