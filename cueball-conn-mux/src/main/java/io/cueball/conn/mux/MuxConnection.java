package io.cueball.conn.mux;

import io.cueball.Backend;
import io.cueball.Connection;
import io.cueball.Lease;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Many requests at once over one TCP connection: {@link #send(byte[])} writes a request with a fresh 64-bit id and
 * returns a future that the response carrying the same id completes, whatever order the server answers in. Meant
 * to be shared by the leases of a {@link io.cueball.ConnectionSet} (made by {@link MuxConnectionFactory}).
 *
 * <pre>{@code
 * try (var lease = set.acquire()) {
 *     byte[] answer = lease.connection().send(request).get();   // others send on the same connection meanwhile
 * }
 * // or, asynchronously, the lease ending with the outcome:
 * MuxConnection.sendOn(set.acquire(), request).thenAccept(this::handle);
 * }</pre>
 *
 * <p><b>Matching.</b> A request is registered under its id before its first byte is written, so a response can never
 * arrive for a request the connection does not know yet (the MindAlpha pool registered after writing). A response
 * for an unknown id (one that timed out) is counted ({@link #lateResponses()}) and dropped.
 *
 * <p><b>Failures.</b> A request that gets no response within its timeout fails alone with
 * {@link MuxTimeoutException}; a server's error response fails it with {@link MuxRemoteException}. A connection that
 * breaks (a read or write fails, the server closes it, a frame is malformed) fails every request in flight with
 * {@link MuxConnectionException} carrying the cause, refuses new ones, and says {@link #isBroken()}: a set then
 * replaces it and counts a use failure against its backend. {@link #close()} fails what is in flight the same way.
 *
 * <p><b>Back-pressure.</b> At most {@code maxInFlight} requests at once: one more fails at once with
 * {@link MuxBusyException} (never blocks). Bound a set's {@code maxLeasesPerConnection} to make acquires wait
 * instead. A send does block while the requests before it are written (TCP's own back-pressure, from a server
 * that reads slowly), but a request that could not start its write within its timeout fails alone with
 * {@link MuxTimeoutException} and was not sent; and a write still under way after the factory's
 * {@code writeTimeout} (10 s: the server stopped reading) breaks the connection, which frees every sender. So a send
 * returns within its timeout, or within {@code writeTimeout} of its write's start.
 *
 * <p><b>Threads.</b> Thread-safe. Sends write on the calling thread, one at a time (a {@code ReentrantLock}, so
 * virtual threads do not pin). One reader thread per connection ({@code cueball-mux-<backend>-N}: virtual on JDK 21
 * and later, else a platform daemon) reads responses and completes the futures: callbacks attached with
 * {@code thenApply} and the like run on it unless they are {@code *Async}, so keep them short. Timeouts run on the
 * factory's timer thread. {@link #close()} stops the reader and waits for it.
 */
public final class MuxConnection implements Connection {
    private static final Logger log = LoggerFactory.getLogger(MuxConnection.class);

    /**
     * One request in flight. Its write goes QUEUED (waiting for the write lock) to WRITING to WRITTEN; its timeout
     * may end it while QUEUED (EXPIRED: it is never written). Both moves out of QUEUED are compare-and-sets, so a
     * timeout knows whether its request was never sent (and never will be), is being written, or waits for its
     * response.
     */
    private static final class Pending {
        static final int QUEUED = 0;
        static final int WRITING = 1;
        static final int WRITTEN = 2;
        static final int EXPIRED = 3;
        private static final VarHandle STATE;

        static {
            try {
                STATE = MethodHandles.lookup().findVarHandle(Pending.class, "state", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final long id;
        final CompletableFuture<byte[]> future = new CompletableFuture<>();
        volatile ScheduledFuture<?> timeout;
        @SuppressWarnings("unused") // through STATE
        private volatile int state;

        Pending(long id) {
            this.id = id;
        }

        boolean move(int from, int to) {
            return STATE.compareAndSet(this, from, to);
        }

        int state() {
            return state;
        }
    }

    /** The sockets' read and write buffers. */
    private static final int BUFFER = 64 * 1024;
    private static final long NOT_WRITING = Long.MIN_VALUE;

    private final Backend backend;
    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    /** Under {@code out}: counts what the codec wrote (DataOutputStream.size() stops counting at 2 GiB). */
    private final CountingOutputStream written;
    private final FrameCodec codec;
    private final MuxTimer timer;
    private final int maxInFlight;
    private final long requestTimeoutNanos;
    private final long writeTimeoutNanos;
    /** System.nanoTime() when the frame being written began, or NOT_WRITING; see checkWrite. */
    private volatile long writeStartedAt = NOT_WRITING;
    private volatile ScheduledFuture<?> watchdog;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final ConcurrentHashMap<Long, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final LongAdder late = new LongAdder();
    private final LongAdder sent = new LongAdder();
    private final AtomicReference<Throwable> broken = new AtomicReference<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread reader;

    MuxConnection(Backend backend, Socket socket, FrameCodec codec, MuxTimer timer, int maxInFlight,
            Duration requestTimeout, Duration writeTimeout, String readerName, boolean virtual) throws IOException {
        this.backend = backend;
        this.socket = socket;
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), BUFFER));
        this.written = new CountingOutputStream(new BufferedOutputStream(socket.getOutputStream(), BUFFER));
        this.out = new DataOutputStream(written);
        this.codec = codec;
        this.timer = timer;
        this.maxInFlight = maxInFlight;
        this.requestTimeoutNanos = requestTimeout.toNanos();
        this.writeTimeoutNanos = writeTimeout.toNanos();
        this.reader = Threads.newThread(readerName, this::readLoop, virtual);
    }

    /** Starts the reader; the factory calls it once the connection is made. */
    void start() {
        timer.acquire();
        try {
            reader.start();
        } catch (Throwable e) { // no thread for it (OutOfMemoryError): the factory drops the connection
            timer.release();
            throw e;
        }
        // a stuck write is found between writeTimeout and 1.5 x writeTimeout after it began
        watchdog = timer.scheduleEvery(this::checkWrite, Math.max(1, writeTimeoutNanos / 2));
    }

    /** The reader thread, for tests. */
    Thread reader() {
        return reader;
    }

    /** @return the backend this connection goes to */
    public Backend backend() {
        return backend;
    }

    /**
     * Sends a request with the factory's request timeout.
     *
     * @param request the request's payload; not copied, so do not change it until the future completes
     * @return completed with the response's payload, or exceptionally with {@link MuxTimeoutException},
     *         {@link MuxRemoteException}, {@link MuxConnectionException} or {@link MuxBusyException}
     */
    public CompletableFuture<byte[]> send(byte[] request) {
        return send(request, requestTimeoutNanos);
    }

    /**
     * Sends a request with its own timeout.
     *
     * @param request the request's payload
     * @param timeout how long to wait for the response; {@link Duration#ZERO} waits for ever
     * @return as {@link #send(byte[])}
     * @throws IllegalArgumentException if the timeout is negative
     */
    public CompletableFuture<byte[]> send(byte[] request, Duration timeout) {
        Objects.requireNonNull(timeout, "timeout must not be null");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: >= 0, 0 for none)");
        }
        long nanos;
        try {
            nanos = timeout.toNanos();
        } catch (ArithmeticException e) {
            nanos = 0;
        }
        return send(request, nanos);
    }

    private CompletableFuture<byte[]> send(byte[] request, long timeoutNanos) {
        Objects.requireNonNull(request, "request must not be null");
        Throwable b = broken.get();
        if (b != null || closed.get()) {
            return CompletableFuture.failedFuture(new MuxConnectionException("connection to " + backend.key()
                    + (b != null ? " is broken: " + b : " is closed") + "; the request was not sent", b));
        }
        for (;;) {
            int n = inFlight.get();
            if (n >= maxInFlight) {
                return CompletableFuture.failedFuture(new MuxBusyException("connection to " + backend.key()
                        + " already carries " + n + " requests (maxInFlight " + maxInFlight + ")"));
            }
            if (inFlight.compareAndSet(n, n + 1)) {
                break;
            }
        }
        long id = ids.incrementAndGet();
        Pending p = new Pending(id);
        pending.put(id, p); // before the write: its response cannot come first
        if (broken.get() != null || closed.get()) {
            // broke or closed between the check above and the put: failAll may have missed it
            fail(p, connectionGone(id));
            return p.future;
        }
        long deadline = System.nanoTime() + timeoutNanos;
        if (timeoutNanos > 0) {
            p.timeout = timer.schedule(() -> expire(p, timeoutNanos), timeoutNanos);
        }
        if (!lockForWrite(timeoutNanos, deadline)) {
            // Its whole timeout went by behind other requests' writes (a server that reads slowly, or not at all):
            // it was never written, so it alone fails, and this thread is not held past its timeout.
            expire(p, timeoutNanos);
            return p.future;
        }
        IOException writeFailed = null;
        try {
            if (pending.get(id) != p || !p.move(Pending.QUEUED, Pending.WRITING)) {
                return p.future; // it timed out, or the connection broke, while it waited for the lock: not sent
            }
            long before = written.count;
            writeStartedAt = System.nanoTime();
            try {
                codec.write(Frame.of(id, request), out);
                out.flush();
                p.move(Pending.WRITING, Pending.WRITTEN);
                sent.increment();
            } catch (IOException e) {
                writeFailed = e;
            } catch (RuntimeException e) {
                if (written.count == before) { // the codec refused the frame before writing it: it alone fails
                    fail(p, e);
                } else { // part of a frame is in the stream: the server would read what follows out of step
                    writeFailed = new IOException("the codec failed in the middle of request " + id + "'s frame", e);
                }
            }
        } finally {
            writeStartedAt = NOT_WRITING;
            writeLock.unlock();
        }
        if (writeFailed != null) {
            breakWith(writeFailed); // fails every request in flight, this one too
        }
        return p.future;
    }

    /**
     * Sends on a lease's connection and ends the lease when the outcome is known: {@link Lease#close()} on a
     * response, {@link Lease#fail(Throwable)} on a timeout, a server error or a broken connection (which the set then
     * replaces, since the connection says {@link #isBroken()}, and counts as one use failure of its backend however
     * many requests it failed). A {@link MuxBusyException} (the request was never sent) ends the lease with
     * {@link Lease#abandon()}: neither a success nor a failure of the backend.
     *
     * @param lease   a lease of a {@link io.cueball.ConnectionSet} of mux connections; this call ends it
     * @param request the request's payload
     * @return the response's future, as {@link #send(byte[])}
     */
    public static CompletableFuture<byte[]> sendOn(Lease<MuxConnection> lease, byte[] request) {
        CompletableFuture<byte[]> f;
        try {
            f = lease.connection().send(request);
        } catch (RuntimeException e) {
            lease.fail(e);
            throw e;
        }
        return f.whenComplete((response, error) -> {
            Throwable cause = unwrap(error);
            if (cause == null) {
                lease.close();
            } else if (cause instanceof MuxBusyException) {
                lease.abandon();
            } else {
                lease.fail(cause);
            }
        });
    }

    /**
     * What a failed future of this class failed with, without the {@link CompletionException} or
     * {@link ExecutionException} around it.
     *
     * @param error an exception from a future, or null
     * @return its cause if it is a wrapper, else itself
     */
    public static Throwable unwrap(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    /** @return requests sent and not yet answered, failed or timed out */
    public int inFlight() {
        return inFlight.get();
    }

    /** @return requests written, ever */
    public long requestsSent() {
        return sent.sum();
    }

    /** @return responses that came for no request in flight (after their request timed out), ever */
    public long lateResponses() {
        return late.sum();
    }

    /** @return the most requests in flight at once */
    public int maxInFlight() {
        return maxInFlight;
    }

    /** @return true once a read or write failed or the server closed the connection; no I/O */
    @Override
    public boolean isBroken() {
        return broken.get() != null;
    }

    /** @return false once it is broken or closed; no I/O (the reader notices a dead peer by itself) */
    @Override
    public boolean isHealthy() {
        return broken.get() == null && !closed.get() && !socket.isClosed();
    }

    /** @return what broke it, or null */
    public Throwable brokenBy() {
        return broken.get();
    }

    /**
     * Closes the socket, fails every request in flight with {@link MuxConnectionException}, and waits (up to 5 s)
     * for the reader thread to exit. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        stopWatchdog();
        closeSocket();
        failAll(false);
        if (Thread.currentThread() != reader) {
            try {
                reader.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        timer.release();
    }

    @Override
    public String toString() {
        Throwable b = broken.get();
        return "MuxConnection{" + backend.key() + ", inFlight=" + inFlight.get()
                + (closed.get() ? ", closed" : b != null ? ", broken: " + b : "") + "}";
    }

    // ---- the reader thread ----

    private void readLoop() {
        try {
            for (;;) {
                Frame f = codec.read(in);
                if (f == null) {
                    breakWith(new EOFException("the server closed the connection"));
                    return;
                }
                Pending p = pending.remove(f.requestId());
                if (p == null) {
                    late.increment();
                    log.debug("connection to {}: response {} matches no request in flight (timed out?); dropped",
                            backend.key(), f.requestId());
                    continue;
                }
                finish(p);
                if (f.error()) {
                    p.future.completeExceptionally(new MuxRemoteException("request " + p.id + " to " + backend.key()
                            + " failed on the server: " + new String(f.payload(), StandardCharsets.UTF_8)));
                } else {
                    p.future.complete(f.payload());
                }
            }
        } catch (IOException | RuntimeException e) {
            if (closed.get()) {
                failAll(false); // close() closed the socket under the read
            } else {
                breakWith(e);
            }
        }
    }

    // ---- failing requests ----

    /** The connection is broken: the first cause wins; every request in flight fails with it. */
    private void breakWith(Throwable cause) {
        if (!broken.compareAndSet(null, cause)) {
            return;
        }
        log.debug("connection to {} broke with {} requests in flight: {}", backend.key(), inFlight.get(),
                cause.toString());
        stopWatchdog(); // nothing more is written
        closeSocket();
        failAll(true);
    }

    private void failAll(boolean breaking) {
        for (Long id : pending.keySet()) {
            Pending p = pending.remove(id);
            if (p != null) {
                finish(p);
                Throwable b = broken.get();
                p.future.completeExceptionally(breaking || b != null
                        ? new MuxConnectionException("connection to " + backend.key() + " broke while request " + id
                                + " was in flight: " + b, b)
                        : connectionGone(id));
            }
        }
    }

    private MuxConnectionException connectionGone(long id) {
        Throwable b = broken.get();
        return new MuxConnectionException("connection to " + backend.key() + (b != null ? " broke (" + b + ")"
                : " was closed") + " while request " + id + " was in flight", b);
    }

    private void fail(Pending p, Throwable e) {
        if (pending.remove(p.id, p)) {
            finish(p);
            p.future.completeExceptionally(e);
        }
    }

    /** The request's timeout (on the timer thread), or a sender that could not get the write lock in time. */
    private void expire(Pending p, long timeoutNanos) {
        if (!pending.remove(p.id, p)) {
            return; // answered, failed or expired already
        }
        finish(p);
        long ms = TimeUnit.NANOSECONDS.toMillis(timeoutNanos);
        String what;
        if (p.move(Pending.QUEUED, Pending.EXPIRED)) {
            what = " could not be written within " + ms + " ms (the connection was busy writing other requests, the"
                    + " server reads slowly); it was not sent";
        } else if (p.state() == Pending.WRITING) {
            what = " got no response within " + ms + " ms (its frame was still being written: the server reads"
                    + " slowly)";
        } else {
            what = " got no response within " + ms + " ms";
        }
        p.future.completeExceptionally(new MuxTimeoutException("request " + p.id + " to " + backend.key() + what));
    }

    /**
     * The write watchdog, on the timer thread: a frame's write still under way after writeTimeout means the server
     * stopped reading. The sender is blocked in the socket's write, which only closing the socket ends (and with part
     * of a frame written, the stream is out of step anyway): the connection breaks.
     */
    private void checkWrite() {
        long started = writeStartedAt;
        if (started != NOT_WRITING && System.nanoTime() - started > writeTimeoutNanos) {
            breakWith(new IOException("a write has not finished in " + TimeUnit.NANOSECONDS.toMillis(
                    writeTimeoutNanos) + " ms (writeTimeout): the server is not reading"));
        }
    }

    /**
     * Takes the write lock, waiting no longer than the request's deadline (for ever with no timeout). Not
     * interruptible, as the write itself is not: an interrupt is kept for the caller.
     *
     * @return false if the deadline passed first
     */
    private boolean lockForWrite(long timeoutNanos, long deadline) {
        if (timeoutNanos <= 0) {
            writeLock.lock();
            return true;
        }
        boolean interrupted = false;
        try {
            for (;;) {
                long left = deadline - System.nanoTime();
                try {
                    if (writeLock.tryLock(Math.max(0, left), TimeUnit.NANOSECONDS)) {
                        return true;
                    }
                    if (left <= 0) {
                        return false;
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The request left the map: one fewer in flight, and its timeout is cancelled. */
    private void finish(Pending p) {
        inFlight.decrementAndGet();
        ScheduledFuture<?> t = p.timeout;
        if (t != null) {
            t.cancel(false);
        }
    }

    private void stopWatchdog() {
        ScheduledFuture<?> w = watchdog;
        if (w != null) {
            w.cancel(false);
        }
    }

    /** Counts the bytes written through it; used by senders only, under the write lock. */
    private static final class CountingOutputStream extends FilterOutputStream {
        long count;

        CountingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }

    private void closeSocket() {
        try {
            socket.close();
        } catch (IOException e) {
            log.debug("closing the connection to {} failed", backend.key(), e);
        }
    }
}
