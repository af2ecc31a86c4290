package io.cueball.testing;

import io.cueball.Backend;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A loopback server of multiplexed requests for tests: it speaks {@code cueball-conn-mux}'s default wire format
 * (length-prefixed frames with a 64-bit request id, written here from the format's description:
 * {@code int32 length = 9 + payload, int64 request id, int8 flags (bit 0: error), payload}, big-endian) and answers
 * each request as its {@link Handler} says: at once or after a delay (so answers come out of order), with an error,
 * or never. It can drop its connections, be killed, and come back on the same port.
 *
 * <p>The default handler, {@link #COMMANDS}, reads the request as text so that a client can script each request:
 * {@code "sleep 50 hello"} answers {@code "hello"} after 50 ms; {@code "fail out of stock"} answers an error whose
 * message is {@code "out of stock"}; {@code "silent"} never answers; anything else is echoed at once.
 *
 * <p>Threads are daemons named {@code cueball-test-mux-<port>-...}: an acceptor, a reader per connection, and one
 * timer for delayed answers. {@link #close()} stops them all.
 */
public final class TestMuxServer implements AutoCloseable {

    /** What to answer to one request. Called on the connection's reader thread; must not block. */
    @FunctionalInterface
    public interface Handler {
        /**
         * @param requestId the request's id
         * @param payload   its payload
         * @return the answer
         */
        Reply handle(long requestId, byte[] payload);
    }

    /**
     * One answer: a payload or an error, now or after a delay, or none at all; or, to test a client's handling of
     * a broken protocol, raw bytes in place of a frame. Immutable.
     */
    public static final class Reply {
        private static final Reply NONE = new Reply(null, false, false, 0);

        private final byte[] payload;
        private final boolean error;
        private final boolean raw;
        private final long delayNanos;

        private Reply(byte[] payload, boolean error, boolean raw, long delayNanos) {
            this.payload = payload;
            this.error = error;
            this.raw = raw;
            this.delayNanos = delayNanos;
        }

        /**
         * @param payload the response's payload
         * @return a successful answer, sent at once
         */
        public static Reply of(byte[] payload) {
            return new Reply(Objects.requireNonNull(payload, "payload"), false, false, 0);
        }

        /**
         * @param message the server's message (sent as UTF-8)
         * @return an error answer (flag bit 0), sent at once
         */
        public static Reply error(String message) {
            return new Reply(message.getBytes(StandardCharsets.UTF_8), true, false, 0);
        }

        /**
         * @param bytes written to the connection as they are, in place of a frame: a frame with another request's
         *              id, a length out of range, half a frame (then {@link #dropConnections()})
         * @return an answer that is not a frame of the format, sent at once
         */
        public static Reply raw(byte[] bytes) {
            return new Reply(Objects.requireNonNull(bytes, "bytes").clone(), false, true, 0);
        }

        /** @return no answer at all: the client's request times out */
        public static Reply none() {
            return NONE;
        }

        /**
         * @param delay how long after the request the answer is sent, {@code >= 0}
         * @return this answer, delayed
         */
        public Reply after(Duration delay) {
            if (delay.isNegative()) {
                throw new IllegalArgumentException("delay: " + delay + " (expected: >= 0)");
            }
            return payload == null ? this : new Reply(payload, error, raw, delay.toNanos());
        }
    }

    /** The default handler: {@code sleep <ms> <text>}, {@code fail <message>}, {@code silent}, else an echo. */
    public static final Handler COMMANDS = (id, payload) -> {
        String text = new String(payload, StandardCharsets.UTF_8);
        if (text.equals("silent")) {
            return Reply.none();
        }
        if (text.startsWith("fail ")) {
            return Reply.error(text.substring(5));
        }
        if (text.startsWith("sleep ")) {
            int space = text.indexOf(' ', 6);
            String ms = space < 0 ? text.substring(6) : text.substring(6, space);
            String rest = space < 0 ? "" : text.substring(space + 1);
            return Reply.of(rest.getBytes(StandardCharsets.UTF_8)).after(Duration.ofMillis(Long.parseLong(ms)));
        }
        return Reply.of(payload);
    };

    private static final int MAX_PAYLOAD = 16 * 1024 * 1024;

    private final ReentrantLock lock = new ReentrantLock();
    private final List<Socket> connections = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong answered = new AtomicLong();
    private final int port;
    private final ScheduledThreadPoolExecutor timer;
    private volatile Handler handler;
    private ServerSocket server;
    private Thread acceptor;

    private TestMuxServer(Handler handler) throws IOException {
        this.handler = handler;
        this.server = listen(0);
        this.port = server.getLocalPort();
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "cueball-test-mux-" + port + "-timer");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        this.acceptor = startAcceptor(server);
    }

    /** @return a server with the {@link #COMMANDS} handler on an ephemeral port of 127.0.0.1 */
    public static TestMuxServer start() {
        return start(COMMANDS);
    }

    /**
     * @param handler what to answer to each request
     * @return a running server on an ephemeral port of 127.0.0.1
     */
    public static TestMuxServer start(Handler handler) {
        try {
            return new TestMuxServer(Objects.requireNonNull(handler, "handler"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on 127.0.0.1", e);
        }
    }

    /** @param handler what to answer from now on (requests already read keep their answers) */
    public void handler(Handler handler) {
        this.handler = Objects.requireNonNull(handler, "handler");
    }

    /** @return the port it listens (or listened) on */
    public int port() {
        return port;
    }

    /** @return {@code Backend.of("127.0.0.1", port())} */
    public Backend backend() {
        return Backend.of("127.0.0.1", port);
    }

    /** @return requests read, ever */
    public long requestsReceived() {
        return requests.get();
    }

    /** @return answers written, ever */
    public long answersSent() {
        return answered.get();
    }

    /** @return connections accepted since start */
    public int acceptedTotal() {
        return accepted.get();
    }

    /** @return connections open now */
    public int openConnections() {
        lock.lock();
        try {
            connections.removeIf(Socket::isClosed);
            return connections.size();
        } finally {
            lock.unlock();
        }
    }

    /** Closes every connection from the server's side (clients see their connection break); keeps listening. */
    public void dropConnections() {
        lock.lock();
        try {
            connections.forEach(TestMuxServer::closeQuietly);
            connections.clear();
        } finally {
            lock.unlock();
        }
    }

    /** A killed backend: stops listening and drops every connection. {@link #resume()} brings it back. */
    public void kill() {
        Thread t;
        lock.lock();
        try {
            if (server != null) {
                closeQuietly(server);
                server = null;
            }
            t = acceptor;
            acceptor = null;
        } finally {
            lock.unlock();
        }
        join(t);
        dropConnections();
    }

    /** Listens again on the same port after {@link #kill()}. */
    public void resume() {
        lock.lock();
        try {
            if (server == null) {
                server = listen(port);
                acceptor = startAcceptor(server);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on 127.0.0.1:" + port + " again", e);
        } finally {
            lock.unlock();
        }
    }

    /** Kills the server for good and stops every thread it started. */
    @Override
    public void close() {
        kill();
        timer.shutdownNow();
        List<Thread> all;
        lock.lock();
        try {
            all = new ArrayList<>(threads);
        } finally {
            lock.unlock();
        }
        all.forEach(TestMuxServer::join);
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "TestMuxServer[127.0.0.1:" + port + ", requests=" + requests.get() + "]";
    }

    private static ServerSocket listen(int port) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
        return s;
    }

    private Thread startAcceptor(ServerSocket s) {
        Thread t = new Thread(() -> acceptLoop(s), "cueball-test-mux-" + port + "-accept");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void acceptLoop(ServerSocket s) {
        while (!s.isClosed()) {
            Socket socket;
            try {
                socket = s.accept();
                socket.setTcpNoDelay(true);
            } catch (IOException e) {
                return; // closed by kill()
            }
            Thread reader = new Thread(() -> serve(socket),
                    "cueball-test-mux-" + port + "-conn-" + accepted.incrementAndGet());
            reader.setDaemon(true);
            lock.lock();
            try {
                if (server != s) {
                    closeQuietly(socket);
                    return;
                }
                connections.add(socket);
                threads.removeIf(x -> !x.isAlive());
                threads.add(reader);
            } finally {
                lock.unlock();
            }
            reader.start();
        }
    }

    /** One connection: reads requests, answers each as the handler says (writes under the connection's lock). */
    private void serve(Socket socket) {
        ReentrantLock writeLock = new ReentrantLock();
        try (socket) {
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 64 * 1024));
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 64 * 1024));
            for (;;) {
                int length;
                try {
                    length = in.readInt();
                } catch (java.io.EOFException e) {
                    return; // the client closed
                }
                if (length < 9 || length - 9 > MAX_PAYLOAD) {
                    return; // out of step: drop the connection, as a real server would
                }
                long id = in.readLong();
                in.readUnsignedByte(); // a request's flags: 0
                byte[] payload = new byte[length - 9];
                in.readFully(payload);
                requests.incrementAndGet();
                Reply reply = handler.handle(id, payload);
                if (reply.payload == null) {
                    continue; // no answer
                }
                if (reply.delayNanos == 0) {
                    answer(out, writeLock, id, reply);
                } else {
                    try {
                        timer.schedule(() -> answer(out, writeLock, id, reply), reply.delayNanos,
                                TimeUnit.NANOSECONDS);
                    } catch (java.util.concurrent.RejectedExecutionException closing) {
                        return;
                    }
                }
            }
        } catch (IOException e) {
            // dropped by the server or reset by the client
        }
    }

    private void answer(DataOutputStream out, ReentrantLock writeLock, long id, Reply reply) {
        writeLock.lock();
        try {
            if (!reply.raw) {
                out.writeInt(9 + reply.payload.length);
                out.writeLong(id);
                out.writeByte(reply.error ? 1 : 0);
            }
            out.write(reply.payload);
            out.flush();
            answered.incrementAndGet();
        } catch (IOException e) {
            // the connection is gone: the client sees it broken
        } finally {
            writeLock.unlock();
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
