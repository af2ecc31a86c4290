package io.cueball.server;

import java.io.IOException;
import java.net.Socket;

/**
 * Serves one accepted connection: what a {@link WorkerPool}'s workers run.
 *
 * <p><b>Threads.</b> Called on a worker thread ({@code cueball-server-<pool>-N}, or a virtual thread), one call
 * per connection, many connections at once on different workers: an implementation shared by them must be
 * thread-safe. It may block (that is what the worker is for): reading the client, calling a database.
 *
 * <p><b>The connection.</b> The socket is the one given to {@link WorkerPool#submit}, or accepted by
 * {@link WorkerPool#serve} (then {@link Socket#getChannel()} is its channel). Its {@code SO_TIMEOUT} is the
 * pool's {@link WorkerPoolConfig#readDeadline() readDeadline} when that is set, so a read from a client silent
 * that long throws {@link java.net.SocketTimeoutException}; the handler may change it for its connection. The
 * pool closes the socket when {@code handle} returns or throws, and {@link WorkerPool#stop} closes it (which
 * makes a blocked read throw) and interrupts the worker if the handler is still running when the stop's timeout
 * is over.
 */
@FunctionalInterface
public interface ConnectionHandler {
    /** The longest request line {@link #lines(RequestHandler)} accepts: 64 KiB. */
    int DEFAULT_MAX_LINE_BYTES = 64 * 1024;

    /**
     * Serves the connection until done: usually until the client closes it.
     *
     * @param socket the accepted connection; the pool closes it afterwards
     * @throws IOException when the connection fails, the client goes away or the read deadline passes: the
     *                     pool closes the connection (a deadline is counted in {@link WorkerPoolStats#timedOut()})
     */
    void handle(Socket socket) throws IOException;

    /**
     * A handler for the simple case, pool-manager's callback: a request, a reply. It reads line-framed
     * requests and writes each reply back as a line, in order, until the client closes the connection.
     *
     * <ul>
     *   <li>A request is the bytes before a {@code \n}, without it and without a {@code \r} just before it,
     *       at most {@link #DEFAULT_MAX_LINE_BYTES} bytes; a longer one closes the connection.</li>
     *   <li>The reply is written followed by {@code \n} and flushed; {@code null} writes nothing.</li>
     *   <li>Bytes after the last {@code \n} when the client closes are not a request and are dropped.</li>
     *   <li>The read deadline applies to every read, so a client may stay connected between requests for up
     *       to {@code readDeadline}.</li>
     * </ul>
     *
     * <p>Lines rather than pool-manager's "whatever one read returned", which splits and merges requests as
     * TCP segments happen to arrive.
     *
     * @param requests called on the worker thread for each request, in the order they arrive
     * @return a handler for {@link WorkerPool#builder(ConnectionHandler)}
     */
    static ConnectionHandler lines(RequestHandler requests) {
        return lines(DEFAULT_MAX_LINE_BYTES, requests);
    }

    /**
     * {@link #lines(RequestHandler)} with another bound on a request's length.
     *
     * @param maxLineBytes the longest request, in bytes before the {@code \n}, {@code >= 1}
     * @param requests     called on the worker thread for each request
     * @return a handler for {@link WorkerPool#builder(ConnectionHandler)}
     * @throws IllegalArgumentException if {@code maxLineBytes < 1}
     */
    static ConnectionHandler lines(int maxLineBytes, RequestHandler requests) {
        return new LineProtocol(maxLineBytes, requests);
    }
}
