package io.cueball.conn.jdbc;

/**
 * Which backends a pool wants, by their {@link ServerRole}; the resolver of {@link PostgresRoles#resolver} reports
 * only those. (pgjdbc's {@code targetServerType} makes the same choice per connection; here a pool makes it per
 * backend, and follows role changes.)
 */
public enum TargetRole {
    /** The primary only: for writes. */
    PRIMARY,
    /** Replicas only: a pool with no live replica has nothing to claim from (reads then wait or fail). */
    REPLICA,
    /**
     * Replicas, or the primary while no replica is live: for reads that should keep working when every replica is
     * down or was promoted. The primary leaves again as soon as a replica answers.
     */
    PREFER_REPLICA
}
