package io.cueball.cli;

import io.cueball.BackendStats;
import io.cueball.PoolStats;
import java.io.Console;
import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Draws the pool: a redrawn screen on a terminal, one plain status line otherwise. Per backend: its state
 * (live, dead, removed), idle and claimed connections; for the pool: state, claims per second, p50 and p99
 * claim wait, waiting claims, failures, and the last event.
 */
final class LiveView {
    private static final String CLEAR = "\033[H\033[2J";
    private final PrintWriter out;
    private final boolean terminal;
    private final String title;
    private final Load<?> load;
    private final EventLog events;
    private long lastServed;
    private long lastAt = System.nanoTime();

    LiveView(PrintWriter out, boolean plain, String title, Load<?> load, EventLog events) {
        this.out = out;
        this.terminal = !plain && isTerminal();
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
        s.append(String.format("%-22s %-8s %5s %5s %8s  %s%n", "backend", "state", "open", "idle", "claimed",
                "connections (# claimed, - idle)"));
        for (String key : seen) {
            BackendStats b = byKey.get(key);
            int idle = b == null ? 0 : b.idle();
            int claimed = b == null ? 0 : b.claimed();
            s.append(String.format("%-22s %-8s %5d %5d %8d  %s%s%n", key, state(b), idle + claimed, idle, claimed,
                    "#".repeat(claimed), "-".repeat(idle)));
        }
        s.append(String.format("%nlast event: %s%n", events.last()));
        if (story != null) {
            s.append(String.format("story:      %s%n", story));
        }
        out.print(s);
        out.flush();
    }

    private static String state(BackendStats b) {
        return b == null ? "removed" : b.status().name().toLowerCase(Locale.ROOT);
    }

    static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.2fms", nanos / 1e6);
    }
}
