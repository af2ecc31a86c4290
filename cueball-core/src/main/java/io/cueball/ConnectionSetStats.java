package io.cueball;

import java.util.List;
import java.util.Optional;

/**
 * A snapshot of a {@link ConnectionSet}: its connections, what they carry, and the health of every backend as its
 * pool sees it. Lease counts are read without stopping leases, so while leases come and go they may be a moment
 * behind each other.
 *
 * @param name             the set's name
 * @param state            its state
 * @param connections      connections that take leases
 * @param draining         connections that take no new lease and close when their leases end
 * @param leasesInFlight   leases not yet ended, over all connections
 * @param waiting          acquires waiting for a connection
 * @param leasesServed     leases handed out, ever
 * @param acquireTimeouts  acquires that timed out, ever
 * @param backends         per backend, in the order the pool knows them (removed ones while they drain)
 * @param connectionLoads  per connection, grouped by backend
 * @param pool             the pool the connections are held from (its connecting and closing counts, its
 *                         rebalances)
 */
public record ConnectionSetStats(String name, PoolState state, int connections, int draining, int leasesInFlight,
        int waiting, long leasesServed, long acquireTimeouts, List<BackendLoad> backends,
        List<ConnectionLoad> connectionLoads, PoolStats pool) {

    /**
     * Copies the lists.
     *
     * @param name             the set's name
     * @param state            its state
     * @param connections      connections that take leases
     * @param draining         connections that take no new lease
     * @param leasesInFlight   leases not yet ended
     * @param waiting          acquires waiting for a connection
     * @param leasesServed     leases handed out, ever
     * @param acquireTimeouts  acquires that timed out, ever
     * @param backends         per backend; copied
     * @param connectionLoads  per connection; copied
     * @param pool             the pool the connections are held from
     */
    public ConnectionSetStats {
        backends = List.copyOf(backends);
        connectionLoads = List.copyOf(connectionLoads);
    }

    /**
     * One backend of the set.
     *
     * @param backend        the backend
     * @param health         its health as the pool judges it: status, score, use failures, reason
     * @param connections    its connections that take leases
     * @param draining       its draining connections
     * @param leasesInFlight leases on its connections, not yet ended
     * @param leasesServed   leases its connections carried, ever (those of closed connections included)
     */
    public record BackendLoad(Backend backend, BackendStats health, int connections, int draining,
            int leasesInFlight, long leasesServed) {

        /** @return its status: live, dead, ejected or removed */
        public BackendStatus status() {
            return health.status();
        }
    }

    /**
     * One connection of the set.
     *
     * @param id             its id (backend key and serial)
     * @param backend        its backend
     * @param leasesInFlight leases on it, not yet ended
     * @param draining       whether it is draining
     * @param leasesServed   leases it carried, ever
     */
    public record ConnectionLoad(String id, Backend backend, int leasesInFlight, boolean draining,
            long leasesServed) {
    }

    /**
     * @param key a backend's {@link Backend#key()}
     * @return its stats, or empty if the set does not know it
     */
    public Optional<BackendLoad> backend(String key) {
        return backends.stream().filter(b -> b.backend().key().equals(key)).findFirst();
    }

    @Override
    public String toString() {
        return "connection set '" + name + "' " + state + " (connections=" + connections + ", draining=" + draining
                + ", leases=" + leasesInFlight + ", waiting=" + waiting + ", backends live=" + count(BackendStatus.LIVE)
                + " dead=" + count(BackendStatus.DEAD) + " ejected=" + count(BackendStatus.EJECTED) + ")";
    }

    private long count(BackendStatus s) {
        return backends.stream().filter(b -> b.status() == s).count();
    }
}
