package io.cueball.cli;

import io.cueball.ConnectionPool;
import io.cueball.conn.tcp.TcpConnection;
import io.cueball.conn.tcp.TcpConnectionFactory;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** A pool against a real service, with the demo's live view. */
@Command(name = "watch", mixinStandardHelpOptions = true,
        description = {"Runs a pool against a real service and shows it live: per backend its state and",
            "connections, for the pool its state, claims and waits.",
            "SPEC: static:host:port[,host:port...] or dns:_service._proto.domain[@server:port][?port=N]"})
final class WatchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SPEC", description = "Where the backends come from.")
    String resolverSpec;

    @Option(names = "--max", defaultValue = "10", paramLabel = "N",
            description = "maxConnections of the pool (default: ${DEFAULT-VALUE}).")
    int max;

    @Option(names = "--tcp", description = "Plain TCP connections (the only kind in this build).")
    boolean tcp;

    @Option(names = "--workers", defaultValue = "0", paramLabel = "N",
            description = "Threads that claim and release without using the connections (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--duration", paramLabel = "TIME", description = "Stop after this long (default: until interrupted).")
    String duration;

    @Option(names = "--plain", description = "One status line per second instead of a redrawn screen.")
    boolean plain;

    @Override
    public Integer call() throws InterruptedException {
        if (!tcp) {
            throw new UsageException("choose a connection type: --tcp");
        }
        if (max < 1) {
            throw new UsageException("--max: " + max + " (expected: >= 1)");
        }
        if (workers < 0 || workers > 1_000) {
            throw new UsageException("--workers: " + workers + " (expected: 0..1000)");
        }
        Duration length = duration == null ? null : Specs.duration(duration, "--duration");
        PrintWriter out = spec.commandLine().getOut();
        EventLog events = new EventLog();
        try (ConnectionPool<TcpConnection> pool = ConnectionPool.builder(Specs.resolver(resolverSpec),
                        TcpConnectionFactory.create())
                .name("watch").maxConnections(max).listener(events).build();
                Load load = new Load(pool, workers, false, Duration.ofMillis(1), 1, events).start()) {
            LiveView view = new LiveView(out, plain, "cueball watch " + resolverSpec, load, events);
            long until = length == null ? Long.MAX_VALUE : System.nanoTime() + length.toNanos();
            long frame = view.terminal() ? 500 : 1000;
            while (System.nanoTime() < until) {
                TimeUnit.MILLISECONDS.sleep(Math.max(1, Math.min(frame, (until - System.nanoTime()) / 1_000_000)));
                view.draw(pool::stats, null);
            }
        }
        return 0;
    }
}
