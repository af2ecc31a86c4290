package io.cueball.conn.tcp;

import io.cueball.Backend;
import io.cueball.Connection;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A pooled TCP connection: the socket and its streams.
 *
 * <p>{@link #isHealthy()} notices a peer that has closed its side (or reset the connection) without taking
 * any of the application's bytes: it polls the socket without blocking, and a byte that was already waiting
 * is kept and returned first by {@link #input()}.
 *
 * <p>Like a socket, it is meant for one thread at a time (the claim's holder); {@link #close()} is safe from
 * any thread.
 */
public final class TcpConnection implements Connection {
    private final Backend backend;
    private final SocketChannel channel;
    private final Socket socket;
    private final InputStream rawInput;
    private final InputStream input;
    private final OutputStream output;
    private final ReentrantLock probeLock = new ReentrantLock();
    /** A byte read by {@link #isHealthy()} that the application has not seen yet, or -1. */
    private volatile int pending = -1;
    /** Set when a read or write through the streams failed or met the end of the stream. */
    private volatile boolean broken;

    TcpConnection(Backend backend, SocketChannel channel) throws IOException {
        this.backend = backend;
        this.channel = channel;
        this.socket = channel.socket();
        this.rawInput = socket.getInputStream();
        this.output = new Output(socket.getOutputStream());
        this.input = new Input();
    }

    /** @return the backend it is connected to */
    public Backend backend() {
        return backend;
    }

    /** @return the socket, for options and addresses; read and write through {@link #input()} and {@link #output()} */
    public Socket socket() {
        return socket;
    }

    /** @return the stream to read from (honouring the factory's read timeout) */
    public InputStream input() {
        return input;
    }

    /** @return the stream to write to */
    public OutputStream output() {
        return output;
    }

    /**
     * Whether the connection is still open at both ends: false once the peer has closed or reset it. Never
     * blocks and never consumes application data.
     */
    @Override
    public boolean isHealthy() {
        if (!channel.isOpen()) {
            return false;
        }
        probeLock.lock();
        try {
            if (pending >= 0) {
                return true; // data waiting means the peer was alive a moment ago
            }
            ByteBuffer one = ByteBuffer.allocate(1);
            int n;
            channel.configureBlocking(false);
            try {
                n = channel.read(one);
            } finally {
                channel.configureBlocking(true);
            }
            if (n < 0) {
                return false; // the peer closed its side
            }
            if (n == 1) {
                pending = one.get(0) & 0xff;
            }
            return true;
        } catch (IOException e) {
            return false; // reset, or otherwise broken
        } finally {
            probeLock.unlock();
        }
    }

    /**
     * Whether a read or write through {@link #input()} or {@link #output()} has failed, or a read met the end of
     * the stream (the peer closed). The pool checks this on release and discards such a connection instead
     * of reusing it. A read timeout does not count: the connection may still be fine.
     */
    @Override
    public boolean isBroken() {
        return broken || !channel.isOpen();
    }

    /** Closes the socket. Idempotent; never throws. */
    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // already broken: nothing left to release
        }
    }

    @Override
    public String toString() {
        return "TcpConnection[" + backend.key() + (channel.isOpen() ? "" : ", closed") + "]";
    }

    private int eofMarks(int n) {
        if (n < 0) {
            broken = true; // the peer closed: a pooled connection with no more input is of no further use
        }
        return n;
    }

    private IOException marks(IOException e) {
        if (!(e instanceof java.net.SocketTimeoutException)) {
            broken = true;
        }
        return e;
    }

    /** The socket's input, returning first the byte a health probe may have read; notes failures. */
    private final class Input extends InputStream {
        @Override
        public int read() throws IOException {
            int p = pending;
            if (p >= 0) {
                pending = -1;
                return p;
            }
            try {
                return eofMarks(rawInput.read());
            } catch (IOException e) {
                throw marks(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            try {
                int p = pending;
                if (p >= 0) {
                    pending = -1;
                    b[off] = (byte) p;
                    int more = len > 1 && rawInput.available() > 0 ? rawInput.read(b, off + 1, len - 1) : 0;
                    return 1 + Math.max(0, more);
                }
                return eofMarks(rawInput.read(b, off, len));
            } catch (IOException e) {
                throw marks(e);
            }
        }

        @Override
        public int available() throws IOException {
            return (pending >= 0 ? 1 : 0) + rawInput.available();
        }

        @Override
        public void close() {
            TcpConnection.this.close();
        }
    }

    /** The socket's output; notes failures. */
    private final class Output extends OutputStream {
        private final OutputStream raw;

        Output(OutputStream raw) {
            this.raw = raw;
        }

        @Override
        public void write(int b) throws IOException {
            try {
                raw.write(b);
            } catch (IOException e) {
                throw marks(e);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                raw.write(b, off, len);
            } catch (IOException e) {
                throw marks(e);
            }
        }

        @Override
        public void flush() throws IOException {
            try {
                raw.flush();
            } catch (IOException e) {
                throw marks(e);
            }
        }

        @Override
        public void close() {
            TcpConnection.this.close();
        }
    }
}
