package io.cueball.conn.jdbc;

/**
 * What a PostgreSQL server is in a streaming-replication cluster, as {@code SELECT pg_is_in_recovery()} tells:
 * {@code false} for the primary, {@code true} for a hot standby.
 */
public enum ServerRole {
    /** Accepts writes ({@code pg_is_in_recovery()} is false). */
    PRIMARY,
    /** A hot standby: serves reads, rejects writes with SQLState 25006 ({@code pg_is_in_recovery()} is true). */
    REPLICA
}
