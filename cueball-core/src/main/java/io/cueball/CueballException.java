package io.cueball;

/** The base of every exception the pool throws. Unchecked, so claims fit in try-with-resources. */
public class CueballException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what happened, with the pool's name
     * @param cause   the underlying error, or null
     */
    public CueballException(String message, Throwable cause) {
        super(message, cause);
    }

    /** @param message what happened, with the pool's name */
    public CueballException(String message) {
        super(message);
    }
}
