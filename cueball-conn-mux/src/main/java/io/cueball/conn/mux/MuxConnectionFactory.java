package io.cueball.conn.mux;

import io.cueball.Backend;
import io.cueball.ConnectionFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Opens {@link MuxConnection}s for a {@link io.cueball.ConnectionSet} (or a pool): a TCP connect bounded by a
 * timeout, {@code TCP_NODELAY} and {@code SO_KEEPALIVE}, a reader thread per connection, and the frame codec.
 * Thread-safe; its connections share one timer thread for request timeouts, which runs while any of them is open.
 *
 * <pre>{@code
 * var set = ConnectionSet.builder(resolver, MuxConnectionFactory.builder()
 *                 .requestTimeout(Duration.ofSeconds(2))
 *                 .maxInFlight(256)
 *                 .build())
 *         .connectionsPerBackend(1)
 *         .maxLeasesPerConnection(256)   // acquire waits rather than send failing busy
 *         .build();
 * }</pre>
 */
public final class MuxConnectionFactory implements ConnectionFactory<MuxConnection> {
    /** The default connect timeout. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** How long a request waits for its response by default. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /** Requests in flight per connection by default. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 1024;
    /** How long one frame's write may take by default before the connection is judged stuck (as OkHttp's). */
    public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(10);

    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final Duration writeTimeout;
    private final int maxInFlight;
    private final FrameCodec codec;
    private final boolean tcpNoDelay;
    private final boolean keepAlive;
    private final boolean virtualThreads;
    private final MuxTimer timer = new MuxTimer();
    private final AtomicInteger readers = new AtomicInteger();

    private MuxConnectionFactory(Builder b) {
        this.connectTimeout = b.connectTimeout;
        this.requestTimeout = b.requestTimeout;
        this.writeTimeout = b.writeTimeout;
        this.maxInFlight = b.maxInFlight;
        this.codec = b.codec;
        this.tcpNoDelay = b.tcpNoDelay;
        this.keepAlive = b.keepAlive;
        this.virtualThreads = b.virtualThreads;
    }

    /**
     * @return a factory with the defaults: the length-prefixed codec, 5 s connect, 30 s requests, 10 s writes, 1024
     *         in flight
     */
    public static MuxConnectionFactory create() {
        return builder().build();
    }

    /** @return a builder with the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** @return whether this JDK has virtual threads (21 and later), which readers then are by default */
    public static boolean virtualThreadsAvailable() {
        return Threads.virtualAvailable();
    }

