package io.cueball.internal;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A host and port parsed from {@code host:port}, {@code [v6]:port}, or (where a default port applies)
 * {@code host} and {@code [v6]}: the one parser behind every spec string of cueball's resolvers, so that their
 * errors read alike and quote the part that is wrong.
 *
 * <p>An IPv6 literal comes out in one spelling, {@link #canonicalIpv6}'s, so that {@code [::1]} and
 * {@code [0:0:0:0:0:0:0:1]} name the same backend. Host names are left as they are: nothing here looks
 * anything up.
 *
 * @param host the host, an IPv6 literal without brackets and in canonical form
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
            return new HostPort(host(m, text, what, context), defaultPort);
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
        return new HostPort(host(m, text, what, context), port);
    }

    /** The host of a match: a bracketed one must be an IPv6 literal, and comes out canonical. */
    private static String host(Matcher m, String text, String what, String context) {
        if (m.pattern() != BRACKETED) {
            return m.group(1);
        }
        String canonical = canonicalIpv6(m.group(1));
        if (canonical == null) {
            throw new IllegalArgumentException("invalid IPv6 address '" + m.group(1) + "' in " + what + " '" + text
                    + "' of '" + context + "' (expected: an IPv6 literal such as [::1] or [2001:db8::7])");
        }
        return canonical;
    }

    /**
     * The one text form of an IPv6 literal, RFC 5952's: lower case, no leading zeros in a group, the longest
     * run of two or more zero groups (the first of equally long ones) written {@code ::}, and an IPv4-mapped
     * address ({@code ::ffff:0:0/96}) with its last 32 bits dotted. A zone ({@code %eth0}) is kept as given:
     * its meaning belongs to the host it is used on. Pure text: no lookup, no {@link java.net.InetAddress}
     * (which would also turn an IPv4-mapped address into an IPv4 one, another backend as far as keys go).
     *
     * @param text an IPv6 literal without brackets, in any RFC 4291 spelling (for example
     *             {@code 0:0:0:0:0:0:0:1}, {@code 0000::0001}, {@code FE80::1%eth0}, {@code ::ffff:10.0.0.1})
     * @return the canonical text ({@code ::1}, {@code ::1}, {@code fe80::1%eth0}, {@code ::ffff:10.0.0.1}), or
     *         null if the text is not an IPv6 literal
     */
    public static String canonicalIpv6(String text) {
        if (text == null) {
            return null;
        }
        String address = text;
        String zone = "";
        int percent = text.indexOf('%');
        if (percent >= 0) {
            address = text.substring(0, percent);
            zone = text.substring(percent);
            if (zone.length() == 1) {
                return null;
            }
        }
        int[] groups = groups(address);
        return groups == null ? null : format(groups) + zone;
    }

    /** The eight 16-bit groups of an IPv6 address in RFC 4291 text, or null if it is not one. */
    private static int[] groups(String address) {
        int[] ipv4 = null;
        String hex = address;
        if (address.indexOf('.') >= 0) { // a dotted IPv4 tail, as in ::ffff:10.0.0.1, stands for two groups
            int colon = address.lastIndexOf(':');
            if (colon < 0) {
                return null;
            }
            ipv4 = ipv4(address.substring(colon + 1));
            if (ipv4 == null) {
                return null;
            }
            hex = address.substring(0, colon + 1) + "0:0"; // placeholders, filled in below
        }
        int gap = hex.indexOf("::");
        if (gap >= 0 && hex.indexOf("::", gap + 1) >= 0) {
            return null; // "::" may stand for one run of zeros only
        }
        String[] head = split(gap >= 0 ? hex.substring(0, gap) : hex);
        String[] tail = gap >= 0 ? split(hex.substring(gap + 2)) : new String[0];
        if (head == null || tail == null) {
            return null;
        }
        int written = head.length + tail.length;
        if (gap >= 0 ? written > 7 : written != 8) {
            return null;
        }
        int[] groups = new int[8];
        for (int i = 0; i < head.length; i++) {
            groups[i] = group(head[i]);
        }
        for (int i = 0; i < tail.length; i++) {
            groups[8 - tail.length + i] = group(tail[i]);
        }
        for (int g : groups) {
            if (g < 0) {
                return null;
            }
        }
        if (ipv4 != null) {
            groups[6] = ipv4[0] << 8 | ipv4[1];
            groups[7] = ipv4[2] << 8 | ipv4[3];
        }
        return groups;
    }

    /** Colon-separated groups, none empty; an empty text has none. Null if a group is empty. */
    private static String[] split(String s) {
        if (s.isEmpty()) {
            return new String[0];
        }
        String[] parts = s.split(":", -1);
        for (String p : parts) {
            if (p.isEmpty()) {
                return null;
            }
        }
        return parts;
    }

    /** One group of 1 to 4 hex digits, or -1. */
    private static int group(String s) {
        if (s.length() > 4) {
            return -1;
        }
        int value = 0;
        for (int i = 0; i < s.length(); i++) {
            int digit = Character.digit(s.charAt(i), 16);
            if (digit < 0) {
                return -1;
            }
            value = value << 4 | digit;
        }
        return value;
    }

    /** Four decimal octets of 1 to 3 digits each, 0..255, or null. */
    private static int[] ipv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        int[] octets = new int[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return null;
            }
            octets[i] = Integer.parseInt(p);
            if (octets[i] > 255) {
                return null;
            }
        }
        return octets;
    }

    private static String format(int[] g) {
        if (g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0 && g[5] == 0xffff) {
            return "::ffff:" + (g[6] >> 8) + "." + (g[6] & 0xff) + "." + (g[7] >> 8) + "." + (g[7] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1; // a single zero group is never shortened (RFC 5952, 4.2.2)
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder out = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(g[i]));
        }
        return out.toString();
    }
}
