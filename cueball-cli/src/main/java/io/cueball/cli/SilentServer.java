package io.cueball.cli;

import io.cueball.Backend;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The demo's silent backend: a TCP server on 127.0.0.1 that accepts every connection and never answers (a hung
 * process behind a live socket). Its connects succeed and its connections look healthy, so only the failed uses
 * of the clients, their read timeouts, tell it apart; that is what outlier ejection is for. It swallows what it is
 * sent, so a connection the client closes is closed here too.
 *
 * <p>Its threads are daemons named {@code cueball-demo-silent-<port>-...}; {@link #close()} stops them.
 */
final class SilentServer implements AutoCloseable {
    private final ServerSocket server;
    private final ReentrantLock lock = new ReentrantLock();
    private final List<Socket> connections = new ArrayList<>();

    private SilentServer(ServerSocket server) {
        this.server = server;
        Thread acceptor = new Thread(this::acceptLoop, "cueball-demo-silent-" + server.getLocalPort() + "-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    static SilentServer start() {
        try {
            ServerSocket s = new ServerSocket();
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
            return new SilentServer(s);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on 127.0.0.1", e);
        }
    }

    Backend backend() {
        return Backend.of("127.0.0.1", server.getLocalPort());
    }

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
            Thread sink = new Thread(() -> swallow(socket),
                    "cueball-demo-silent-" + server.getLocalPort() + "-conn-" + socket.getPort());
            sink.setDaemon(true);
            sink.start();
        }
    }

    /** Reads and drops everything until the client closes, then closes its end. */
    private void swallow(Socket socket) {
        try (socket; InputStream in = socket.getInputStream()) {
            byte[] buffer = new byte[4096];
            while (in.read(buffer) >= 0) {
                // never answer
            }
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
