package io.cueball;

/**
 * The pool has no backends at all and was built with {@code failFastWhenEmpty(true)}, so the claim fails at
 * once instead of waiting for the resolver to report one.
 */
public final class NoBackendsException extends CueballException {
    private static final long serialVersionUID = 1L;

    /** @param message the message, naming the pool */
    public NoBackendsException(String message) {
        super(message);
    }
}
