package io.cueball;

/**
 * Every backend of the pool is dead; {@link #getCause()} is the last connect error. The pool keeps probing
 * and claims succeed again once a backend answers.
 */
public final class PoolFailedException extends CueballException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message   the message, naming the pool
     * @param lastError the last connect error, or null
     */
    public PoolFailedException(String message, Throwable lastError) {
        super(message, lastError);
    }
}
