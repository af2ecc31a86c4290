package io.cueball.testing;

import io.cueball.Backend;
import io.cueball.server.WorkerPool;
import io.cueball.server.WorkerPoolBusyException;
import io.cueball.server.WorkerPoolStoppedException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A real TCP echo server on 127.0.0.1 and an ephemeral port, for tests: every byte a client sends comes back.
 * It can stop accepting while keeping its connections ({@link #refuse()}), be killed with all its connections
 * ({@link #kill()}), drop its connections but keep listening ({@link #dropConnections()}), and come back on the
 * same port ({@link #resume()}).
 *
 * <p>Two behaviours of real servers that a bare echo lacks, both off by default: a handshake that takes time
 * ({@link #greetAfter(Duration)}: every new connection is sent {@link #GREETING} after a delay, the way a
 * database answers only once it has authenticated the client, so a client that waits for it has a connect that
 * really takes that long), and a server that accepts connections and never answers ({@link #silence()}).
 *
 * <p>A third, also off by default: a bounded number of connections served at once ({@link #capacity(int)}), as a
 * server with a fixed number of workers has. One connection more is answered {@link #BUSY} and closed.
 *
 * <p>Connections are served by a {@link WorkerPool} (unbounded unless a capacity is set): a worker per
 * connection, reused for the next one and retired after 10 s idle. Its threads are daemons: the accept loop and
 * greeting timer are {@code cueball-test-server-<port>-...}, the workers
 * {@code cueball-server-test-server-<port>-N} (and that pool's timer); {@link #close()} stops them all.
 */
public final class TestTcpServer implements AutoCloseable {
    /** The byte a server sends first on each connection it accepts after {@link #greetAfter(Duration)}. */
    public static final int GREETING = 'G';
    /**
     * The line (followed by {@code \n}) a server at {@linkplain #capacity(int) capacity} writes to a connection
     * it then closes: {@link WorkerPool#DEFAULT_BUSY_REPLY}'s text.
     */
    public static final String BUSY = "BUSY";
    private static final byte[] BUSY_REPLY = (BUSY + "\n").getBytes(StandardCharsets.US_ASCII);
    /** How long a worker waits for another connection before it ends. */
    private static final Duration WORKER_IDLE_TIMEOUT = Duration.ofSeconds(10);

    private final ReentrantLock lock = new ReentrantLock();
    private final List<Socket> connections = new ArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger rejected = new AtomicInteger();
    /** Serves each connection (the echo) on a worker; no read deadline, as a client pool keeps idle connections. */
    private final WorkerPool workers;
    private final int port;
    private ServerSocket server;
    private Thread acceptor;
    /** Delays greetings ({@link #greetAfter}) without a sleeping thread; made on first use. Guarded by lock. */
    private ScheduledExecutorService greeter;
    /** How long a new connection waits for its greeting, or -1 for no greeting (the default). */
    private volatile long greetingDelayNanos = -1;
    /** Set by {@link #silence()}: what clients send is read and dropped, and no greeting is sent. */
    private volatile boolean silent;

    private TestTcpServer(int port) throws IOException {
        this.server = listen(port);
        this.port = server.getLocalPort();
        this.workers = WorkerPool.builder(this::echo).name("test-server-" + this.port).minWorkers(0).maxWorkers(0)
                .idleTimeout(WORKER_IDLE_TIMEOUT).readDeadline(Duration.ZERO).build();
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

    /** @return connections answered {@link #BUSY} and closed because it was at capacity, since start */
    public int rejectedTotal() {
        return rejected.get();
    }

    /**
     * From now on, serves at most {@code maxConnections} connections at once: a connection accepted while that
     * many are open is written the line {@link #BUSY} (unless {@linkplain #silence() silent}) and closed, as a
     * server whose workers are all busy answers. Lowering it closes nothing: connections over the new capacity
     * keep being served until their clients close them. Connections are counted once greeted when
     * {@linkplain #greetAfter(Duration) greeting}, so a refused one is greeted first.
     *
     * @param maxConnections the most connections served at once, {@code >= 0}; 0 for no bound (the default)
     * @return this server
     * @throws IllegalArgumentException if {@code maxConnections < 0}
     */
    public TestTcpServer capacity(int maxConnections) {
        if (maxConnections < 0) {
            throw new IllegalArgumentException("capacity: " + maxConnections + " (expected: >= 0; 0 for unbounded)");
        }
        workers.setConfig(workers.config().toBuilder().maxWorkers(maxConnections).build());
        return this;
    }

    /** @return the most connections served at once; 0 for no bound */
    public int capacity() {
        return workers.config().maxWorkers();
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

    /**
     * From now on, greets every connection it accepts: {@link #GREETING} is written {@code delay} after the
     * accept, and only then does the connection echo. A client that waits for the greeting before using the
     * connection (as a database driver waits for authentication) sees a connect that takes {@code delay}.
     * Connections accepted earlier are not greeted. The delay runs on a timer, not on a sleeping thread, so
     * many connections accepted at once are greeted together, each after {@code delay}.
     *
     * @param delay how long after the accept the greeting is sent, {@code >= 0}
     * @return this server
     */
    public TestTcpServer greetAfter(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("greeting delay: " + delay + " (expected: >= 0)");
        }
        greetingDelayNanos = delay.toNanos();
        return this;
    }

    /**
     * A server that accepts and never answers (a hung process, a full thread pool behind a healthy listener):
     * from now on it keeps accepting and keeps every connection open, but reads and drops what clients send,
     * on old and new connections alike, and greets no one. A client sees its connects succeed and its reads
     * time out. {@link #answer()} ends it.
     */
    public void silence() {
        silent = true;
    }

    /** Answers again after {@link #silence()}: bytes sent from now on are echoed (what was dropped stays lost). */
    public void answer() {
        silent = false;
    }

    /** @return whether it is {@linkplain #silence() silent} */
    public boolean isSilent() {
        return silent;
    }

    /** A killed backend: stops listening and closes every connection. {@link #resume()} brings it back. */
    public void kill() {
        refuse();
        dropConnections();
    }

    /** Kills the server for good, and stops its greeting timer if it had one and its workers. */
    @Override
    public void close() {
        kill();
        ScheduledExecutorService g;
        lock.lock();
        try {
            g = greeter;
            greeter = null;
        } finally {
            lock.unlock();
        }
        if (g != null) {
            g.shutdownNow();
            try {
                g.awaitTermination(5, TimeUnit.SECONDS); // its thread is gone when close() returns
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        workers.stop(Duration.ofSeconds(5)); // every connection is closed already: the workers end at once
    }

    @Override
    public String toString() {
        int max = capacity();
        return "TestTcpServer[127.0.0.1:" + port + (isListening() ? "" : ", not listening")
                + (silent ? ", silent" : "") + (max > 0 ? ", capacity " + max : "") + "]";
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
            long greetingDelay = greetingDelayNanos;
            ScheduledExecutorService greeting = null;
            lock.lock();
            try {
                if (server != s) {
                    closeQuietly(socket);
                    return;
                }
                connections.add(socket);
                accepted.incrementAndGet();
                if (greetingDelay >= 0) {
                    greeting = greeterLocked();
                }
            } finally {
                lock.unlock();
            }
            if (greeting != null) {
                // close() stops the timer only after this loop has ended (kill() joins it): never rejected.
                greeting.schedule(() -> greetThenEcho(socket), greetingDelay, TimeUnit.NANOSECONDS);
            } else {
                startEcho(socket);
            }
        }
    }

    private ScheduledExecutorService greeterLocked() {
        if (greeter == null) {
            greeter = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "cueball-test-server-" + port + "-greeter");
                t.setDaemon(true);
                return t;
            });
        }
        return greeter;
    }

    /** Runs on the greeting timer: a short write, which loopback's socket buffer takes without blocking. */
    private void greetThenEcho(Socket socket) {
        if (socket.isClosed()) {
            return; // dropped before its greeting
        }
        if (!silent) {
            try {
                OutputStream out = socket.getOutputStream();
                out.write(GREETING);
                out.flush();
            } catch (IOException e) {
                closeQuietly(socket); // the client gave up or the connection was dropped meanwhile
                return;
            }
        }
        startEcho(socket);
    }

    /**
     * Hands the connection to a worker, or answers busy at capacity. The server keeps its own accept loop rather
     * than {@link WorkerPool#serve}'s: a connection is registered the moment it is accepted, so that kill() and
     * dropConnections() close every connection, even one not yet at its worker, and greeting comes first.
     */
    private void startEcho(Socket socket) {
        try {
            workers.submit(socket);
        } catch (WorkerPoolBusyException e) {
            rejected.incrementAndGet();
            answerBusy(socket);
        } catch (WorkerPoolStoppedException e) {
            closeQuietly(socket); // closing
        }
    }

    private void answerBusy(Socket socket) {
        try {
            if (!silent) {
                socket.getOutputStream().write(BUSY_REPLY); // a short write: loopback's buffer takes it at once
            }
        } catch (IOException e) {
            // the client has gone already
        } finally {
            closeQuietly(socket);
        }
    }

    /** Runs on a worker until the client closes or the connection is dropped; the pool closes it afterwards. */
    private void echo(Socket socket) {
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            byte[] buffer = new byte[4096];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (silent) {
                    continue; // read and dropped: the client's read will time out
                }
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
