package io.cueball;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest(name = "{0} is {1} ns")
    @CsvSource({
        "250ms, 250000000",
        "5s, 5000000000",
        "2m, 120000000000",
        "1h, 3600000000000",
        "1d, 86400000000000",
        "7ns, 7",
        "15us, 15000",
        "0s, 0",
        "0ms, 0",
        "5S, 5000000000",
        "250MS, 250000000",
        "' 30s ', 30000000000",
        "PT5S, 5000000000",
        "pt5s, 5000000000",
        "PT0.25S, 250000000",
        "PT1H30M, 5400000000000",
        "P1D, 86400000000000",
        "+PT1S, 1000000000",
        "PT0S, 0",
    })
    void readsTheSimpleFormAndIso8601(String text, long nanos) {
        assertEquals(Duration.ofNanos(nanos), Durations.parse("timeout", text));
    }

    @Test
    void theLongestAcceptedDurationIsLongMaxValueNanoseconds() {
        assertEquals(Duration.ofNanos(Long.MAX_VALUE), Durations.parse("t", Long.MAX_VALUE + "ns"));
        assertEquals(Duration.ofDays(106_751), Durations.parse("t", "106751d"), "about 292 years");
    }

    @ParameterizedTest(name = "''{0}''")
    @ValueSource(strings = {
        "", " ", "soon", "5", "30", "s", "ms", "5 s", "5sec", "5x", "1.5s", ".5s", "5s5", "5ss", "5h30m",
        "-5s", "+5s", "-PT5S", "PT-5S", "PT", "P", "P1M", "P1Y", "PT5", "5PT",
        "106752d", "9223372036854775808ns", "99999999999999999999s", "PT9999999999999999H",
        "P106752D", "\u0665s",
    })
    void refusesGarbageNegativesAndOverflowWithOneMessageShape(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Durations.parse("timeout", text));
        assertEquals("timeout: '" + text + "' (expected: a duration such as 250ms, 5s, 2m, 1h or PT5S)",
                e.getMessage());
    }

    @Test
    void aMissingValueNamesTheOption() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Durations.parse("--duration", null));
        assertEquals("--duration: no value (expected: a duration such as 250ms, 5s, 2m, 1h or PT5S)",
                e.getMessage());
    }

    @ParameterizedTest(name = "{0} ns is {1}")
    @CsvSource({
        "0, 0s",
        "250000000, 250ms",
        "5000000000, 5s",
        "90000000000, 90s",
        "120000000000, 2m",
        "3600000000000, 1h",
        "5400000000000, 90m",
        "86400000000000, 1d",
        "1500000, 1500us",
        "7, 7ns",
        "-5000000000, -5s",
    })
    void formatsWithTheLargestExactUnit(long nanos, String text) {
        assertEquals(text, Durations.format(Duration.ofNanos(nanos)));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"250ms", "5s", "2m", "1h", "3d", "PT1.000000001S", "PT26H", "P365D",
        "9223372036854775807ns"})
    void whatFormatWritesParseReadsBack(String text) {
        Duration d = Durations.parse("t", text);
        assertEquals(d, Durations.parse("t", Durations.format(d)));
    }

    @Test
    void formatWritesDurationsBeyondTheGrammarInIso8601() {
        Duration huge = Duration.ofSeconds(Long.MAX_VALUE, 1);
        assertEquals(huge.toString(), Durations.format(huge));
        Duration mostNegative = Duration.ofSeconds(Long.MIN_VALUE);
        assertEquals(mostNegative.toString(), Durations.format(mostNegative));
    }
}
