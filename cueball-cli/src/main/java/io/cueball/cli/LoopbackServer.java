package io.cueball.cli;

import io.cueball.Backend;
import io.cueball.server.WorkerPool;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP server on 127.0.0.1 and an ephemeral port for the CLI's own backends (the demo's silent one, the
 * simulator's flaky ones): a {@link WorkerPool}'s accept loop and workers, each running {@link #serve} until the
 * client closes; {@link #close()} closes the listener and every connection and joins the threads.
 *
 * <p>Its threads are daemons named {@code cueball-server-<name>-<n>-accept} and {@code cueball-server-<name>-<n>-N}.
 */
abstract class LoopbackServer implements AutoCloseable {
    private static final AtomicInteger SERVERS = new AtomicInteger();

    private final WorkerPool workers;
    private volatile InetSocketAddress address;

    /** @param name what its pool's name starts with, e.g. {@code demo-silent}; a number is added */
    LoopbackServer(String name) {
        // Unbounded and with no read deadline: the clients are connection pools that keep idle connections.
        this.workers = WorkerPool.builder(socket -> serve(socket.getInputStream(), socket.getOutputStream()))
                .name(name + "-" + SERVERS.incrementAndGet()).maxWorkers(0).readDeadline(Duration.ZERO).build();
    }

    /** Starts listening and accepting; call once, at the end of the subclass's construction. */
    final void startAccepting() {
        try {
            address = workers.serve(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        } catch (IOException e) {
            workers.stop(Duration.ZERO);
            throw new UncheckedIOException("cannot listen on 127.0.0.1", e);
        }
    }

    /** @return 127.0.0.1 and its port */
    final Backend backend() {
        return Backend.of("127.0.0.1", address.getPort());
    }

    /**
     * Serves one connection until the client closes it (or {@link #close()} does, which makes the streams throw).
     * Runs on a worker thread.
     *
     * @throws IOException when the connection fails or closes
     */
    abstract void serve(InputStream in, OutputStream out) throws IOException;

    @Override
    public void close() {
        workers.stop(Duration.ZERO);
    }
}
