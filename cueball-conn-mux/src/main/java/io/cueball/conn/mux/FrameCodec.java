package io.cueball.conn.mux;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * How frames are written to and read from a {@link MuxConnection}'s socket: plug in your protocol here. The
 * default is {@link LengthPrefixedCodec}. A codec must carry a 64-bit request id both ways, so that a response can
 * be matched with its request.
 *
 * <p><b>Threads.</b> {@link #write} is called by the threads that send, one at a time (under the connection's write
 * lock), and {@link #read} by the connection's reader thread only; an implementation keeps no state between frames
 * or keeps write state and read state apart. Both block on the socket; neither may swallow an {@link IOException}:
 * the connection treats one as broken (every request in flight fails, and its backend counts a use failure).
 */
public interface FrameCodec {

    /**
     * Writes one request frame. The stream is buffered: the connection flushes it after the call.
     *
     * @param frame the request
     * @param out   the socket's (buffered) output
     * @throws IOException              if the write fails: the connection is broken
     * @throws IllegalArgumentException if the frame cannot be encoded, thrown before anything is written: only this
     *                                  request fails
     */
    void write(Frame frame, DataOutputStream out) throws IOException;

    /**
     * Reads the next response frame, blocking until it has arrived whole.
     *
     * @param in the socket's (buffered) input
     * @return the frame, or null at a clean end of stream (the server closed between frames)
     * @throws IOException if the read fails, the stream ends inside a frame, or the frame is malformed
     */
    Frame read(DataInputStream in) throws IOException;
}
