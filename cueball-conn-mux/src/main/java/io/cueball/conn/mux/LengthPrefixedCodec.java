package io.cueball.conn.mux;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.ProtocolException;

/**
 * The default wire format: length-prefixed frames with a 64-bit request id, big-endian, the same both ways.
 *
 * <pre>
 *  0               4                              12      13
 *  +---------------+------------------------------+-------+---------------------------+
 *  | length: int32 | request id: int64            | flags | payload: length - 9 bytes |
 *  +---------------+------------------------------+-------+---------------------------+
 * </pre>
 *
 * <ul>
 *   <li>{@code length} counts the bytes after it: 9 + the payload's length. It is at least 9 and at most
 *       {@code 9 + maxPayload}; anything else is a protocol error that breaks the connection.</li>
 *   <li>{@code request id} is the client's; a response carries its request's id. Ids are unsigned to the server
 *       (the client counts up from 1 per connection).</li>
 *   <li>{@code flags}: bit 0 set in a response means the request failed and the payload is the server's message
 *       (UTF-8); the other bits are 0. A request's flags are 0.</li>
 * </ul>
 *
 * Immutable and thread-safe. {@code cueball-testing}'s {@code TestMuxServer} speaks it, written from this
 * description rather than from this class.
 */
public final class LengthPrefixedCodec implements FrameCodec {
    /** The largest payload by default: 16 MiB. */
    public static final int DEFAULT_MAX_PAYLOAD = 16 * 1024 * 1024;
    /** Bytes after the length field and before the payload: the request id and the flags. */
    public static final int HEADER = 9;
    /** The flag of a failed request's response. */
    public static final int FLAG_ERROR = 1;

    private final int maxPayload;

    /** A codec that accepts payloads up to {@link #DEFAULT_MAX_PAYLOAD}. */
    public LengthPrefixedCodec() {
        this(DEFAULT_MAX_PAYLOAD);
    }

    /**
     * @param maxPayload the largest payload read or written, in bytes, {@code >= 0}
     * @throws IllegalArgumentException if it is negative or leaves no room for the header in an int
     */
    public LengthPrefixedCodec(int maxPayload) {
        if (maxPayload < 0 || maxPayload > Integer.MAX_VALUE - HEADER) {
            throw new IllegalArgumentException("maxPayload: " + maxPayload + " (expected: 0.."
                    + (Integer.MAX_VALUE - HEADER) + ")");
        }
        this.maxPayload = maxPayload;
    }

    /** @return the largest payload this codec reads or writes */
    public int maxPayload() {
        return maxPayload;
    }

    @Override
    public void write(Frame frame, DataOutputStream out) throws IOException {
        byte[] payload = frame.payload();
        if (payload.length > maxPayload) { // before any byte is written: only this request fails
            throw new IllegalArgumentException("request " + frame.requestId() + " has a payload of " + payload.length
                    + " bytes (expected: at most maxPayload " + maxPayload + ")");
        }
        out.writeInt(HEADER + payload.length);
        out.writeLong(frame.requestId());
        out.writeByte(frame.error() ? FLAG_ERROR : 0);
        out.write(payload);
    }

    @Override
    public Frame read(DataInputStream in) throws IOException {
        int first = in.read();
        if (first < 0) {
            return null; // closed between frames
        }
        int length = (first << 24) | (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8)
                | in.readUnsignedByte();
        if (length < HEADER || length - HEADER > maxPayload) {
            throw new ProtocolException("frame length " + length + " (expected: " + HEADER + ".." + (HEADER
                    + (long) maxPayload) + "): the stream is out of step or not this protocol");
        }
        long id = in.readLong();
        int flags = in.readUnsignedByte();
        if ((flags & ~FLAG_ERROR) != 0) {
            throw new ProtocolException("frame " + id + " has unknown flags " + flags);
        }
        byte[] payload = new byte[length - HEADER];
        try {
            in.readFully(payload);
        } catch (EOFException e) {
            throw new EOFException("the stream ended inside frame " + id);
        }
        return new Frame(id, (flags & FLAG_ERROR) != 0, payload);
    }
}
