package io.cueball.cli;

import io.cueball.Backend;
import io.cueball.BackendStats;
import io.cueball.BackoffPolicy;
import io.cueball.ConnectionPool;
import io.cueball.Durations;
import io.cueball.HostSelection;
import io.cueball.PoolStats;
import io.cueball.conn.tcp.TcpConnection;
import io.cueball.conn.tcp.TcpConnectionFactory;
import io.cueball.resolver.fixed.StaticResolver;
import io.cueball.testing.TestTcpServer;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The demo: a pool of 12 over embedded TCP echo backends, 16 workers, and a story told while you watch.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        // One element per paragraph: picocli wraps each, and the command list shows the first alone.
        description = {"Runs a pool of 12 connections over embedded TCP backends and tells its story live.",
            "Four backends on 127.0.0.1 serve a workload while a fifth is added, one is killed and comes back, a"
                + " silent one (it accepts connections and never answers) is added and ejected, one is removed, and"
                + " one with room for a single connection answers BUSY to the rest until it is removed too.",
            "Needs nothing installed. Ends with a summary, which tells what share of the claims the busy backend got"
                + " while it was there: round-robin, the default, keeps sending it its turn; --strategy "
                + DemoCommand.STEERING_STRATEGY + " steers the claims away from it as its score falls.",
            Specs.TIME_HELP})
final class DemoCommand implements Callable<Integer> {
    private static final int MAX = 12;
    /** How long a worker waits for an echo: what turns the silent backend's uses into failures. */
    private static final Duration READ_TIMEOUT = Duration.ofMillis(500);
    /**
     * The score's window, short so the score follows a story of seconds (its judge ticks every twentieth of it);
     * the ejection thresholds are the defaults.
     */
    private static final Duration SCORE_DECAY = Duration.ofSeconds(5);
    /**
     * Connections the busy backend serves at once: fewer than its share of the pool, so its other connections are
     * answered BUSY and closed, and every use of them fails.
     */
    private static final int BUSY_CAPACITY = 1;
    /**
     * The demo's host selection unless --strategy says otherwise: the pool's default. A score-driven strategy
     * steers claims away from the busy backend, but it also starves the silent one of claims after its first
     * timeouts, before ejection has the outcomes to judge it (and epsilon-greedy moves the killed backend's
     * connections away on its first failed uses, so it is never even seen dead): the story of health would be lost.
     */
    static final String DEFAULT_STRATEGY = "round-robin";
    /** The strategy the story points to for steering: softmax, which pooly's simulation finds learns fastest. */
    static final String STEERING_STRATEGY = "softmax:0.1";

    @Spec
    CommandSpec spec;

    @Option(names = "--duration", defaultValue = "30s", paramLabel = "TIME",
            description = "How long the demo runs (default: ${DEFAULT-VALUE}; at least 3s).")
    Duration duration;

    @Option(names = "--plain", description = "One status line per second instead of a redrawn screen "
            + "(the default when stdout is not a terminal).")
    boolean plain;

