package io.cueball.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Gives the benchmark's JVM and the PostgreSQL servers CPUs of their own (Linux, {@code taskset}), as servers on
 * hosts of their own would have. Sharing cores, the client's threads and the servers' processes take turns on the
 * same run queues, and how the kernel places and preempts them at each wakeup, more than either side's work, sets the
 * tail (RESULTS.md's jdbc notes give the counters); split, each side queues only behind its own.
 *
 * <p>A split is written {@code CLIENT/SERVERS}, each side a CPU list as {@code taskset -c} takes it ({@code 0/1},
 * {@code 0-1/2-3}). The servers' postmasters are pinned with every process they have started (the aux processes);
 * sessions forked later inherit the affinity. The JVM is pinned with all its threads; threads it starts later inherit
 * it from their creators.
 */
final class CpuSplit {
    private static final Pattern CPU_LIST = Pattern.compile("[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*");

    final String client;
    final String servers;

    private CpuSplit(String client, String servers) {
        this.client = client;
        this.servers = servers;
    }

    /**
     * Reads a split.
     *
     * @param option the option's name, for the error
     * @param value  {@code CLIENT/SERVERS}
     * @return the split
     * @throws IllegalArgumentException naming the option and the value when it is not two CPU lists that share no
     *                                  CPU, or this machine has no such CPU
     */
    static CpuSplit parse(String option, String value) {
        String[] sides = value.split("/", -1);
        if (sides.length != 2 || !CPU_LIST.matcher(sides[0]).matches() || !CPU_LIST.matcher(sides[1]).matches()) {
            throw new IllegalArgumentException(option + " takes CLIENT/SERVERS, two CPU lists as taskset -c takes "
                    + "them (0/1, 0-1/2-3), got " + value);
        }
        Set<Integer> client = cpus(sides[0]);
        Set<Integer> servers = cpus(sides[1]);
        int available = Runtime.getRuntime().availableProcessors();
        for (Set<Integer> side : List.of(client, servers)) {
            for (int cpu : side) {
                if (cpu >= available) {
                    throw new IllegalArgumentException(option + " " + value + ": CPU " + cpu + " is not among this "
                            + "machine's " + available);
                }
            }
        }
        Set<Integer> both = new TreeSet<>(client);
        both.retainAll(servers);
        if (!both.isEmpty()) {
            throw new IllegalArgumentException(option + " " + value + ": the client and the servers share CPU(s) "
                    + both);
        }
        return new CpuSplit(sides[0], sides[1]);
    }

    private static Set<Integer> cpus(String list) {
        Set<Integer> out = new TreeSet<>();
        for (String range : list.split(",")) {
            String[] ends = range.split("-");
            int from = Integer.parseInt(ends[0]);
            int to = ends.length == 2 ? Integer.parseInt(ends[1]) : from;
            for (int cpu = from; cpu <= to; cpu++) {
                out.add(cpu);
            }
        }
        return out;
    }

    /**
     * Pins the servers, each postmaster with the processes it has started, and then this JVM.
     *
     * @param postmasters the servers' postmaster pids ({@link PostgresServers#postmasters()})
     * @throws IllegalStateException if {@code taskset} cannot run or fails
     */
    void apply(List<Long> postmasters) throws IOException, InterruptedException {
        for (long postmaster : postmasters) {
            String what = "the PostgreSQL server with postmaster " + postmaster;
            taskset(what, servers, postmaster);
            for (long child : children(postmaster)) {
                taskset(what, servers, child);
            }
        }
        taskset("this JVM", client, ProcessHandle.current().pid());
    }

    @Override
    public String toString() {
        return "client on CPU(s) " + client + ", servers on CPU(s) " + servers;
    }

    /** The parent of process {@code pid}, from {@code /proc/pid/stat}. */
    static long parent(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
    }

    private static List<Long> children(long parent) throws IOException {
        List<Long> out = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path d : (Iterable<Path>) procs::iterator) {
                String name = d.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    if (parent(Long.parseLong(name)) == parent) {
                        out.add(Long.parseLong(name));
                    }
                } catch (IOException | RuntimeException exited) {
                    // ended between the listing and the read
                }
            }
        }
        return out;
    }

    /** {@code taskset -a -cp cpus pid}: every thread of the process. */
    private static void taskset(String what, String cpus, long pid) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder("taskset", "-a", "-cp", cpus, Long.toString(pid))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run taskset (util-linux) to pin " + what + " to CPU(s) " + cpus,
                    e);
        }
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("taskset could not pin " + what + " (pid " + pid + ") to CPU(s) " + cpus);
        }
    }
}
