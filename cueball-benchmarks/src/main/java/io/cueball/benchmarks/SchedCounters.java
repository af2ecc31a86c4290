package io.cueball.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * What the kernel's scheduler did with the benchmark's worker threads and the servers' processes (Linux,
 * {@code /proc/.../schedstat} and {@code status}): CPU time, time spent runnable but waiting for a CPU, and how often
 * each gave up its CPU by blocking (voluntary switches) or was preempted (involuntary). {@code JdbcPaired --sched}
 * prints them per operation for each window. Elsewhere every snapshot is zero.
 */
record SchedCounters(long workerCpu, long workerWait, long workerVoluntary, long workerInvoluntary, long serverCpu,
        long serverWait, long serverVoluntary, long serverInvoluntary, long tcpSegments, long pureAcks) {

    /**
     * Sums the counters now.
     *
     * @param workerPrefix the name prefix of the JVM's worker threads
     * @return the sums; nanoseconds and counts
     */
    static SchedCounters snapshot(String workerPrefix) {
        long[] w = sum(Path.of("/proc/self/task"), workerPrefix);
        long[] s = sum(Path.of("/proc"), "postgres");
        return new SchedCounters(w[0], w[1], w[2], w[3], s[0], s[1], s[2], s[3],
                counter(Path.of("/proc/net/snmp"), "Tcp:", "OutSegs"),
                counter(Path.of("/proc/net/netstat"), "TcpExt:", "TCPPureAcks"));
    }

    /**
     * The counters between two snapshots, per operation, as one line: µs of CPU and of waiting for a CPU, and
     * switches, for the workers and for the servers; and the machine's TCP segments sent and pure ACKs received (all
     * of them, not only the benchmark's).
     */
    static String perOperation(SchedCounters a, SchedCounters b, long operations) {
        double n = Math.max(1, operations);
        return String.format(Locale.ROOT, "workers cpu %5.1f wait %5.1f µs, blocked %5.3f preempted %5.3f | servers "
                + "cpu %5.1f wait %5.1f µs, blocked %5.3f preempted %5.3f | tcp segments %5.3f pure acks %5.3f (per op)",
                (b.workerCpu - a.workerCpu) / 1e3 / n, (b.workerWait - a.workerWait) / 1e3 / n,
                (b.workerVoluntary - a.workerVoluntary) / n, (b.workerInvoluntary - a.workerInvoluntary) / n,
                (b.serverCpu - a.serverCpu) / 1e3 / n, (b.serverWait - a.serverWait) / 1e3 / n,
                (b.serverVoluntary - a.serverVoluntary) / n, (b.serverInvoluntary - a.serverInvoluntary) / n,
                (b.tcpSegments - a.tcpSegments) / n, (b.pureAcks - a.pureAcks) / n);
    }

    /** The column {@code name} of the line pair headed {@code table} in a /proc/net file (names, then values). */
    private static long counter(Path file, String table, String name) {
        try {
            List<String> lines = Files.readAllLines(file).stream().filter(l -> l.startsWith(table)).toList();
            for (int i = 0; i + 1 < lines.size(); i += 2) {
                List<String> names = List.of(lines.get(i).split("\\s+"));
                int at = names.indexOf(name);
                if (at > 0) {
                    return Long.parseLong(lines.get(i + 1).split("\\s+")[at]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or not this counter
        }
        return 0;
    }

    /** {cpu ns, wait ns, voluntary, involuntary} over the tasks in {@code dir} whose name starts with the prefix. */
    private static long[] sum(Path dir, String prefix) {
        long[] r = new long[4];
        if (!Files.isDirectory(dir)) {
            return r;
        }
        try (Stream<Path> tasks = Files.list(dir)) {
            for (Path d : (Iterable<Path>) tasks::iterator) {
                if (!d.getFileName().toString().chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    if (!Files.readString(d.resolve("comm")).startsWith(prefix)) {
                        continue;
                    }
                    String[] f = Files.readString(d.resolve("schedstat")).trim().split(" ");
                    long cpu = Long.parseLong(f[0]);
                    long wait = Long.parseLong(f[1]);
                    long voluntary = 0;
                    long involuntary = 0;
                    for (String line : Files.readAllLines(d.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:")) {
                            voluntary = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        } else if (line.startsWith("nonvoluntary_ctxt_switches:")) {
                            involuntary = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                    r[0] += cpu;
                    r[1] += wait;
                    r[2] += voluntary;
                    r[3] += involuntary;
                } catch (IOException | RuntimeException exited) {
                    // the task ended between the listing and the reads
                }
            }
        } catch (IOException e) {
            return r;
        }
        return r;
    }
}
