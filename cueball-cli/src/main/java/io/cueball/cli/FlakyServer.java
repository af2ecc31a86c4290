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
import java.util.SplittableRandom;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The tcp scenario's backend: a TCP server on 127.0.0.1 that answers every byte it is sent with {@link #SUCCESS}
 * with probability p and {@link #FAILURE} otherwise, on a connection that stays sound either way (an application
 * error, not a broken connection). Its draws come from one seeded source shared by its connections, so a run
 * whose requests come one at a time is reproducible ({@link #reseed(long)} before each run).
 *
 * <p>Its threads are daemons named {@code cueball-simulate-backend-<port>-...}; {@link #close()} stops them.
 */
final class FlakyServer implements AutoCloseable {
    /** The answer to a request that succeeded. */
    static final int SUCCESS = 'Y';
    /** The answer to a request that failed. */
    static final int FAILURE = 'N';

    private final ServerSocket server;
    private final double p;
    /** Guards {@link #random} and {@link #connections}. */
    private final ReentrantLock lock = new ReentrantLock();
    private final List<Socket> connections = new ArrayList<>();
    private SplittableRandom random = new SplittableRandom(0);

    private FlakyServer(ServerSocket server, double p) {
        this.server = server;
        this.p = p;
        Thread acceptor = new Thread(this::acceptLoop, "cueball-simulate-backend-" + server.getLocalPort()
                + "-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * @param p the probability that a request succeeds, in [0, 1]
     * @return a server listening on 127.0.0.1 and an ephemeral port
     */
    static FlakyServer start(double p) {
        try {
            ServerSocket s = new ServerSocket();
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
            return new FlakyServer(s, p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on 127.0.0.1", e);
        }
    }

    Backend backend() {
        return Backend.of("127.0.0.1", server.getLocalPort());
    }

    /** Restarts its draws from this seed. */
    void reseed(long seed) {
        lock.lock();
        try {
            random = new SplittableRandom(seed);
        } finally {
            lock.unlock();
        }
    }

    private boolean draw() {
        lock.lock();
        try {
            return random.nextDouble() < p;
        } finally {
            lock.unlock();
        }
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
            Thread t = new Thread(() -> serve(socket),
                    "cueball-simulate-backend-" + server.getLocalPort() + "-conn-" + socket.getPort());
            t.setDaemon(true);
            t.start();
        }
    }

    /** Answers each byte until the client closes, then closes its end. */
    private void serve(Socket socket) {
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            while (in.read() >= 0) {
                out.write(draw() ? SUCCESS : FAILURE);
                out.flush();
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
