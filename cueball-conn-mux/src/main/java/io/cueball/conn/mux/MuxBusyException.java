package io.cueball.conn.mux;

import io.cueball.CueballException;

/**
 * The connection already carries {@code maxInFlight} requests: the send is refused at once rather than made to wait
 * (a send returns a future, and a caller that chose an asynchronous call should not be blocked). To wait instead,
 * bound the leases per connection of the {@link io.cueball.ConnectionSet} ({@code maxLeasesPerConnection}) at or
 * below {@code maxInFlight}: an acquire then waits for a connection with room.
 */
public final class MuxBusyException extends CueballException {
    private static final long serialVersionUID = 1L;

    /** @param message names the backend and the limit */
    public MuxBusyException(String message) {
        super(message);
    }
}
