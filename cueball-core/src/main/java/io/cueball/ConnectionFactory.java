package io.cueball;

/**
 * Opens connections to backends.
 *
 * <p>Called on the pool's connector threads ({@code cueball-<pool>-connect-N}), possibly for several backends
 * at once, so it must be thread-safe. It may block on I/O, but should bound every wait by a timeout of its
 * own; the pool additionally counts a connect that takes longer than its {@code connectTimeout} as failed.
 *
 * @param <C> the type of connection
 */
@FunctionalInterface
public interface ConnectionFactory<C extends Connection> {

    /**
     * Opens a connection to the backend that is fully ready for use (for a database: authenticated and
     * initialised), or throws.
     *
     * @param backend where to connect
     * @return a ready connection, never null
     * @throws Exception if the connection cannot be made; counted as a failure of the backend, so backoff
     *                   and dead-backend marking apply
     */
    C connect(Backend backend) throws Exception;
}
