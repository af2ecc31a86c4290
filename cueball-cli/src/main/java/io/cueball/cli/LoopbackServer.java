package io.cueball.cli;

import io.cueball.Backend;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A TCP server on 127.0.0.1 and an ephemeral port for the CLI's own backends (the demo's silent one, the
 * simulator's flaky ones): an accept loop and a thread per connection, each running {@link #serve} until the client
 * closes; {@link #close()} closes the listener and every connection, which ends the threads.
 *
 * <p>Its threads are daemons named {@code <threadPrefix>-<port>-accept} and {@code <threadPrefix>-<port>-conn-N}.
 */
abstract class LoopbackServer implements AutoCloseable {
    private final ServerSocket server;
    private final String threadPrefix;
    private final ReentrantLock lock = new ReentrantLock();
    private final List<Socket> connections = new ArrayList<>();

    /** @param threadPrefix what its threads' names start with, e.g. {@code cueball-demo-silent} */
    LoopbackServer(String threadPrefix) {
        this.threadPrefix = threadPrefix;
        try {
            server = new ServerSocket();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on 127.0.0.1", e);
        }
    }

    /** Starts accepting; call once, at the end of the subclass's construction. */
    final void startAccepting() {
        Thread acceptor = new Thread(this::acceptLoop, threadPrefix + "-" + server.getLocalPort() + "-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** @return 127.0.0.1 and its port */
    final Backend backend() {
        return Backend.of("127.0.0.1", server.getLocalPort());
    }

    /**
     * Serves one connection until the client closes it (or {@link #close()} does, which makes the streams throw).
     *
     * @throws IOException when the connection fails or closes
     */
    abstract void serve(InputStream in, OutputStream out) throws IOException;

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            lock.lock();
            try {
                connections.add(socket);
            } finally {
                lock.unlock();
            }
            Thread t = new Thread(() -> run(socket),
                    threadPrefix + "-" + server.getLocalPort() + "-conn-" + socket.getPort());
            t.setDaemon(true);
            t.start();
        }
    }

    private void run(Socket socket) {
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            serve(in, out);
        } catch (IOException e) {
            // reset by the client or closed by close(): nothing to do
        } finally {
            lock.lock();
            try {
                connections.remove(socket);
            } finally {
                lock.unlock();
            }
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        lock.lock();
        try {
            for (Socket s : connections) {
                try {
                    s.close();
                } catch (IOException e) {
                    // closing anyway
                }
            }
            connections.clear();
        } finally {
            lock.unlock();
        }
    }
}
