package io.cueball.conn.jdbc;

import io.cueball.Backend;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link PostgresRoles} knows about each backend of its source: its last known role, whether its last probe
 * answered, and when to probe it next; and from that, which backends each {@link TargetRole} wants. No I/O, no
 * threads and no clock of its own: every method takes {@code now}, so tests step through exact instants.
 *
 * <p>The rules (each one a test in {@code RoleTableTest}):
 * <ol>
 *   <li>A new backend is probed at once; its role is unknown until it answers, and a backend of unknown role is in
 *       no set.</li>
 *   <li>Each backend is probed again {@code interval} after its last probe ended (answered or failed), never twice
 *       at the same time.</li>
 *   <li>A probe that fails keeps the backend's last known role (DESIGN invariant 6: a failure never removes a
 *       backend), with one exception: <b>a primary that does not answer is superseded by another that does</b>.
 *       A streaming-replication cluster has one primary; when a replica is promoted and answers
 *       {@code pg_is_in_recovery() = false}, that fresh answer outranks the memory of the old primary, which loses
 *       its role (unknown) until it answers again. Without this the primary set would hold a dead server for as
 *       long as it is down and, if it came back un-demoted, split writes between the two.</li>
 *   <li>{@link TargetRole#PREFER_REPLICA} wants the replicas (answering or not), plus the primaries while no replica
 *       answers. Its fallback switches on only once every backend has had its first probe (so a start-up in which
 *       the primary happens to answer first does not hand the primary to the replicas' pool for a few
 *       milliseconds), and off as soon as a replica answers. ({@link PostgresRoles} starts no probe while its
 *       source's {@code start()} runs, so what a source reports there one call at a time is one batch.)</li>
 * </ol>
 *
 * <p>Not thread-safe: {@link PostgresRoles} uses it under its lock.
 */
final class RoleTable {

    /** One backend's row. */
    private static final class Row {
        Backend backend;
        ServerRole role;          // null: unknown (never answered, or a superseded primary)
        boolean answering;        // the last probe that ended, answered
        boolean probed;           // at least one probe ended (answered or failed)
        boolean probing;          // a probe is running now
        long nextProbeAt;         // when to start the next probe, if not probing
        String lastFailure;

        Row(Backend backend, long now) {
            this.backend = backend;
            this.nextProbeAt = now;
        }
    }

    private final long intervalNanos;
    private final Map<String, Row> rows = new LinkedHashMap<>();
    private boolean preferFallback;

    /** @param intervalNanos how long after one probe of a backend ends the next one starts, {@code > 0} */
    RoleTable(long intervalNanos) {
        if (intervalNanos <= 0) {
            throw new IllegalArgumentException("intervalNanos: " + intervalNanos + " (expected: > 0)");
        }
        this.intervalNanos = intervalNanos;
    }

    /**
     * The source reported a backend: a new one is due for a probe now; a known one keeps its role and takes the
     * reported weight, priority and metadata.
     *
     * @return true if the backend is new
     */
    boolean add(Backend backend, long now) {
        Row row = rows.get(backend.key());
        if (row != null) {
            row.backend = backend;
            return false;
        }
        rows.put(backend.key(), new Row(backend, now));
        updateFallback();
        return true;
    }

    /** The source no longer lists the backend. A probe of it still running is ignored when it ends. */
    void remove(String key) {
        if (rows.remove(key) != null) {
            updateFallback();
        }
    }

    /**
     * Marks every backend whose probe is due as probing.
     *
     * @return the backends to probe now
     */
    List<Backend> startDue(long now) {
        List<Backend> due = new ArrayList<>();
        for (Row row : rows.values()) {
            if (!row.probing && row.nextProbeAt - now <= 0) {
                row.probing = true;
                due.add(row.backend);
            }
        }
        return due;
    }

    /**
     * A probe of the backend ended with an answer (or a connection was bound to it and read its role). Other
     * primaries that do not answer are superseded (rule 3).
     *
     * @return true if the backend is still in the table
     */
    boolean answered(String key, ServerRole role, long now) {
        Row row = rows.get(key);
        if (row == null) {
            return false;
        }
        end(row, now);
        learn(row, role);
        return true;
    }

    /**
     * A connection bound to the backend read its role (outside the probe schedule, which this leaves alone: a probe
     * running now still ends as usual).
     *
     * @return true if the backend is in the table and this changed its role or brought it back
     */
    boolean observed(String key, ServerRole role) {
        Row row = rows.get(key);
        if (row == null || (row.role == role && row.answering)) {
            return false;
        }
        row.probed = true;
        learn(row, role);
        return true;
    }

    private void learn(Row row, ServerRole role) {
        row.role = role;
        row.answering = true;
        row.lastFailure = null;
        if (role == ServerRole.PRIMARY) {
            for (Row other : rows.values()) {
                if (other != row && other.role == ServerRole.PRIMARY && !other.answering && other.probed) {
                    other.role = null;
                }
            }
        }
        updateFallback();
    }

    /**
     * A probe of the backend failed: it keeps its last known role unless it was a primary and another primary
     * answers (rule 3).
     *
     * @return true if this failure is news (the backend answered before, or this was its first probe): worth
     *         reporting once, not at every interval while it stays down
     */
    boolean failed(String key, String failure, long now) {
        Row row = rows.get(key);
        if (row == null) {
            return false;
        }
        boolean news = row.answering || !row.probed;
        end(row, now);
        row.answering = false;
        row.lastFailure = failure;
        if (row.role == ServerRole.PRIMARY) {
            for (Row other : rows.values()) {
                if (other != row && other.role == ServerRole.PRIMARY && other.answering) {
                    row.role = null;
                    break;
                }
            }
        }
        updateFallback();
        return news;
    }

    private void end(Row row, long now) {
        row.probing = false;
        row.probed = true;
        row.nextProbeAt = now + intervalNanos;
    }

    /**
     * @return nanoseconds until the next probe is due (0 if one is due now), or {@link Long#MAX_VALUE} if none is
     *         scheduled (the table is empty, or every backend is being probed)
     */
    long nextDelayNanos(long now) {
        long next = Long.MAX_VALUE;
        for (Row row : rows.values()) {
            if (!row.probing) {
                next = Math.min(next, Math.max(0, row.nextProbeAt - now));
            }
        }
        return next;
    }

    /** @return the backends the target wants, in the order the source first reported them */
    List<Backend> wanted(TargetRole target) {
        List<Backend> wanted = new ArrayList<>();
        for (Row row : rows.values()) {
            if (row.role == ServerRole.REPLICA ? target != TargetRole.PRIMARY
                    : row.role == ServerRole.PRIMARY && (target == TargetRole.PRIMARY
                            || (target == TargetRole.PREFER_REPLICA && preferFallback))) {
                wanted.add(row.backend);
            }
        }
        return wanted;
    }

    /** @return the role last read from the backend, or null if unknown or not in the table */
    ServerRole role(String key) {
        Row row = rows.get(key);
        return row == null ? null : row.role;
    }

    /** @return every backend's row, in the order the source first reported them */
    List<PostgresRoles.Status> status() {
        List<PostgresRoles.Status> status = new ArrayList<>(rows.size());
        for (Row row : rows.values()) {
            status.add(new PostgresRoles.Status(row.backend, row.role, row.answering, row.lastFailure));
        }
        return status;
    }

    private void updateFallback() {
        boolean replicaAnswers = false;
        boolean allProbed = true;
        for (Row row : rows.values()) {
            replicaAnswers |= row.role == ServerRole.REPLICA && row.answering;
            allProbed &= row.probed;
        }
        if (replicaAnswers) {
            preferFallback = false;
        } else if (allProbed) {
            preferFallback = true;
        } // else: a backend still waits for its first answer; it may be a replica, so keep the current choice
    }
}
