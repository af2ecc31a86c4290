package io.cueball.cli;

import io.cueball.Resolver;
import io.cueball.resolver.consul.ConsulResolver;
import io.cueball.resolver.dns.DnsSrvResolver;
import io.cueball.resolver.fixed.StaticResolver;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the command line's resolver specs and durations. */
final class Specs {
    private static final String FORMS = "static:host:port[,host:port...], dns:_service._tcp.name[@server:port]"
            + " or consul:service[?tag=..&dc=..]@host:port";
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)?");

    private Specs() {
    }

    /**
     * A resolver for a spec.
     *
     * @throws UsageException naming what is wrong with the spec
     */
    static Resolver resolver(String spec) {
        int colon = spec.indexOf(':');
        String scheme = colon < 0 ? "" : spec.substring(0, colon).toLowerCase(Locale.ROOT);
        String rest = colon < 0 ? "" : spec.substring(colon + 1);
        switch (scheme) {
            case "static":
                try {
                    return StaticResolver.parse(rest);
                } catch (IllegalArgumentException e) {
                    throw new UsageException("bad static spec: " + e.getMessage());
                }
            case "dns":
                try {
                    return DnsSrvResolver.parse(spec);
                } catch (IllegalArgumentException e) {
                    throw new UsageException("bad dns spec: " + e.getMessage());
                }
            case "consul":
                try {
                    // The token comes from the environment, as with Consul's own CLI, never from the spec.
                    return ConsulResolver.parse(spec).token(() -> System.getenv("CONSUL_HTTP_TOKEN")).build();
                } catch (IllegalArgumentException e) {
                    throw new UsageException("bad consul spec: " + e.getMessage());
                }
            default:
                throw new UsageException("unknown resolver spec '" + spec + "': expected " + FORMS);
        }
    }

    /** Parses {@code 30s}, {@code 500ms}, {@code 2m}, {@code 1h}, or a number of seconds. */
    static Duration duration(String text, String option) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            throw new UsageException("invalid duration '" + text + "' for " + option
                    + ": expected for example 30s, 500ms or 2m");
        }
        double value = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double millis = switch (unit) {
            case "ms" -> value;
            case "m" -> value * 60_000;
            case "h" -> value * 3_600_000;
            default -> value * 1_000;
        };
        return Duration.ofMillis((long) millis);
    }
}
