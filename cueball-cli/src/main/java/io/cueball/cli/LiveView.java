package io.cueball.cli;

import io.cueball.BackendStats;
import io.cueball.BackendStatus;
import io.cueball.PoolStats;
import java.io.Console;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Draws the pool: a redrawn screen on a terminal, one plain status line otherwise. Per backend: its state
 * (live, dead, ejected, removed), open, idle and claimed connections, its use score and failed uses, and why it
 * is dead or ejected (clipped to the screen; the event that set it, in the event list, has the whole text); for
 * the pool: state, claims per second, p50 and p99 claim wait, waiting claims, failures, and the recent events.
 */
final class LiveView {
    private static final String CLEAR = "\033[H\033[2J";
    /** The screen width when the terminal does not say: the table's own width. */
    static final int DEFAULT_WIDTH = 100;
    /** The most of a reason a plain status line carries per backend: the usual ones whole, a stack of causes not. */
    static final int PLAIN_REASON = 120;
    /** A class name with its package, in an exception's toString: the package says little on a small screen. */
    private static final Pattern QUALIFIED = Pattern.compile(
            "\\b(?:[a-z_$][\\w$]*\\.)+([A-Z][\\w$]*(?:Exception|Error))\\b");
    /** Where a backend's reason line starts: under its state. */
    private static final int REASON_INDENT = 23;
    private static final String REASON = "reason: ";
    private final PrintWriter out;
    private final boolean terminal;
    private final int width;
    private final String title;
    private final Load<?> load;
    private final EventLog events;
    private long lastServed;
    private long lastAt = System.nanoTime();

    LiveView(PrintWriter out, boolean plain, String title, Load<?> load, EventLog events) {
        this(out, !plain && isTerminal(), !plain && isTerminal() ? screenWidth() : DEFAULT_WIDTH, title, load,
                events);
    }

    /** With the terminal decision and the width given, for tests. */
    LiveView(PrintWriter out, boolean terminal, int width, String title, Load<?> load, EventLog events) {
        this.out = out;
        this.terminal = terminal;
        this.width = width;
        this.title = title;
        this.load = load;
        this.events = events;
    }

    boolean terminal() {
        return terminal;
    }

