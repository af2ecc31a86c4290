package io.cueball.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code cueball demo --mux}: a connection set of multiplexed connections telling its story. */
class MuxDemoTest {

    @Test
    void muxDemoShowsRequestsInFlightPerBackendAndDrainsWithoutCuttingRequests() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Main.run(new String[] {"demo", "--mux", "--plain", "--duration", "6s"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, err.toString(StandardCharsets.UTF_8));
        long status = text.lines().filter(l -> l.matches("\\s+\\d+\\.\\ds requests/s .*")).count();
        assertTrue(status >= 4, "one status line per second:\n" + text);
        assertTrue(text.lines().anyMatch(
                l -> l.matches(".*127\\.0\\.0\\.1:\\d+ live conns 2 in-flight \\d+ \\[\\d+ \\d+\\];.*")),
                "requests in flight per backend, and per connection in brackets:\n" + text);
        assertTrue(text.contains("draining: its backend was removed"), text);
        assertTrue(Pattern.compile("connection 127\\.0\\.0\\.1:\\d+\\.\\d+ closed after \\d+ requests$",
                Pattern.MULTILINE).matcher(text).find(),
                "the removed backend's connections drained without cutting a lease:\n" + text);
        assertFalse(text.contains("none cut"), "a broken connection's close must not read as nothing lost:\n" + text);
        Matcher summary = Pattern.compile("summary after [\\d.]+ s: ([\\d,]+) requests served, ([\\d,]+) failed")
                .matcher(text);
        assertTrue(summary.find(), text);
        long served = Long.parseLong(summary.group(1).replace(",", ""));
        long failed = Long.parseLong(summary.group(2).replace(",", ""));
        assertTrue(served > 1_000, "requests served: " + served);
        assertTrue(failed * 20 < served, "failures only around the killed backend: " + failed + " of " + served);
    }
}
