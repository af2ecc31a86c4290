package io.cueball;

import io.cueball.internal.HostPort;
import java.util.Map;
import java.util.Objects;

/**
 * One instance of the service a pool talks to: an address, plus the weight, priority and metadata its
 * resolver reported.
 *
 * <p>Two backends with the same {@link #key()} are the same backend as far as the pool is concerned: a
 * resolver that reports a backend again with a different weight updates it rather than adding a second
 * one.
 *
 * @param host     a host name or an IP literal, never empty; an IPv6 literal is given without brackets, in
 *                 RFC 5952's form ({@code ::1}, {@code fe80::1%eth0}) whatever spelling it was given in, so
 *                 that every spelling of one address is one backend
 * @param port     the TCP port, 1 to 65535
 * @param weight   the relative share of connections this backend should get among live backends of the
 *                 pool, {@code >= 0}; 1 unless a resolver says otherwise. A backend of weight 0 gets
 *                 connections only when every live backend has weight 0.
 * @param priority a resolver's priority (lower is preferred, as in DNS SRV), {@code >= 0}; the pool
 *                 itself does not use it, resolvers filter by it
 * @param metadata free-form attributes from the resolver (for example Consul tags), never null
 */
public record Backend(String host, int port, int weight, int priority, Map<String, String> metadata) {

    /** The weight of a backend whose resolver gives none. */
    public static final int DEFAULT_WEIGHT = 1;

    /**
     * Validates and copies the components.
     *
     * @param host     a host name or an IP literal, never empty; an IPv6 literal may come in brackets and in any
     *                 spelling, and is kept in RFC 5952's form
     * @param port     the TCP port, 1 to 65535
     * @param weight   the relative share of connections, {@code >= 0}
     * @param priority the resolver's priority, {@code >= 0}
     * @param metadata the resolver's attributes; null is taken as none, and the map is copied
     * @throws IllegalArgumentException if the host is empty or blank or has a colon but is no IPv6 literal, the
     *                                  port is outside 1..65535, or the weight or priority is negative
     * @throws NullPointerException     if the host is null
     */
    public Backend {
        Objects.requireNonNull(host, "host must not be null");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host: '" + host + "' (expected: a non-empty host name or IP address)");
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1); // accept "[::1]" and keep one spelling of each address
        }
        if (host.indexOf(':') >= 0) {
            // Only an IPv6 literal has a colon. Its canonical text makes [::1] and [0:0:0:0:0:0:0:1] one key,
            // whichever resolver spelled it (InetAddress.getHostAddress() writes every zero group out).
            String canonical = HostPort.canonicalIpv6(host);
            if (canonical == null) {
                throw new IllegalArgumentException("host: '" + host
                        + "' (expected: a host name, an IPv4 address or an IPv6 literal such as ::1)");
            }
            host = canonical;
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1..65535) for host " + host);
        }
        if (weight < 0) {
            throw new IllegalArgumentException("weight: " + weight + " (expected: >= 0) for " + host + ":" + port);
        }
        if (priority < 0) {
            throw new IllegalArgumentException("priority: " + priority + " (expected: >= 0) for " + host + ":" + port);
        }
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    /**
     * A backend with the default weight, priority 0 and no metadata.
     *
     * @param host a host name or an IP literal
     * @param port the TCP port, 1 to 65535
     * @return the backend
     */
    public static Backend of(String host, int port) {
        return new Backend(host, port, DEFAULT_WEIGHT, 0, Map.of());
    }

    /**
     * The stable identity of this backend: {@code host:port}, with an IPv6 literal in brackets
     * ({@code [::1]:5432}).
     *
     * @return the key
     */
    public String key() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }

    /**
     * This backend with another weight.
     *
     * @param newWeight the weight, {@code >= 0}
     * @return a backend with the same address, priority and metadata
     */
    public Backend withWeight(int newWeight) {
        return new Backend(host, port, newWeight, priority, metadata);
    }

    @Override
    public String toString() {
        return key();
    }
}
