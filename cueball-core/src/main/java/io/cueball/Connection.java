package io.cueball;

/**
 * A connection to one backend, as made by a {@link ConnectionFactory}.
 *
 * <p>The pool calls {@link #isHealthy()} from its own threads on idle connections (never while the
 * connection is claimed), and {@link #close()} exactly once, from a pool thread or from the thread that
 * releases the connection's last claim. Neither is ever called under the pool's lock.
 */
public interface Connection extends AutoCloseable {

    /**
     * Whether this idle connection still works. Called on idle connections every health-check interval and
     * before handing out a connection that sat idle for a while; an unhealthy one is closed and replaced.
     * It may do I/O, bounded by a short timeout, and must not throw (a thrown exception counts as
     * unhealthy).
     *
     * @return false if the connection is broken
     */
    default boolean isHealthy() {
        return true;
    }

    /** Closes the connection, releasing its socket. Must not throw for an already broken connection. */
    @Override
    void close();
}
