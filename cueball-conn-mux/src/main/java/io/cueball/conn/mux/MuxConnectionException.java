package io.cueball.conn.mux;

import io.cueball.CueballException;

/**
 * The connection a request was sent on broke or was closed before the response came: every request in flight on
 * it fails with this, and {@link #getCause()} is what broke it (the I/O error, or null for a close).
 */
public final class MuxConnectionException extends CueballException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message names the backend, the request and what happened
     * @param cause   the I/O error, or null
     */
    public MuxConnectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
