package io.cueball.testing;

import io.cueball.Backend;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A real TCP echo server on 127.0.0.1 and an ephemeral port, for tests: every byte a client sends comes back.
 * It can stop accepting while keeping its connections ({@link #refuse()}), be killed with all its connections
 * ({@link #kill()}), drop its connections but keep listening ({@link #dropConnections()}), and come back on the
 * same port ({@link #resume()}).
 *
 * <p>Its threads are daemons named {@code cueball-test-server-<port>-...}; {@link #close()} stops them all.
 */
public final class TestTcpServer implements AutoCloseable {
    private final ReentrantLock lock = new ReentrantLock();
    private final List<Socket> connections = new ArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final int port;
    private ServerSocket server;
    private Thread acceptor;

    private TestTcpServer(int port) throws IOException {
        this.server = listen(port);
        this.port = server.getLocalPort();
        this.acceptor = startAcceptor(server);
    }

    /**
     * Starts a server on an ephemeral port.
     *
     * @return the running server
     */
    public static TestTcpServer start() {
        try {
            return new TestTcpServer(0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on 127.0.0.1", e);
        }
    }

    /** @return the port it listens (or listened) on */
    public int port() {
        return port;
    }

    /** @return {@code Backend.of("127.0.0.1", port())} */
    public Backend backend() {
        return Backend.of("127.0.0.1", port);
    }

    /** @return connections accepted and not yet closed by either side */
    public int openConnections() {
        lock.lock();
        try {
            connections.removeIf(Socket::isClosed);
            return connections.size();
        } finally {
            lock.unlock();
        }
    }

    /** @return connections accepted since start */
    public int acceptedTotal() {
        return accepted.get();
    }

    /** @return whether it is listening */
    public boolean isListening() {
        lock.lock();
        try {
            return server != null;
        } finally {
            lock.unlock();
        }
    }

    /** Stops listening, so new connects are refused; open connections stay open. */
    public void refuse() {
        Thread t;
        lock.lock();
        try {
            if (server == null) {
                return;
            }
            closeQuietly(server);
            server = null;
            t = acceptor;
            acceptor = null;
        } finally {
            lock.unlock();
        }
        join(t);
    }

    /** Listens again on the same port. */
    public void resume() {
        lock.lock();
        try {
            if (server != null) {
                return;
            }
            server = listen(port);
            acceptor = startAcceptor(server);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on 127.0.0.1:" + port + " again", e);
        } finally {
            lock.unlock();
        }
    }

    /** Closes every open connection from the server's side; keeps listening. */
    public void dropConnections() {
        lock.lock();
        try {
            connections.forEach(TestTcpServer::closeQuietly);
            connections.clear();
        } finally {
            lock.unlock();
        }
    }

    /** A killed backend: stops listening and closes every connection. {@link #resume()} brings it back. */
    public void kill() {
        refuse();
        dropConnections();
    }

    /** Kills the server for good. */
    @Override
    public void close() {
        kill();
    }

    @Override
    public String toString() {
        return "TestTcpServer[127.0.0.1:" + port + (isListening() ? "" : ", not listening") + "]";
    }

    private static ServerSocket listen(int port) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true); // come back on the same port while old connections linger in TIME_WAIT
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
        return s;
    }

    private Thread startAcceptor(ServerSocket s) {
        Thread t = new Thread(() -> acceptLoop(s), "cueball-test-server-" + s.getLocalPort() + "-accept");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void acceptLoop(ServerSocket s) {
        while (!s.isClosed()) {
            Socket socket;
            try {
                socket = s.accept();
            } catch (IOException e) {
                return; // closed by refuse()
            }
            lock.lock();
            try {
                if (server != s) {
                    closeQuietly(socket);
                    return;
                }
                connections.add(socket);
                accepted.incrementAndGet();
            } finally {
                lock.unlock();
            }
            Thread echo = new Thread(() -> echo(socket),
                    "cueball-test-server-" + port + "-conn-" + socket.getPort());
            echo.setDaemon(true);
            echo.start();
        }
    }

    private static void echo(Socket socket) {
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            byte[] buffer = new byte[4096];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (SocketException e) {
            // closed by dropConnections() or reset by the client: nothing to do
        } catch (IOException e) {
            // same
        }
    }

    private static void join(Thread t) {
        if (t == null || t == Thread.currentThread()) {
            return;
        }
        try {
            t.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // a test fixture: nothing useful to do
        }
    }
}
