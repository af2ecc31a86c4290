package io.cueball;

/** The pool is closing or closed: no more claims. */
public final class PoolClosedException extends CueballException {
    private static final long serialVersionUID = 1L;

    /** @param message the message, naming the pool */
    public PoolClosedException(String message) {
        super(message);
    }
}