    /** True when stdout is an interactive terminal (Console.isTerminal() where the JDK has it, JDK 22+). */
    static boolean isTerminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            Method isTerminal = Console.class.getMethod("isTerminal");
            return (Boolean) isTerminal.invoke(console);
        } catch (ReflectiveOperationException e) {
            return true; // before JDK 22 a console exists only for a terminal
        }
    }

    /**
     * The terminal's width: $COLUMNS when exported (shells seldom export it), else what {@code stty size} says
     * of /dev/tty (Linux and macOS; read once, so a resize mid-run is not followed), else {@link #DEFAULT_WIDTH}.
     */
    static int screenWidth() {
        int columns = columns(System.getenv("COLUMNS"));
        if (columns > 0 || !new File("/dev/tty").canRead()) {
            return columns > 0 ? columns : DEFAULT_WIDTH;
        }
        try {
            Process stty = new ProcessBuilder("stty", "size").redirectInput(new File("/dev/tty"))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            if (!stty.waitFor(1, TimeUnit.SECONDS)) {
                stty.destroyForcibly();
                return DEFAULT_WIDTH;
            }
            String[] rowsColumns = new String(stty.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)
                    .trim().split("\\s+");
            columns = rowsColumns.length == 2 ? columns(rowsColumns[1]) : 0;
            return columns > 0 ? columns : DEFAULT_WIDTH;
        } catch (IOException e) {
            return DEFAULT_WIDTH; // no stty: a fixed width is fine
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return DEFAULT_WIDTH;
        }
    }

    /** A width from text, or 0 when it is not a sensible one. */
    static int columns(String text) {
        try {
            int n = text == null ? 0 : Integer.parseInt(text.trim());
            return n >= 40 && n <= 1_000 ? n : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Draws one frame (terminal) or one line (plain). */
    void draw(Supplier<PoolStats> pool, String story) {
        // Backends seen before the stats: every one of them is in the stats unless removed since.
        List<String> seen = events.seen();
        PoolStats stats = pool.get();
        long now = System.nanoTime();
        long served = load == null ? stats.claims() : load.served.sum();
        double perSecond = (served - lastServed) / Math.max(1e-9, (now - lastAt) / 1e9);
        lastServed = served;
        lastAt = now;
        long[] waits = load == null ? new long[] {0, 0} : load.takeWaitPercentiles();
        long failed = load == null ? 0 : load.failed.sum();
        double elapsed = events.elapsedNanos() / 1e9;
        Map<String, BackendStats> byKey = new LinkedHashMap<>();
        stats.backends().forEach(b -> byKey.put(b.backend().key(), b));

        if (!terminal) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                    "%6.1fs %-8s claims/s %6.0f  wait p50 %s p99 %s  waiting %d  failed %d", elapsed, stats.state(),
                    perSecond, ms(waits[0]), ms(waits[1]), stats.waiting(), failed));
            for (String key : seen) {
                BackendStats b = byKey.get(key);
                line.append(" | ").append(key).append(' ').append(state(b)).append(' ')
                        .append(b == null ? 0 : b.open());
                if (b != null) {
                    line.append(String.format(Locale.ROOT, " score %.2f use-fails %d", b.score(), b.useFailures()));
                    String reason = reason(b);
                    if (reason != null) {
                        line.append(" (").append(clip(reason, PLAIN_REASON)).append(')');
                    }
                }
            }
            line.append(" | ").append(events.last());
            out.println(line);
            out.flush();
            return;
        }
        StringBuilder s = new StringBuilder(CLEAR);
        s.append(String.format(Locale.ROOT, "%s   pool '%s' %s   %.1f s%n%n", title, stats.name(), stats.state(),
                elapsed));
        s.append(String.format(Locale.ROOT, "claims/s %,8.0f   wait p50 %s  p99 %s   waiting %d   failed %d%n%n",
                perSecond, ms(waits[0]), ms(waits[1]), stats.waiting(), failed));
        s.append(String.format("%-22s %-8s %5s %5s %8s %6s  %9s  %s%n", "backend", "state", "open", "idle", "claimed",
                "score", "use fails", "connections (# claimed, - idle)"));
        for (String key : seen) {
            BackendStats b = byKey.get(key);
            int idle = b == null ? 0 : b.idle();
            int claimed = b == null ? 0 : b.claimed();
            String score = b == null ? "-" : String.format(Locale.ROOT, "%.2f", b.score());
            String useFails = b == null ? "-" : String.format(Locale.ROOT, "%,d", b.useFailures());
            s.append(String.format("%-22s %-8s %5d %5d %8d %6s  %9s  %s%s", key, state(b), idle + claimed, idle,
                    claimed, score, useFails, "#".repeat(claimed), "-".repeat(idle)).stripTrailing())
                    .append(System.lineSeparator());
            String reason = reason(b);
            if (reason != null) {
                // one short of the width: a line that fills the last column wraps on some terminals
                int room = Math.max(20, width - 1 - REASON_INDENT - REASON.length());
                s.append(" ".repeat(REASON_INDENT)).append(REASON).append(clip(reason, room))
                        .append(System.lineSeparator());
            }
        }
        List<String> recent = events.recent();
        s.append(System.lineSeparator());
        for (int i = 0; i < recent.size(); i++) {
            s.append(String.format("%-11s %s%n", i == 0 ? "events:" : "", recent.get(i)));
        }
        if (story != null) {
            s.append(String.format("story:      %s%n", story));
        }
        out.print(s);
        out.flush();
    }

    private static String state(BackendStats b) {
        return b == null ? "removed" : b.status().name().toLowerCase(Locale.ROOT);
    }

    /**
     * Why a backend is dead or ejected, on one line and with exceptions' class names without their packages;
     * null while it is live or removed.
     */
    static String reason(BackendStats b) {
        if (b == null || (b.status() != BackendStatus.DEAD && b.status() != BackendStatus.EJECTED)) {
            return null;
        }
        String why = b.reason();
        if (why == null || why.isBlank()) {
            why = b.status() == BackendStatus.DEAD && b.lastError() != null ? EventLog.describe(b.lastError())
                    : "no reason given";
        }
        why = why.strip().replaceAll("\\s+", " "); // an exception's message may span lines
        return QUALIFIED.matcher(why).replaceAll("$1");
    }

    /**
     * {@code text} in at most {@code max} characters, cut at word boundaries: whole if it fits, else its head and
     * its tail around " ... ". A reason reads "N failures...; last: Exception: message: root cause", so the head
     * says what happened and the tail the root cause; the middle is the part a reader misses least.
     */
    static String clip(String text, int max) {
        if (text.length() <= max) {
            return text;
        }
        String gap = " ... ";
        if (max < 20) {
            return text.substring(0, Math.max(0, max - 3)) + "...";
        }
        int tailBudget = (max - gap.length()) / 2;
        int space = text.indexOf(' ', text.length() - tailBudget);
        String tail = space < 0 ? "" : text.substring(space + 1); // whole words only
        int headBudget = max - (tail.isEmpty() ? 3 : gap.length() + tail.length());
        int end = text.lastIndexOf(' ', headBudget);
        if (end < headBudget / 2) {
            end = headBudget; // one long word: cut inside it rather than lose the head
        }
        int open = text.lastIndexOf('(', end - 1);
        if (open > headBudget / 2 && text.lastIndexOf(')', end - 1) < open) {
            end = open; // "(threshold ... cause" reads as if the cause were in the parenthesis
        }
        while (end > 0 && " ;,:".indexOf(text.charAt(end - 1)) >= 0) {
            end--; // "last: ... cause" reads worse than "last ... cause"
        }
        String head = text.substring(0, end);
        return tail.isEmpty() ? head + "..." : head + gap + tail;
    }

    static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.2fms", nanos / 1e6);
    }
}
