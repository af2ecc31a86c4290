package io.cueball.resolver.consul;

import io.cueball.Durations;
import io.cueball.internal.HostPort;
import java.util.Locale;

/**
 * Parses {@code [consul:]SERVICE[?key=value&...][@HOST[:PORT]]}; every error quotes the bad part. {@code wait} is
 * read by {@link Durations}, so it takes what every cueball duration takes and is refused in the same words.
 */
final class ConsulSpec {
    private ConsulSpec() {
    }

    static ConsulResolver.Builder parse(String spec) {
        String s = spec.trim();
        if (s.regionMatches(true, 0, "consul:", 0, 7)) {
            s = s.substring(7);
        }
        String agent = null;
        int at = s.lastIndexOf('@');
        if (at >= 0) {
            agent = s.substring(at + 1);
            s = s.substring(0, at);
        }
        String query = null;
        int q = s.indexOf('?');
        if (q >= 0) {
            query = s.substring(q + 1);
            s = s.substring(0, q);
        }
        if (s.isEmpty()) {
            throw new IllegalArgumentException("no service in Consul spec '" + spec
                    + "' (expected: consul:service[?tag=..&dc=..][@host:port])");
        }
        ConsulResolver.Builder b = ConsulResolver.builder(s);
        if (agent != null) {
            HostPort hp = HostPort.parse(agent, 8500, "agent", spec);
            b.agent(hp.host(), hp.port());
        }
        if (query != null) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                String key = eq < 0 ? pair : pair.substring(0, eq);
                String value = eq < 0 ? "" : pair.substring(eq + 1);
                String where = "'" + pair + "' in Consul spec '" + spec + "'";
                switch (key) {
                    case "tag" -> b.tag(value);
                    case "dc" -> b.datacenter(value);
                    case "warning" -> {
                        if (!value.equals("true") && !value.equals("false")) {
                            throw new IllegalArgumentException("invalid warning " + where + " (expected: true or false)");
                        }
                        b.acceptWarning(Boolean.parseBoolean(value));
                    }
                    case "consistency" -> {
                        try {
                            b.consistency(ConsulResolver.Consistency.valueOf(value.toUpperCase(Locale.ROOT)));
                        } catch (IllegalArgumentException e) {
                            throw new IllegalArgumentException("invalid consistency " + where
                                    + " (expected: default, stale or consistent)");
                        }
                    }
                    case "wait" -> b.wait(Durations.parse("wait", value)); // the builder checks 1 s to 9 min
                    case "token" -> throw new IllegalArgumentException("a token in Consul spec '" + spec
                            + "' would end up in shell histories and logs; pass it another way ($CONSUL_HTTP_TOKEN)");
                    default -> throw new IllegalArgumentException("unknown option " + where
                            + " (expected: tag, dc, warning, consistency or wait)");
                }
            }
        }
        return b;
    }
}