    @Option(names = "--workers", defaultValue = "16", paramLabel = "N",
            description = "Worker threads claiming and releasing (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N",
            description = "Seed of every random choice, so a run can be repeated (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    StatsdOptions statsd;

    @Option(names = "--strategy", paramLabel = "STRATEGY",
            description = Specs.STRATEGY_HELP + " (default: " + DEFAULT_STRATEGY + "). The summary shows"
                    + " the busy backend's share of the claims while it was present: " + STEERING_STRATEGY
                    + " steers them away from it, round-robin does not.")
    String strategy;

    @Option(names = "--mux", description = "Shared connections instead: a ConnectionSet of multiplexed connections "
            + "over embedded mux servers, showing the requests in flight per backend and per connection.")
    boolean mux;

    /** One step of the story, at a fraction of the run. */
    private record Step(double at, String label, Runnable action) {
    }

    @Override
    public Integer call() throws InterruptedException {
        Duration length = duration;
        if (length.compareTo(Duration.ofSeconds(3)) < 0) {
            throw new UsageException("--duration: " + Durations.format(length)
                    + " (expected: at least 3s, the story needs time)");
        }
        if (workers < 1 || workers > 1_000) {
            throw new UsageException("--workers: " + workers + " (expected: 1..1000)");
        }
        statsd.validate();
        if (mux && strategy != null) {
            throw new UsageException("--strategy: '" + strategy + "' (not with --mux: a connection set of "
                    + "connections per backend takes its backends in turn)");
        }
        HostSelection selection = Specs.strategy(strategy == null ? DEFAULT_STRATEGY : strategy);
        PrintWriter out = spec.commandLine().getOut();
        if (mux) {
            return new MuxDemo(out, plain, length, workers, seed).run();
        }
        List<TestTcpServer> servers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            servers.add(TestTcpServer.start());
        }
        SilentServer silentServer = SilentServer.start();
        TestTcpServer busyServer = TestTcpServer.start().capacity(BUSY_CAPACITY);
        List<Backend> backends = servers.stream().map(TestTcpServer::backend).toList();
        StaticResolver resolver = new StaticResolver(backends.subList(0, 4));
        EventLog events = new EventLog();
        Map<String, String> story = new LinkedHashMap<>();
        long[] killedAt = {-1};

        ConnectionPool<TcpConnection> pool = ConnectionPool.builder(resolver,
                        TcpConnectionFactory.builder().connectTimeout(Duration.ofSeconds(1)).readTimeout(READ_TIMEOUT)
                                .build())
                .name("demo")
                .maxConnections(MAX)
                .claimTimeout(Duration.ofSeconds(2))
                .healthCheckInterval(Duration.ofSeconds(1))
                .backoff(new BackoffPolicy(Duration.ofMillis(100), Duration.ofMillis(500), 0.2))
                .scoreDecay(SCORE_DECAY)
                .hostSelection(selection)
                .random(new Random(seed))
                .listener(events)
                .build();
        StatsdOptions.Publishing publishing = statsd.publish(pool, out);
        Backend added = backends.get(4);
        Backend killed = backends.get(1);
        Backend removed = backends.get(3);
        Backend silent = silentServer.backend();
        Backend busy = busyServer.backend();
        long[] silentAt = {-1};
        long[] busyAt = {-1, -1}; // added, removed
        Load<TcpConnection> load = new Load<>(pool, workers, Load.ECHO, Duration.ofMillis(1), seed, events);
        // Claims per backend when the busy backend was added and when it was removed, and how many backends were
        // in service then: what the pool's choice did with the work while the busy backend was there.
        List<Map<String, Long>> busyClaims = new ArrayList<>();
        List<Step> steps = List.of(
                new Step(0.10, "added backend " + added.key(), () -> {
                    resolver.add(added);
                    story.put(added.key(), "added at " + secs(events.elapsedNanos()));
                }),
                new Step(0.20, "killed backend " + killed.key() + " (its connections drop, it refuses new ones)", () -> {
                    killedAt[0] = events.elapsedNanos();
                    servers.get(1).kill();
                }),
                new Step(0.40, "restarted backend " + killed.key(), () -> servers.get(1).resume()),
                new Step(0.50, "added backend " + silent.key() + ", which is silent (it accepts connections and "
                        + "never answers; reads time out after " + READ_TIMEOUT.toMillis() + " ms)", () -> {
                    silentAt[0] = events.elapsedNanos();
                    resolver.add(silent);
                }),
                new Step(0.75, "removed backend " + removed.key() + " from the resolver", () -> {
                    resolver.remove(removed);
                    story.put(removed.key(), "removed at " + secs(events.elapsedNanos()));
                }),
                // Late, so that it takes no share from the silent one before that is ejected (2 to 3 s after it is
                // added: ten reads must time out first), and present for long enough (15% of the run) that where
                // the claims went while it was there shows the strategy, not the moment it took to learn.
                new Step(0.80, "added backend " + busy.key() + ", which has room for " + BUSY_CAPACITY
                        + " connection and answers BUSY to the others (those uses fail, so its score drops)", () -> {
                    busyAt[0] = events.elapsedNanos();
                    busyClaims.add(load.claimsPerBackend());
                    resolver.add(busy);
                }),
                new Step(0.95, "removed the busy backend " + busy.key() + " from the resolver", () -> {
                    busyAt[1] = events.elapsedNanos();
                    busyClaims.add(load.claimsPerBackend());
                    resolver.remove(busy);
                    Steering steering = Steering.of(busyClaims.get(0), busyClaims.get(1), busy.key());
                    events.note("while present, the busy backend " + busy.key() + " got "
                            + steering.describe(selection, events.ejectedAt.getOrDefault(busy.key(), -1L)));
                }));

        load.start();
        try (load) {
            LiveView view = new LiveView(out, plain, "cueball demo", load, events);
            long frame = TimeUnit.MILLISECONDS.toNanos(view.terminal() ? 500 : 1000);
            long end = length.toNanos();
            int next = 0;
            String storyLine = "four backends, " + Words.count(MAX, "connection") + ", "
                    + Words.count(workers, "worker") + ", host selection " + selection;
            if (!view.terminal()) {
                out.println(storyLine); // a terminal shows it under the view until the first step replaces it
            }
            long nextFrame = frame;
            while (events.elapsedNanos() < end) {
                long now = events.elapsedNanos();
                while (next < steps.size() && now >= (long) (steps.get(next).at() * end)) {
                    Step step = steps.get(next++);
                    step.action().run();
                    storyLine = String.format(Locale.ROOT, "%.1fs %s", now / 1e9, step.label());
                    events.note(step.label());
                }
                if (now >= nextFrame) {
                    view.draw(pool::stats, storyLine);
                    nextFrame += frame;
                }
                long sleep = Math.min(nextFrame, next < steps.size() ? (long) (steps.get(next).at() * end) : end)
                        - events.elapsedNanos();
                if (sleep > 0) {
                    TimeUnit.NANOSECONDS.sleep(Math.min(sleep, frame));
                }
            }
            load.close();
            if (busyAt[0] >= 0) {
                long ejectedAt = events.ejectedAt.getOrDefault(busy.key(), -1L);
                story.put(busy.key(), "room for " + BUSY_CAPACITY + ", added at " + secs(busyAt[0]) + ", "
                        + Words.count(busyServer.rejectedTotal(), "connection") + " answered BUSY"
                        + (ejectedAt >= 0 ? ", ejected at " + secs(ejectedAt) : "")
                        + (busyAt[1] >= 0 ? ", removed at " + secs(busyAt[1]) : ""));
            }
            summary(out, pool.stats(), load, events, story, killed.key(), killedAt[0], silent.key(), silentAt[0],
                    busy.key(), length, selection);
            if (busyClaims.size() == 2) {
                Steering steering = Steering.of(busyClaims.get(0), busyClaims.get(1), busy.key());
                long ejectedAt = events.ejectedAt.getOrDefault(busy.key(), -1L);
                out.printf(Locale.ROOT, "  while the busy backend %s was present (%s to %s), it got %s%n", busy.key(),
                        secs(busyAt[0]), secs(busyAt[1]),
                        steering.describe(selection, ejectedAt >= 0 && ejectedAt <= busyAt[1] ? ejectedAt : -1));
                out.flush();
            }
        } finally {
            publishing.close();
            pool.close();
            servers.forEach(TestTcpServer::close);
            silentServer.close();
            busyServer.close();
        }
        return 0;
    }

