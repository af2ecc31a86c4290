package io.cueball;

/**
 * The thread waiting for a connection was interrupted. The claim has left the queue and the thread's
 * interrupt status is set again, so code further up sees the interrupt too.
 */
public final class ClaimInterruptedException extends CueballException {
    private static final long serialVersionUID = 1L;

    /** @param message the message, naming the pool */
    public ClaimInterruptedException(String message) {
        super(message);
    }
}
