package io.cueball.server;

import java.io.IOException;

/**
 * Answers one request: pool-manager's callback, for {@link ConnectionHandler#lines(RequestHandler)}.
 *
 * <p>Called on the worker thread serving the connection, one request at a time per connection, many
 * connections at once: an implementation shared by them must be thread-safe. It may block.
 */
@FunctionalInterface
public interface RequestHandler {
    /**
     * @param request the request's bytes, without its line end; a fresh array the handler may keep
     * @return the reply, written back followed by {@code \n}; {@code null} for no reply
     * @throws IOException to close the connection (a {@link RuntimeException} does too, and is logged)
     */
    byte[] handle(byte[] request) throws IOException;
}