    /**
     * Where the claims went while the busy backend was present: how many it got, how many all got, and how many
     * other backends took some (an even split gives each of them and the busy one the same share).
     *
     * @param busy   claims the busy backend got
     * @param total  claims every backend got
     * @param others the other backends that got at least one claim
     */
    record Steering(long busy, long total, int others) {
        /** From the claims per backend when the busy backend was added and when it was removed. */
        static Steering of(Map<String, Long> before, Map<String, Long> after, String busyKey) {
            long total = 0;
            int others = 0;
            for (Map.Entry<String, Long> e : after.entrySet()) {
                long claims = e.getValue() - before.getOrDefault(e.getKey(), 0L);
                total += claims;
                others += claims > 0 && !e.getKey().equals(busyKey) ? 1 : 0;
            }
            long busy = after.getOrDefault(busyKey, 0L) - before.getOrDefault(busyKey, 0L);
            return new Steering(busy, total, others);
        }

        /** The busy backend's share of the claims. */
        double share() {
            return total == 0 ? 0 : (double) busy / total;
        }

        /** Its share if every backend that took claims had the same. */
        double evenShare() {
            return 1.0 / (others + 1);
        }

        /**
         * "2% of the claims (412 of 20,345), the 4 others 24% each on average (an even split: 20%); softmax:0.1
         * steered ...".
         */
        String describe(HostSelection selection, long ejectedAt) {
            String line = String.format(Locale.ROOT, "%s of the claims (%,d of %,d), the %s %s each on average "
                    + "(an even split: %s)", percent(share()), busy, total, Words.count(others, "other"),
                    percent(others == 0 ? 0 : (double) (total - busy) / others / Math.max(1, total)),
                    percent(evenShare()));
            line += selection.usesScores()
                    ? "; " + selection + " steered claims away from its failing uses"
                    : "; " + selection + " does not steer by score (see --strategy " + STEERING_STRATEGY + ")";
            // Whether its uses fail often enough to eject it depends on how many connections its share gives
            // it (2 or 3 of 12: one works, the others are answered BUSY), which depends on the run.
            return ejectedAt < 0 ? line : line + (selection.usesScores() ? "; and" : "; but") + " it was ejected at "
                    + secs(ejectedAt) + " (its uses failed too often), which moves its share away whatever the strategy";
        }

