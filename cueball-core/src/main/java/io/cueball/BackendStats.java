package io.cueball;

/**
 * One backend's share of a pool, at one instant.
 *
 * @param backend             the backend
 * @param status              live, dead or removed
 * @param target              the connections the last rebalance assigned to it (1 for a dead backend's
 *                            monitor slot, 0 once removed)
 * @param idle                idle connections, including ones being health-checked
 * @param claimed             connections held by claims
 * @param connecting          connect attempts in flight
 * @param consecutiveFailures failures since its last successful connect
 * @param connectsSucceeded   connections opened, ever
 * @param connectsFailed      connect attempts failed, ever
 * @param claims              claims served by its connections, ever
 * @param lastError           its last connect error, or null
 */
public record BackendStats(Backend backend, BackendStatus status, int target, int idle, int claimed,
        int connecting, int consecutiveFailures, long connectsSucceeded, long connectsFailed, long claims,
        Throwable lastError) {

    /** @return idle plus claimed connections (open ones) */
    public int open() {
        return idle + claimed;
    }
}