    /**
     * Connects to the backend and starts the connection's reader thread. Runs on the set's connector threads.
     *
     * @throws IOException if the connect fails or times out
     */
    @Override
    public MuxConnection connect(Backend backend) throws IOException {
        InetSocketAddress address = new InetSocketAddress(backend.host(), backend.port());
        if (address.isUnresolved()) {
            throw new UnknownHostException("cannot resolve host of backend " + backend.key());
        }
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(tcpNoDelay);
            socket.setKeepAlive(keepAlive);
            try {
                socket.connect(address, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
            } catch (SocketTimeoutException e) {
                SocketTimeoutException t = new SocketTimeoutException("connect to " + backend.key()
                        + " timed out after " + connectTimeout.toMillis() + " ms");
                t.initCause(e);
                throw t;
            } catch (IOException e) {
                throw new IOException("connect to " + backend.key() + " failed: " + e.getMessage(), e);
            }
            MuxConnection c = new MuxConnection(backend, socket, codec, timer, maxInFlight, requestTimeout,
                    writeTimeout, "cueball-mux-" + backend.key() + "-" + readers.incrementAndGet(), virtualThreads);
            c.start();
            return c;
        } catch (Throwable e) { // rethrown as it is (an IOException, or unchecked): the socket must not leak
            try {
                socket.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    @Override
    public String toString() {
        return "MuxConnectionFactory{codec=" + codec.getClass().getSimpleName() + ", requestTimeout=" + requestTimeout
                + ", writeTimeout=" + writeTimeout + ", maxInFlight=" + maxInFlight + ", readers=" + (virtualThreads && virtualThreadsAvailable()
                ? "virtual" : "platform") + "}";
    }

    /** Configures a {@link MuxConnectionFactory}; {@link #build()} checks every value. */
    public static final class Builder {
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private Duration writeTimeout = DEFAULT_WRITE_TIMEOUT;
        private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
        private FrameCodec codec = new LengthPrefixedCodec();
        private boolean tcpNoDelay = true;
        private boolean keepAlive = true;
        private boolean virtualThreads = true;

        private Builder() {
        }

        /**
         * @param timeout the bound on one connect, {@code > 0}; default 5 s
         * @return this builder
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /**
         * @param timeout how long a request waits for its response, {@code > 0}, unless given its own with
         *                {@link MuxConnection#send(byte[], Duration)}; default 30 s
         * @return this builder
         */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = timeout;
            return this;
        }

        /**
         * @param timeout the longest one request's frame may take to be written to the socket, {@code > 0}; default
         *                10 s. A write still under way after it means the server stopped reading: the connection
         *                breaks (every request in flight fails, and the set replaces it), which frees the sender
         *                blocked in the write. Senders queued behind a slow write wait no longer than their own
         *                request timeout either way.
         * @return this builder
         */
        public Builder writeTimeout(Duration timeout) {
            this.writeTimeout = timeout;
            return this;
        }

        /**
         * @param max requests in flight per connection, {@code >= 1}; one more fails with {@link MuxBusyException};
         *            default 1024
         * @return this builder
         */
        public Builder maxInFlight(int max) {
            this.maxInFlight = max;
            return this;
        }

        /**
         * @param codec the wire format; default {@link LengthPrefixedCodec}
         * @return this builder
         */
        public Builder codec(FrameCodec codec) {
            this.codec = codec;
            return this;
        }

        /**
         * @param on {@code TCP_NODELAY}; default on (requests are small and latency matters)
         * @return this builder
         */
        public Builder tcpNoDelay(boolean on) {
            this.tcpNoDelay = on;
            return this;
        }

        /**
         * @param on {@code SO_KEEPALIVE}; default on
         * @return this builder
         */
        public Builder keepAlive(boolean on) {
            this.keepAlive = on;
            return this;
        }

        /**
         * @param on readers on virtual threads where the JDK has them (21 and later); default on. Off, or on JDK 17
         *           to 20: a platform daemon thread per connection.
         * @return this builder
         */
        public Builder virtualThreads(boolean on) {
            this.virtualThreads = on;
            return this;
        }

        /**
         * @return the factory
         * @throws NullPointerException     if the codec or a timeout is null
         * @throws IllegalArgumentException naming the bad option, its value and the expected range
         */
        public MuxConnectionFactory build() {
            Objects.requireNonNull(codec, "codec must not be null");
            Objects.requireNonNull(connectTimeout, "connectTimeout must not be null");
            Objects.requireNonNull(requestTimeout, "requestTimeout must not be null");
            Objects.requireNonNull(writeTimeout, "writeTimeout must not be null");
            StringBuilder errors = new StringBuilder();
            if (connectTimeout.isNegative() || connectTimeout.isZero()) {
                errors.append("connectTimeout: ").append(connectTimeout).append(" (expected: > 0); ");
            }
            if (requestTimeout.isNegative() || requestTimeout.isZero()) {
                errors.append("requestTimeout: ").append(requestTimeout).append(" (expected: > 0); ");
            }
            if (writeTimeout.isNegative() || writeTimeout.isZero()) {
                errors.append("writeTimeout: ").append(writeTimeout).append(" (expected: > 0); ");
            }
            if (maxInFlight < 1) {
                errors.append("maxInFlight: ").append(maxInFlight).append(" (expected: >= 1); ");
            }
            if (errors.length() > 0) {
                throw new IllegalArgumentException(errors.substring(0, errors.length() - 2));
            }
            return new MuxConnectionFactory(this);
        }
    }
}
