package io.cueball.cli;

import io.cueball.HostSelection;
import io.cueball.Resolver;
import io.cueball.resolver.consul.ConsulResolver;
import io.cueball.resolver.dns.DnsSrvResolver;
import io.cueball.resolver.fixed.StaticResolver;
import java.util.Locale;

/**
 * Parses the command line's resolver specs and strategies. (Durations, in specs and options alike, are read by
 * {@link io.cueball.Durations}: the options through the converter {@link Main} registers.)
 */
final class Specs {
    private static final String FORMS = "static:host:port[,host:port...], dns:_service._tcp.name[@server:port]"
            + " or consul:service[?tag=..&dc=..]@host:port";

    /** The help paragraph on SPEC, one sentence: picocli wraps a paragraph, and a sentence cut in two reads as two. */
    static final String HELP = "SPEC is static:host:port[,host:port...], dns:_service._proto.domain[@server:port]"
            + "[?port=N&timeout=TIME&search=DOMAIN,DOMAIN&ndots=N] or consul:service[?tag=T&dc=DC&wait=TIME]"
            + "[@host:port] (the token from $CONSUL_HTTP_TOKEN); a DNS name without a trailing dot is completed by the"
            + " search list, as the system's resolver does, and each backend's dns.name says which name answered.";
    /** The help paragraph on TIME, for commands that take a duration. */
    static final String TIME_HELP = "TIME is a duration such as 250ms, 5s, 2m, 1h or PT5S.";

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

    /** The help of a --strategy option, after its default. */
    static final String STRATEGY_HELP = "How the pool chooses backends: round-robin, weighted, epsilon-greedy:EPSILON,"
            + " softmax:TEMPERATURE or least-in-use";

    /**
     * The host selection of a --strategy option.
     *
     * @throws UsageException naming the option, the value and what is wrong with it
     */
    static HostSelection strategy(String text) {
        try {
            return HostSelection.parse(text);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--strategy: '" + text + "': " + e.getMessage());
        }
    }

}