        private static String percent(double share) {
            return Math.round(100 * share) + "%";
        }
    }

    private static void summary(PrintWriter out, PoolStats stats, Load<?> load, EventLog events,
            Map<String, String> story, String killed, long killedAt, String silent, long silentAt, String busy,
            Duration length, HostSelection selection) {
        long deadAt = events.deadAt.getOrDefault(killed, -1L);
        long backAt = events.aliveAt.getOrDefault(killed, -1L);
        String killStory = "killed at " + secs(killedAt)
                + (deadAt >= 0 ? ", dead at " + secs(deadAt) : ", never marked dead")
                + (backAt >= 0 ? ", back at " + secs(backAt) : ", not back by the end");
        story.put(killed, killStory);
        if (silentAt >= 0) {
            long ejectedAt = events.ejectedAt.getOrDefault(silent, -1L);
            long restoredAt = events.restoredAt.getOrDefault(silent, -1L);
            story.put(silent, "silent, added at " + secs(silentAt)
                    + (ejectedAt >= 0 ? ", ejected at " + secs(ejectedAt) : ", not ejected by the end"
                            + (selection.usesScores() ? " (" + selection + " steered the claims away from its first "
                            + "timeouts, too few in the score's window to eject it)" : ""))
                    + (restoredAt >= 0 ? ", restored at " + secs(restoredAt) + " (and judged afresh)" : ""));
        }
        long windowEnd = backAt >= 0 ? backAt : Long.MAX_VALUE;
        List<Load.Failure> failures = load.failures();
        long onSilent = failures.stream().filter(f -> silent.equals(f.backend())).count();
        long onBusy = failures.stream().filter(f -> busy.equals(f.backend())).count();
        long inWindow = failures.stream().filter(f -> !silent.equals(f.backend()) && !busy.equals(f.backend()))
                .filter(f -> killedAt >= 0 && f.at() >= killedAt && f.at() <= windowEnd).count();
        long failed = failures.size();
        out.printf(Locale.ROOT, "%nsummary after %.1f s: %s served, %,d failed (%,d while %s was down, %s "
                + "of the silent %s, %s answered BUSY by %s, %,d otherwise)%n", length.toMillis() / 1e3,
                Words.count(load.served.sum(), "claim"), failed, inWindow, killed, Words.count(onSilent, "use"), silent,
                Words.count(onBusy, "use"), busy, failed - inWindow - onSilent - onBusy);
        out.printf("  %-22s %-8s %10s  %-12s %s%n", "backend", "state", "claims", "share at end", "story");
        Map<String, BackendStats> byKey = new LinkedHashMap<>();
        stats.backends().forEach(b -> byKey.put(b.backend().key(), b));
        for (String key : events.seen()) {
            BackendStats b = byKey.get(key);
            String state = b == null ? "removed" : b.status().name().toLowerCase(Locale.ROOT);
            long claims = load.servedPerBackend.getOrDefault(key, new LongAdder()).sum();
            out.printf(Locale.ROOT, "  %-22s %-8s %,10d  %-12s %s%n", key, state, claims,
                    (b == null ? 0 : b.open()) + "/" + MAX, story.getOrDefault(key, ""));
        }
        out.flush();
    }

    private static String secs(long nanos) {
        return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
    }
}
