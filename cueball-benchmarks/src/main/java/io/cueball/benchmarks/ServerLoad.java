package io.cueball.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * How the PostgreSQL servers on this machine shared the work: the CPU time (utime + stime, from {@code /proc}) of
 * every {@code postgres} process, summed per parent process. A server's sessions are children of its postmaster,
 * so each sum is one server's sessions. Linux only; elsewhere every snapshot is empty.
 */
final class ServerLoad {
    private ServerLoad() {
    }

    /** CPU ticks per parent pid of {@code postgres} processes, now. */
    static Map<String, Long> snapshot() {
        Map<String, Long> ticks = new HashMap<>();
        Path proc = Path.of("/proc");
        if (!Files.isDirectory(proc)) {
            return ticks;
        }
        try (Stream<Path> procs = Files.list(proc)) {
            for (Path d : (Iterable<Path>) procs::iterator) {
                if (!d.getFileName().toString().chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String stat = Files.readString(d.resolve("stat"));
                    int close = stat.lastIndexOf(')');
                    if (!stat.substring(stat.indexOf('(') + 1, close).startsWith("postgres")) {
                        continue;
                    }
                    String[] f = stat.substring(close + 2).split(" ");
                    ticks.merge(f[1], Long.parseLong(f[11]) + Long.parseLong(f[12]), Long::sum);
                } catch (IOException | RuntimeException exited) {
                    // the process ended between the listing and the read
                }
            }
        } catch (IOException e) {
            return ticks;
        }
        return ticks;
    }

    /** Total ticks in a snapshot. */
    static long total(Map<String, Long> s) {
        return s.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * Each server's share of the servers' CPU between two snapshots, in whole percent, busiest first, as
     * {@code "74/26/0"}: exactly {@code servers} numbers (idle servers show 0). Empty if nothing was measured.
     */
    static String shares(Map<String, Long> before, Map<String, Long> after, int servers) {
        List<Long> used = new ArrayList<>();
        for (var e : after.entrySet()) {
            used.add(e.getValue() - before.getOrDefault(e.getKey(), 0L));
        }
        used.sort((a, b) -> Long.compare(b, a));
        long sum = used.stream().mapToLong(Long::longValue).sum();
        if (sum <= 0) {
            return "";
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < servers; i++) {
            long u = i < used.size() ? used.get(i) : 0;
            out.add(String.format(Locale.ROOT, "%.0f", 100.0 * u / sum));
        }
        return out.stream().collect(Collectors.joining("/"));
    }
}
