package io.cueball;

/**
 * No connection became free within the claim timeout. The message names the pool, how long the claim
 * waited, the pool's counts at that moment and the last connect error; {@link #getCause()} is that error.
 */
public final class ClaimTimeoutException extends CueballException {
    private static final long serialVersionUID = 1L;

    /** How long the claim waited, in milliseconds. */
    private final long waitedMillis;

    /**
     * @param message      the full message
     * @param waitedMillis how long the claim waited
     * @param lastError    the pool's last connect error, or null
     */
    public ClaimTimeoutException(String message, long waitedMillis, Throwable lastError) {
        super(message, lastError);
        this.waitedMillis = waitedMillis;
    }

    /** @return how long the claim waited, in milliseconds */
    public long waitedMillis() {
        return waitedMillis;
    }
}
