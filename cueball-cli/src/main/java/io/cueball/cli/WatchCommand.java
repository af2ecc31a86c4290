package io.cueball.cli;

import io.cueball.BackendStats;
import io.cueball.Connection;
import io.cueball.ConnectionFactory;
import io.cueball.ConnectionPool;
import io.cueball.Durations;
import io.cueball.PoolState;
import io.cueball.PoolStats;
import io.cueball.conn.jdbc.JdbcConnection;
import io.cueball.conn.jdbc.JdbcConnectionFactory;
import io.cueball.conn.jdbc.JdbcSettings;
import io.cueball.conn.tcp.TcpConnectionFactory;
import java.io.PrintWriter;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** A pool against a real service, with the demo's live view. */
@Command(name = "watch", mixinStandardHelpOptions = true,
        // One element per paragraph: picocli wraps each, and the command list shows the first alone.
        description = {"Runs a pool against a real service and shows it live.",
            "Per backend: its state (live, dead, ejected, removed) and why when dead or ejected, its connections, use"
                + " score and failed uses; for the pool: its state, claims and waits.",
            Specs.HELP,
            Specs.TIME_HELP,
            "With --jdbc DATABASE:USER the password is read from the environment variable "
                + WatchCommand.PASSWORD_ENV + ", which must be set (empty for a server that asks for none)."})
final class WatchCommand implements Callable<Integer> {
    static final String PASSWORD_ENV = "CUEBALL_JDBC_PASSWORD";

    @Spec
    CommandSpec spec;

    @ParentCommand
    Main parent;

    @Parameters(index = "0", paramLabel = "SPEC", description = "Where the backends come from.")
    String resolverSpec;

    @Option(names = "--max", defaultValue = "10", paramLabel = "N",
            description = "maxConnections of the pool (default: ${DEFAULT-VALUE}).")
    int max;

    @Option(names = "--tcp", description = "Plain TCP connections.")
    boolean tcp;

    @Option(names = "--jdbc", paramLabel = "DATABASE:USER",
            description = "PostgreSQL connections to this database as this user (workers run SELECT 1).")
    String jdbc;

    @Option(names = "--workers", defaultValue = "0", paramLabel = "N",
            description = "Threads that claim and release (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--duration", paramLabel = "TIME",
            description = "Stop after this long (default: until interrupted); exit 1 if the pool never was RUNNING.")
    Duration duration;

    @Option(names = "--plain", description = "One status line per second instead of a redrawn screen.")
    boolean plain;

    @Option(names = "--strategy", defaultValue = "round-robin", paramLabel = "STRATEGY",
            description = Specs.STRATEGY_HELP + " (default: ${DEFAULT-VALUE}).")
    String strategy;

    @Mixin
    StatsdOptions statsd;

    @Override
    public Integer call() throws InterruptedException {
        if (tcp == (jdbc != null)) {
            throw new UsageException("choose one connection type: --tcp or --jdbc DATABASE:USER");
        }
        if (max < 1) {
            throw new UsageException("--max: " + max + " (expected: >= 1)");
        }
        if (workers < 0 || workers > 1_000) {
            throw new UsageException("--workers: " + workers + " (expected: 0..1000)");
        }
        Duration length = duration;
        statsd.validate();
        Specs.strategy(strategy); // bad input before anything starts
        if (tcp) {
            return run(TcpConnectionFactory.create(), null, length);
        }
        int colon = jdbc.indexOf(':');
        if (colon <= 0 || colon == jdbc.length() - 1) {
            throw new UsageException("--jdbc: '" + jdbc + "' (expected: DATABASE:USER, the password in $"
                    + PASSWORD_ENV + ")");
        }
        if (parent.env(PASSWORD_ENV) == null) {
            // before the pool starts: without it every connect fails, and the view would only say FAILED
            throw new UsageException("--jdbc: $" + PASSWORD_ENV + " is not set (the password is read from it, never "
                    + "from the command line; set it empty for a server that asks for none)");
        }
        JdbcSettings settings = JdbcSettings.postgres(jdbc.substring(0, colon), jdbc.substring(colon + 1))
                .password(this::password).applicationName("cueball-watch").build();
        Load.Work<JdbcConnection> select = (c, random) -> {
            try (Statement s = c.jdbc().createStatement()) {
                s.execute("SELECT 1");
            }
        };
        return run(new JdbcConnectionFactory(settings), select, length);
    }

    /** The password from the environment, read at each connect; empty means none. */
    private String password() {
        String password = parent.env(PASSWORD_ENV);
        return password == null || password.isEmpty() ? null : password;
    }

    private <C extends Connection> int run(ConnectionFactory<C> factory, Load.Work<C> work, Duration length)
            throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        EventLog events = new EventLog();
        try (ConnectionPool<C> pool = ConnectionPool.builder(Specs.resolver(resolverSpec), factory)
                .name("watch").maxConnections(max).hostSelection(Specs.strategy(strategy)).listener(events).build();
                StatsdOptions.Publishing publishing = statsd.publish(pool, out);
                Load<C> load = new Load<>(pool, workers, work, Duration.ofMillis(1), 1, events).start()) {
            LiveView view = new LiveView(out, plain, "cueball watch " + resolverSpec, load, events);
            long until = length == null ? Long.MAX_VALUE : System.nanoTime() + length.toNanos();
            long frame = view.terminal() ? 500 : 1000;
            while (System.nanoTime() < until) {
                TimeUnit.MILLISECONDS.sleep(Math.max(1, Math.min(frame, (until - System.nanoTime()) / 1_000_000)));
                view.draw(pool::stats, null);
            }
            PoolStats stats = pool.stats();
            if (!events.reachedRunning() && stats.state() != PoolState.RUNNING) {
                spec.commandLine().getErr().println("cueball: pool '" + stats.name() + "' never reached RUNNING in "
                        + Durations.format(length) + " (it is " + stats.state() + "): " + whyNotRunning(stats, events));
                return 1;
            }
        }
        return 0;
    }

    /** Why a pool is not running, in one line: its dead backends and their reasons, or that it has none. */
    static String whyNotRunning(PoolStats stats, EventLog events) {
        List<String> why = new ArrayList<>();
        for (BackendStats b : stats.backends()) {
            String reason = LiveView.reason(b);
            if (reason != null) {
                why.add(b.backend().key() + " " + b.status().name().toLowerCase(Locale.ROOT) + ": "
                        + reason);
            }
        }
        if (stats.backends().isEmpty()) {
            why.add("the resolver reported no backends" + (events.lastResolverFailure() == null ? ""
                    : "; it failed: " + events.lastResolverFailure()));
        } else if (why.isEmpty()) {
            why.add(Words.count(stats.backends().size(), "backend") + ", none connected yet");
        }
        return String.join("; ", why);
    }
}
