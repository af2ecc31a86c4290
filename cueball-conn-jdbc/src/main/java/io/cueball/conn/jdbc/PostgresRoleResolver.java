package io.cueball.conn.jdbc;

import io.cueball.Backend;
import io.cueball.Resolver;
import io.cueball.ResolverListener;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A resolver decorator: the backends of another resolver that are in one {@link TargetRole}, as
 * {@link PostgresRoles} reads them. Get one from {@link PostgresRoles#resolver(TargetRole)}, give it to one pool.
 *
 * <p>It reports, like any resolver, only changes: a backend that enters its role is added, one that leaves it
 * (a replica promoted, a primary superseded by a promoted replica, a backend its source removed) is removed; a
 * backend whose role cannot be read stays, and its pool hears {@link ResolverListener#resolverFailed} once.
 *
 * <p>Its listener is called on the tracker's thread {@code cueball-roles-<name>}, one call at a time. {@link #start}
 * returns at once: the backends are reported as their roles are read (a pool started on it has no backend for the
 * first probe's round trip; its claims wait, as they do for any resolver that answers later). {@link #close}
 * stops the reports, and the tracker's threads and source with the last of its resolvers. Thread-safe.
 */
public final class PostgresRoleResolver implements Resolver {
    private final PostgresRoles roles;
    private final TargetRole target;

    // Set under the tracker's lock, read by the tracker thread.
    private volatile ResolverListener listener;
    private volatile boolean closed;

    // The tracker thread's alone.
    private final Map<String, Backend> reported = new LinkedHashMap<>();

    PostgresRoleResolver(PostgresRoles roles, TargetRole target) {
        this.roles = roles;
        this.target = target;
    }

    /** @return the role whose backends it reports */
    public TargetRole target() {
        return target;
    }

    /** @return the tracker it reports from */
    public PostgresRoles roles() {
        return roles;
    }

    /**
     * Starts reporting (and the tracker, if this is its first resolver to start).
     *
     * @throws IllegalStateException if already started or closed
     */
    @Override
    public void start(ResolverListener listener) {
        roles.start(this, listener);
    }

    /** Stops reporting; the last of a tracker's resolvers to close closes the tracker. Idempotent. */
    @Override
    public void close() {
        roles.closed(this);
    }

    @Override
    public String toString() {
        return "PostgresRoleResolver[" + target + " of " + roles.name() + "]";
    }

    ResolverListener listener() {
        return listener;
    }

    boolean isClosed() {
        return closed;
    }

    void started(ResolverListener l) {
        this.listener = l;
    }

    void markClosed() {
        this.closed = true;
    }

    /** On the tracker thread: reports what differs from the last report, removals first. */
    void report(List<Backend> wanted) {
        ResolverListener l = listener;
        Map<String, Backend> next = new LinkedHashMap<>();
        for (Backend b : wanted) {
            next.put(b.key(), b);
        }
        List<Backend> gone = new ArrayList<>();
        for (Backend b : reported.values()) {
            if (!next.containsKey(b.key())) {
                gone.add(b);
            }
        }
        for (Backend b : gone) {
            reported.remove(b.key());
            if (!closed) {
                tell(() -> l.backendRemoved(b));
            }
        }
        for (Backend b : next.values()) {
            if (!b.equals(reported.put(b.key(), b)) && !closed) {
                tell(() -> l.backendAdded(b)); // new in this role, or its weight, priority or metadata changed
            }
        }
    }

    /** On the tracker thread. */
    boolean reports(String key) {
        return reported.containsKey(key);
    }

    /** On the tracker thread. */
    void failed(Throwable cause) {
        if (!closed) {
            tell(() -> listener.resolverFailed(cause));
        }
    }

    /** A listener that throws must not stop the tracker thread, which serves every pool of the tracker. */
    private static void tell(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            // The pool's own listener never throws; a foreign one broke its contract and missed this one report.
        }
    }
}
