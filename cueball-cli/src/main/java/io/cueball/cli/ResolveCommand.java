package io.cueball.cli;

import io.cueball.Backend;
import io.cueball.Durations;
import io.cueball.Resolver;
import io.cueball.ResolverListener;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Prints what a resolver reports, like node-cueball's cbresolve. */
@Command(name = "resolve", mixinStandardHelpOptions = true,
        // One element per paragraph: picocli wraps each, and the command list shows the first alone.
        description = {"Prints the backends a resolver reports, one per line.",
            "With -f, follows and prints each added or removed backend with a timestamp.",
            Specs.HELP,
            Specs.TIME_HELP,
            "Exits 0 with an answer, 1 when no backend was reported within --timeout, and 2 on bad input (a"
                + " malformed spec, a name server that does not answer, a name that does not exist)."})
final class ResolveCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SPEC", description = "Where the backends come from.")
    String resolverSpec;

    @Option(names = {"-f", "--follow"}, description = "Keep running and print each change as it happens.")
    boolean follow;

    @Option(names = "--timeout", defaultValue = "5s", paramLabel = "TIME",
            description = "How long to wait for the first answer (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--duration", paramLabel = "TIME",
            description = "With -f: stop after this long (default: until interrupted).")
    Duration duration;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<String, Backend> current = new LinkedHashMap<>();
    private int reports;
    private Throwable failure;

    @Override
    public Integer call() throws InterruptedException {
        Duration wait = timeout;
        Duration followFor = duration;
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Resolver resolver = Specs.resolver(resolverSpec);
        try {
            resolver.start(new ResolverListener() {
                @Override
                public void backendAdded(Backend b) {
                    record(b, true, out);
                }

                @Override
                public void backendRemoved(Backend b) {
                    record(b, false, out);
                }

                @Override
                public void resolverFailed(Throwable cause) {
                    lock.lock();
                    try {
                        failure = cause;
                        changed.signalAll();
                    } finally {
                        lock.unlock();
                    }
                    if (follow) {
                        err.println(Instant.now() + "  resolver failed: " + Main.explain(cause));
                        err.flush();
                    }
                }
            });
            if (follow) {
                long until = followFor == null ? Long.MAX_VALUE : System.nanoTime() + followFor.toNanos();
                while (System.nanoTime() < until) {
                    TimeUnit.MILLISECONDS.sleep(Math.min(200, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
                }
                return 0;
            }
            if (!awaitAnswer(wait)) {
                if (failure != null) {
                    // Nothing answered at all (an unreachable name server, a name that does not exist: NXDOMAIN
                    // is reported as a failure at once): the spec is what is wrong.
                    throw new UsageException("resolving " + resolverSpec + " failed: " + Main.explain(failure));
                }
                err.println("cueball: no backends reported within " + Durations.format(wait));
                return 1;
            }
            lock.lock();
            try {
                current.values().forEach(b -> out.println(describe(b)));
            } finally {
                lock.unlock();
            }
            out.flush();
            return 0;
        } finally {
            resolver.close();
        }
    }

    /** Waits for a first report, then for a short quiet spell so that a whole answer is printed. */
    private boolean awaitAnswer(Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        lock.lock();
        try {
            while (reports == 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || failure != null) {
                    return false;
                }
                changed.awaitNanos(left);
            }
            int seen;
            do {
                seen = reports;
                changed.await(200, TimeUnit.MILLISECONDS);
            } while (seen != reports);
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void record(Backend b, boolean added, PrintWriter out) {
        lock.lock();
        try {
            if (added) {
                current.put(b.key(), b);
            } else {
                current.remove(b.key());
            }
            reports++;
            changed.signalAll();
            if (follow) {
                out.println(Instant.now() + "  " + (added ? "added  " : "removed") + "  " + describe(b));
                out.flush();
            }
        } finally {
            lock.unlock();
        }
    }

    /** One backend: key, weight, priority and metadata in key order (dns.name says which name answered). */
    private static String describe(Backend b) {
        return b.key() + "  weight=" + b.weight() + " priority=" + b.priority()
                + (b.metadata().isEmpty() ? "" : " " + new TreeMap<>(b.metadata()));
    }
}
