package io.cueball.conn.mux;

import io.cueball.CueballException;

/** The server answered that the request failed; the message carries its text. The connection goes on. */
public final class MuxRemoteException extends CueballException {
    private static final long serialVersionUID = 1L;

    /** @param message names the request and the backend, and quotes the server */
    public MuxRemoteException(String message) {
        super(message);
    }
}
