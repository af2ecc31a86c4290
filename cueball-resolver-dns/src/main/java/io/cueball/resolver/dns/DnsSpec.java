package io.cueball.resolver.dns;

import io.cueball.Durations;
import io.cueball.internal.HostPort;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parses {@code [dns:]NAME[@SERVER[:PORT][,SERVER...]][?key=value&...]} into a builder. Every error quotes
 * the part that is wrong; {@code timeout} is read by {@link Durations}, so it takes what every cueball duration
 * takes and is refused in the same words.
 */
final class DnsSpec {
    private DnsSpec() {
    }

    static DnsSrvResolver.Builder parse(String spec) {
        String s = spec.trim();
        if (s.regionMatches(true, 0, "dns:", 0, 4)) {
            s = s.substring(4);
        }
        String query = null;
        int q = s.indexOf('?');
        if (q >= 0) {
            query = s.substring(q + 1);
            s = s.substring(0, q);
        }
        String servers = null;
        int at = s.indexOf('@');
        if (at >= 0) {
            servers = s.substring(at + 1);
            s = s.substring(0, at);
        }
        if (s.isEmpty()) {
            throw new IllegalArgumentException("no name in DNS spec '" + spec
                    + "' (expected: dns:_service._proto.domain[@server:port][?port=N])");
        }
        DnsSrvResolver.Builder b = DnsSrvResolver.builder(s);
        if (servers != null) {
            List<InetSocketAddress> list = new ArrayList<>();
            for (String server : servers.split(",", -1)) {
                list.add(server(server.trim(), spec));
            }
            b.nameservers(list);
        }
        if (query != null) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                String key = eq < 0 ? pair : pair.substring(0, eq);
                String value = eq < 0 ? "" : pair.substring(eq + 1);
                param(b, key, value, spec);
            }
        }
        return b;
    }

    private static void param(DnsSrvResolver.Builder b, String key, String value, String spec) {
        String where = "'" + key + "=" + value + "' in DNS spec '" + spec + "'";
        switch (key) {
            case "port" -> {
                try {
                    b.defaultPort(Integer.parseInt(value));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("invalid port " + where + " (expected: 1..65535)");
                }
            }
            case "family" -> {
                try {
                    b.addressFamily(DnsSrvResolver.AddressFamily.valueOf(
                            value.toUpperCase(Locale.ROOT).replace('-', '_')));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("invalid family " + where
                            + " (expected: prefer-ipv4, prefer-ipv6, ipv4-only, ipv6-only or both)");
                }
            }
            case "empty" -> {
                try {
                    b.onEmptyAnswer(DnsSrvResolver.EmptyAnswer.valueOf(value.toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("invalid empty " + where + " (expected: keep or remove)");
                }
            }
            case "timeout" -> {
                Duration timeout = Durations.parse("timeout", value);
                if (timeout.isZero()) {
                    throw new IllegalArgumentException("timeout: '" + value + "' (expected: > 0)");
                }
                b.queryTimeout(timeout);
            }
            case "search" -> b.searchDomains(value.isEmpty() ? List.of() : List.of(value.split(",", -1)));
            case "ndots" -> {
                try {
                    b.ndots(Integer.parseInt(value));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("invalid ndots " + where + " (expected: 0..15)");
                }
            }
            default -> throw new IllegalArgumentException("unknown option " + where
                    + " (expected: port, family, empty, timeout, search or ndots)");
        }
    }

    /** A name server: {@code host}, {@code host:port}, {@code [v6]} or {@code [v6]:port}; port 53 by default. */
    static InetSocketAddress server(String text, String spec) {
        HostPort hp = HostPort.parse(text, 53, "name server", spec);
        InetSocketAddress address = new InetSocketAddress(hp.host(), hp.port());
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("cannot resolve name server '" + hp.host() + "' in '" + spec + "'");
        }
        return address;
    }
}
