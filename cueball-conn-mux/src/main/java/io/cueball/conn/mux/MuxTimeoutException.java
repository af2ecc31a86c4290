package io.cueball.conn.mux;

import io.cueball.CueballException;

/**
 * A request got no response within its timeout. Only that request fails: the connection and its other requests go
 * on, and a response that comes later is dropped.
 */
public final class MuxTimeoutException extends CueballException {
    private static final long serialVersionUID = 1L;

    /** @param message names the request, the backend and the timeout */
    public MuxTimeoutException(String message) {
        super(message);
    }
}
