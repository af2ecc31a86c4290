package io.cueball.cli;

import io.cueball.ConnectionPool;
import io.cueball.micrometer.CueballPoolMetrics;
import io.micrometer.core.instrument.Clock;
import io.micrometer.statsd.StatsdConfig;
import io.micrometer.statsd.StatsdFlavor;
import io.micrometer.statsd.StatsdMeterRegistry;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * {@code --statsd HOST:PORT} and {@code --statsd-flavor}, mixed into {@code demo} and {@code watch}: while the
 * command runs, the pool's meters ({@link CueballPoolMetrics}) go to a statsd agent over UDP through Micrometer's
 * {@link StatsdMeterRegistry}. Gauges and counters are sent once a second ({@link #STEP}); timers send one line
 * per claim, release and connect as they happen. The registry's threads are Micrometer's (its shaded Reactor
 * Netty); closing what {@link #publish} returns stops them.
 */
final class StatsdOptions {
    /** How often gauges and counters are polled and sent. */
    static final Duration STEP = Duration.ofSeconds(1);

    @Option(names = "--statsd", paramLabel = "HOST:PORT",
            description = "Send the pool's meters (cueball.*: connections, timers, per backend) to a statsd agent "
                    + "at HOST:PORT over UDP: gauges once a second, a timer line per claim and release (which slows "
                    + "a busy pool's claims by microseconds each). IPv6: [::1]:8125.")
    String address;

    @Option(names = "--statsd-flavor", defaultValue = "datadog", paramLabel = "FLAVOR",
            description = "The statsd line format: datadog (tags as |#pool:demo, the default), telegraf (name,"
                    + "pool=demo), sysdig, or etsy (plain statsd, as pooly sent: tags folded into the name).")
    String flavor;

    /** What to publish to; null without {@code --statsd}. */
    private Target target;

    /** A parsed {@code --statsd} and {@code --statsd-flavor}. */
    record Target(String host, int port, StatsdFlavor flavor) {
        @Override
        public String toString() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /**
     * Checks the options before the command starts anything.
     *
     * @throws UsageException naming {@code --statsd} or {@code --statsd-flavor} and the bad value
     */
    void validate() {
        StatsdFlavor f = flavor(flavor);
        target = address == null ? null : parse(address, f);
    }

    /**
     * Starts sending a pool's meters, if {@code --statsd} was given.
     *
     * @param pool the pool
     * @param out  where to say so
     * @return what stops it (closes the registry and removes the meters); does nothing without {@code --statsd}
     */
    Publishing publish(ConnectionPool<?> pool, PrintWriter out) {
        if (target == null) {
            return () -> { };
        }
        Target t = target;
        StatsdConfig config = new StatsdConfig() {
            @Override
            public String get(String key) {
                return null; // every other setting at Micrometer's default
            }

            @Override
            public StatsdFlavor flavor() {
                return t.flavor();
            }

            @Override
            public String host() {
                return t.host();
            }

            @Override
            public int port() {
                return t.port();
            }

            @Override
            public Duration step() {
                return STEP;
            }

            @Override
            public Duration pollingFrequency() {
                return STEP;
            }
        };
        StatsdMeterRegistry registry = new StatsdMeterRegistry(config, Clock.SYSTEM);
        CueballPoolMetrics metrics = new CueballPoolMetrics(pool);
        metrics.bindTo(registry);
        out.println("statsd: sending the meters of pool '" + pool.name() + "' to " + t + " every "
                + STEP.toSeconds() + " s (" + t.flavor().name().toLowerCase(Locale.ROOT) + " lines)");
        out.flush();
        return () -> {
            registry.close();
            metrics.close();
        };
    }

    /** Stops sending. */
    interface Publishing extends AutoCloseable {
        @Override
        void close();
    }

    static StatsdFlavor flavor(String text) {
        for (StatsdFlavor f : StatsdFlavor.values()) {
            if (f.name().equalsIgnoreCase(text.trim())) {
                return f;
            }
        }
        throw new UsageException("--statsd-flavor: '" + text + "' (expected: datadog, telegraf, sysdig or etsy)");
    }

    /**
     * Parses {@code host:port} or {@code [v6]:port} and resolves the host once, so a typo fails here rather than
     * in the registry's background thread.
     */
    static Target parse(String text, StatsdFlavor flavor) {
        String expected = " (expected: HOST:PORT, the port 1..65535, an IPv6 host in brackets: [::1]:8125)";
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new UsageException("--statsd: '" + text + "'" + expected);
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new UsageException("--statsd: '" + text + "'" + expected);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new UsageException("--statsd: '" + text + "'" + expected);
        }
        if (host.isEmpty() || port < 1 || port > 65_535) {
            throw new UsageException("--statsd: '" + text + "'" + expected);
        }
        try {
            return new Target(InetAddress.getByName(host).getHostAddress(), port, flavor);
        } catch (UnknownHostException e) {
            throw new UsageException("--statsd: cannot resolve host '" + host + "' of '" + text + "'");
        }
    }
}
