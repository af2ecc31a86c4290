package io.cueball;

/**
 * Observes the connections of a {@link ConnectionSet}: node-cueball's {@code 'added'} and {@code 'removed'}
 * events, and the close that follows a drain. Every method has an empty default. Each connection is named by an
 * id that is unique within the set: its backend's key and a serial number, {@code "10.0.0.1:7000.3"}
 * (node-cueball's connection key).
 *
 * <p><b>Threading.</b> The set never calls a listener while holding its own lock or its pool's. Calls are
 * serialised (never two at once for one set) and arrive in the order the events happened, on whichever thread
 * delivers them: one of the pool's connector threads, the timer thread, or an application thread that ended a
 * lease. A listener must be quick and must not block; it must not call {@link ConnectionSet#close()}. An
 * exception thrown by a listener is logged and otherwise ignored.
 */
public interface ConnectionSetListener {

    /**
     * A connection the pool opened is now in the set and takes leases.
     *
     * @param id      the connection's id in the set
     * @param backend its backend
     */
    default void connectionAdded(String id, Backend backend) {
    }

    /**
     * A connection takes no new leases from now on; it closes when its last lease ends, or after the drain
     * timeout.
     *
     * @param id      the connection's id
     * @param backend its backend
     * @param reason  why: its backend was removed, a rebalance moved it, its backend is dead or ejected, it
     *                reached its maximum lifetime, it broke, or the set is closing
     */
    default void connectionDraining(String id, Backend backend, String reason) {
    }

    /**
     * A connection left the set: its leases have ended (or the drain timeout passed) and it has been given back
     * to the pool, which closes it.
     *
     * @param id            the connection's id
     * @param backend       its backend
     * @param leasesServed  the leases it carried, ever
     * @param leasesCut     leases still in flight when it was closed (after the drain or close timeout); 0 when
     *                      it drained cleanly
     */
    default void connectionClosed(String id, Backend backend, long leasesServed, int leasesCut) {
    }
}
