package io.cueball.conn.tcp;

import io.cueball.Backend;
import io.cueball.ConnectionFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Objects;

/**
 * Opens {@link TcpConnection}s: a connect bounded by a timeout, {@code TCP_NODELAY} and {@code SO_KEEPALIVE}
 * on by default, and an optional read timeout. Immutable and thread-safe.
 */
public final class TcpConnectionFactory implements ConnectionFactory<TcpConnection> {

    /** The default connect timeout. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private final Duration connectTimeout;
    private final boolean tcpNoDelay;
    private final boolean keepAlive;
    private final Duration readTimeout;

    private TcpConnectionFactory(Builder b) {
        this.connectTimeout = b.connectTimeout;
        this.tcpNoDelay = b.tcpNoDelay;
        this.keepAlive = b.keepAlive;
        this.readTimeout = b.readTimeout;
    }

    /** @return a factory with the defaults: 5 s connect timeout, TCP_NODELAY, keepalive, no read timeout */
    public static TcpConnectionFactory create() {
        return builder().build();
    }

    /** @return a builder with the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Connects to the backend's host and port (resolving a host name on this thread).
     *
     * @throws IOException if the connect fails or times out
     */
    @Override
    public TcpConnection connect(Backend backend) throws IOException {
        InetSocketAddress address = new InetSocketAddress(backend.host(), backend.port());
        if (address.isUnresolved()) {
            throw new java.net.UnknownHostException("cannot resolve host of backend " + backend.key());
        }
        SocketChannel channel = SocketChannel.open();
        try {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, tcpNoDelay);
            channel.setOption(StandardSocketOptions.SO_KEEPALIVE, keepAlive);
            try {
                channel.socket().connect(address, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
            } catch (SocketTimeoutException e) {
                SocketTimeoutException t = new SocketTimeoutException("connect to " + backend.key()
                        + " timed out after " + connectTimeout.toMillis() + " ms");
                t.initCause(e);
                throw t;
            } catch (IOException e) {
                throw new IOException("connect to " + backend.key() + " failed: " + e.getMessage(), e);
            }
            if (!readTimeout.isZero()) {
                channel.socket().setSoTimeout((int) Math.min(Integer.MAX_VALUE, readTimeout.toMillis()));
            }
            return new TcpConnection(backend, channel);
        } catch (IOException | RuntimeException e) {
            try {
                channel.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    @Override
    public String toString() {
        return "TcpConnectionFactory{connectTimeout=" + connectTimeout + ", tcpNoDelay=" + tcpNoDelay
                + ", keepAlive=" + keepAlive + ", readTimeout=" + (readTimeout.isZero() ? "none" : readTimeout) + "}";
    }

    /** Configures a {@link TcpConnectionFactory}; {@link #build()} validates. */
    public static final class Builder {
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private boolean tcpNoDelay = true;
        private boolean keepAlive = true;
        private Duration readTimeout = Duration.ZERO;

        private Builder() {
        }

        /**
         * @param connectTimeout how long a connect may take, {@code > 0}; default 5 s
         * @return this builder
         */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return this;
        }

        /**
         * @param tcpNoDelay whether to disable Nagle's algorithm; default true
         * @return this builder
         */
        public Builder tcpNoDelay(boolean tcpNoDelay) {
            this.tcpNoDelay = tcpNoDelay;
            return this;
        }

        /**
         * @param keepAlive whether to send TCP keepalives; default true
         * @return this builder
         */
        public Builder keepAlive(boolean keepAlive) {
            this.keepAlive = keepAlive;
            return this;
        }

        /**
         * @param readTimeout how long a read from {@link TcpConnection#input()} may block, {@code >= 0}; 0 (the
         *                    default) for no limit
         * @return this builder
         */
        public Builder readTimeout(Duration readTimeout) {
            this.readTimeout = readTimeout;
            return this;
        }

        /**
         * @return the factory
         * @throws IllegalArgumentException naming a bad option and its value
         */
        public TcpConnectionFactory build() {
            Objects.requireNonNull(connectTimeout, "connectTimeout must not be null");
            Objects.requireNonNull(readTimeout, "readTimeout must not be null");
            if (connectTimeout.isNegative() || connectTimeout.isZero()) {
                throw new IllegalArgumentException("connectTimeout: " + connectTimeout + " (expected: > 0)");
            }
            if (readTimeout.isNegative()) {
                throw new IllegalArgumentException("readTimeout: " + readTimeout + " (expected: >= 0, 0 for none)");
            }
            return new TcpConnectionFactory(this);
        }
    }
}
