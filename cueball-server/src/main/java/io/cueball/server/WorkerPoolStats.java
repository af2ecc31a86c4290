package io.cueball.server;

/**
 * A consistent snapshot of a {@link WorkerPool}: every number was read at the same instant, under the pool's
 * lock, so {@code workers == busy + idle} always holds.
 *
 * @param name     the pool's name
 * @param workers  workers alive: serving a connection or waiting for one (a retired worker whose thread is
 *                 still ending is not counted)
 * @param busy     workers serving a connection
 * @param idle     workers waiting for a connection
 * @param served   connections whose service has ended, since the start
 * @param rejected connections refused because every worker was busy at {@code maxWorkers}, since the start
 * @param timedOut connections closed because a read waited longer than the read deadline, since the start
 *                 (also counted in {@code served})
 * @param config   the configuration in force
 */
public record WorkerPoolStats(String name, int workers, int busy, int idle, long served, long rejected,
        long timedOut, WorkerPoolConfig config) {
}
