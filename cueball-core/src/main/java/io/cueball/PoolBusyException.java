package io.cueball;

/**
 * A claim found no idle connection and the queue of waiting claims was full ({@code maxWaiters}): it fails at
 * once instead of waiting, as pool-manager answers "pool is busy". The message names the pool and gives its
 * counts; retrying later, or elsewhere, is the caller's choice.
 */
public final class PoolBusyException extends CueballException {
    private static final long serialVersionUID = 1L;

    /** Claims waiting when this one was refused. */
    private final int waiting;
    /** The pool's {@code maxWaiters} when this claim was refused. */
    private final int maxWaiters;

    /**
     * @param message    the full message, with the pool's name and counts
     * @param waiting    claims waiting when this one was refused
     * @param maxWaiters the pool's {@code maxWaiters}
     */
    public PoolBusyException(String message, int waiting, int maxWaiters) {
        super(message);
        this.waiting = waiting;
        this.maxWaiters = maxWaiters;
    }

    /** @return claims waiting when this one was refused */
    public int waiting() {
        return waiting;
    }

    /** @return the pool's {@code maxWaiters} */
    public int maxWaiters() {
        return maxWaiters;
    }
}
