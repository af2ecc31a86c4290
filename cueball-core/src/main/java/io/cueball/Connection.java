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

    /**
     * Whether this connection already knows it is broken (say, an earlier read or write failed). Unlike
     * {@link #isHealthy()} it must not do I/O: the pool calls it on every release, on the releasing thread,
     * and discards a broken connection (closing it, counting a use failure against its backend) instead of handing
     * it to the next claim. So code that lets try-with-resources release a connection after an I/O error does
     * not poison the pool.
     *
     * @return true if the connection must not be reused
     */
    default boolean isBroken() {
        return false;
    }

    /**
     * Returns the connection to the state its factory made it in, so that the next claim does not see what
     * this one left behind (for a database: roll back an open transaction, restore auto-commit, isolation,
     * schema). The pool calls it on every release of a connection it keeps, on the releasing thread and
     * outside its lock, so it may do I/O, but should do none when nothing changed. If it throws, the pool
     * discards the connection instead of reusing it.
     *
     * @throws Exception if the connection cannot be made clean again
     */
    default void reset() throws Exception {
    }

    /** Closes the connection, releasing its socket. Must not throw for an already broken connection. */
    @Override
    void close();
}
