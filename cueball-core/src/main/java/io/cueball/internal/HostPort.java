package io.cueball.internal;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A host and port parsed from {@code host:port}, {@code [v6]:port}, or (where a default port applies)
 * {@code host} and {@code [v6]}: the one parser behind every spec string of cueball's resolvers, so that their
 * errors read alike and quote the part that is wrong.
 *
 * @param host the host, an IPv6 literal without brackets
 * @param port the port, 1..65535
 */
public record HostPort(String host, int port) {
    private static final Pattern BRACKETED = Pattern.compile("\\[([0-9A-Fa-f:.]+(?:%[\\w.]+)?)\\](?::(.*))?");
    private static final Pattern PLAIN = Pattern.compile("([A-Za-z0-9._-]+)(?::([^:]*))?");

    /**
     * Parses one address.
     *
     * @param text        the address
     * @param defaultPort the port when the text has none, or 0 if a port is required
     * @param what        what the address is, for messages ("backend", "name server", "agent")
     * @param context     the whole spec the address came from, quoted in messages
     * @return the host and port
     * @throws IllegalArgumentException quoting the bad part, the spec and what was expected
     */
    public static HostPort parse(String text, int defaultPort, String what, String context) {
        Matcher m = BRACKETED.matcher(text);
        if (!m.matches()) {
            m = PLAIN.matcher(text);
            if (!m.matches()) {
                String expected = defaultPort == 0 ? "host:port, for example db1.internal:5432" : "host[:port]";
                String hint = text.chars().filter(c -> c == ':').count() > 1
                        ? " (an IPv6 address needs brackets: [::1]" + (defaultPort == 0 ? ":5432" : "") + ")"
                        : " (expected " + expected + ")";
                throw new IllegalArgumentException("invalid " + what + " '" + text + "' in '" + context + "'" + hint);
            }
        }
        String portText = m.group(2);
        if (portText == null) {
            if (defaultPort == 0) {
                throw new IllegalArgumentException("invalid " + what + " '" + text + "' in '" + context
                        + "' (expected host:port, for example db1.internal:5432)");
            }
            return new HostPort(m.group(1), defaultPort);
        }
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid port '" + portText + "' in " + what + " '" + text + "' of '"
                    + context + "' (expected: a number 1..65535)");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " out of range in " + what + " '" + text + "' of '"
                    + context + "' (expected: 1..65535)");
        }
        return new HostPort(m.group(1), port);
    }
}
