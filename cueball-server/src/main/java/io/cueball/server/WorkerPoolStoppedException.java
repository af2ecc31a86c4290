package io.cueball.server;

import io.cueball.CueballException;

/**
 * The {@link WorkerPool} has been stopped (or is stopping) and takes no more work: thrown by
 * {@link WorkerPool#submit}, {@link WorkerPool#serve} and {@link WorkerPool#setConfig}. A socket given to
 * {@code submit} is still the caller's to close.
 */
public final class WorkerPoolStoppedException extends CueballException {
    private static final long serialVersionUID = 1L;

    /** @param message what was refused, with the pool's name */
    public WorkerPoolStoppedException(String message) {
        super(message);
    }
}
