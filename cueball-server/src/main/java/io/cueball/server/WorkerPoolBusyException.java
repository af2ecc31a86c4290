package io.cueball.server;

import io.cueball.CueballException;

/**
 * {@link WorkerPool#submit} found every worker busy at {@link WorkerPoolConfig#maxWorkers() maxWorkers}: the
 * connection is refused at once rather than queued (pool-manager's "can't put, pool is busy"). The socket is
 * still the caller's: answer the client (as {@link WorkerPool#serve} does with its busy reply) and close it.
 * The message names the pool and its counts.
 */
public final class WorkerPoolBusyException extends CueballException {
    private static final long serialVersionUID = 1L;

    /** Workers serving a connection when this one was refused. */
    private final int busy;
    /** The pool's {@code maxWorkers} when this one was refused. */
    private final int maxWorkers;

    /**
     * @param message    the full message, with the pool's name and counts
     * @param busy       workers serving a connection when this one was refused
     * @param maxWorkers the pool's {@code maxWorkers} then
     */
    public WorkerPoolBusyException(String message, int busy, int maxWorkers) {
        super(message);
        this.busy = busy;
        this.maxWorkers = maxWorkers;
    }

    /** @return workers serving a connection when this one was refused */
    public int busy() {
        return busy;
    }

    /** @return the pool's {@code maxWorkers} when this one was refused */
    public int maxWorkers() {
        return maxWorkers;
    }
}
