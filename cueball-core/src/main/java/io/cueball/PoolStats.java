package io.cueball;

import java.util.List;
import java.util.Optional;

/**
 * A snapshot of a pool, taken under its lock: the state, the backends and the connecting, closing and waiting
 * counts are consistent with each other. In a fixed-size pool, lock-free claims and releases move connections
 * between idle and claimed without the lock, so while claims run, {@code idle} and {@code claimed} (and a
 * backend's) may be a moment behind; their sum is exact.
 *
 * @param name          the pool's name
 * @param state         its state
 * @param idle          idle connections, including ones being health-checked and the monitor connections of
 *                      ejected backends, which are kept out of service (see {@link BackendStats#idle()})
 * @param claimed       connections held by claims
 * @param connecting    connect attempts in flight
 * @param closing       connections being closed
 * @param waiting       claims waiting for a connection
 * @param claims        claims served, ever
 * @param claimTimeouts claims that timed out, ever
 * @param rebalances    rebalances run, ever
 * @param backends      every backend the pool knows, including removed ones still draining, in the order
 *                      they were added
 */
public record PoolStats(String name, PoolState state, int idle, int claimed, int connecting, int closing,
        int waiting, long claims, long claimTimeouts, long rebalances, List<BackendStats> backends) {

    /**
     * Copies the backend list.
     *
     * @param name          the pool's name
     * @param state         its state
     * @param idle          idle connections (monitor connections of ejected backends included)
     * @param claimed       connections held by claims
     * @param connecting    connect attempts in flight
     * @param closing       connections being closed
     * @param waiting       claims waiting for a connection
     * @param claims        claims served, ever
     * @param claimTimeouts claims that timed out, ever
     * @param rebalances    rebalances run, ever
     * @param backends      every backend the pool knows, in the order they were added; copied
     */
    public PoolStats {
        backends = List.copyOf(backends);
    }

    /** @return every connection that exists: idle, claimed, connecting and closing */
    public int total() {
        return idle + claimed + connecting + closing;
    }

    /** @return backends that are live */
    public int backendsLive() {
        return (int) backends.stream().filter(b -> b.status() == BackendStatus.LIVE).count();
    }

    /** @return backends that are dead */
    public int backendsDead() {
        return (int) backends.stream().filter(b -> b.status() == BackendStatus.DEAD).count();
    }

    /** @return backends ejected as outliers */
    public int backendsEjected() {
        return (int) backends.stream().filter(b -> b.status() == BackendStatus.EJECTED).count();
    }

    /**
     * The stats of one backend.
     *
     * @param key the backend's {@link Backend#key()}
     * @return its stats, or empty if the pool does not know it
     */
    public Optional<BackendStats> backend(String key) {
        return backends.stream().filter(b -> b.backend().key().equals(key)).findFirst();
    }

    @Override
    public String toString() {
        return "pool '" + name + "' " + state + " (total=" + total() + ", idle=" + idle + ", claimed=" + claimed
                + ", connecting=" + connecting + ", closing=" + closing + ", waiting=" + waiting
                + ", backends live=" + backendsLive() + " dead=" + backendsDead() + " ejected=" + backendsEjected()
                + ")";
    }
}
