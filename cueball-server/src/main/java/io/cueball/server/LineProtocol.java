package io.cueball.server;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.Arrays;
import java.util.Objects;

/** {@link ConnectionHandler#lines(int, RequestHandler)}: line-framed requests, one reply line each. */
final class LineProtocol implements ConnectionHandler {
    private final int maxLineBytes;
    private final RequestHandler requests;

    LineProtocol(int maxLineBytes, RequestHandler requests) {
        if (maxLineBytes < 1) {
            throw new IllegalArgumentException("maxLineBytes: " + maxLineBytes + " (expected: >= 1)");
        }
        this.maxLineBytes = maxLineBytes;
        this.requests = Objects.requireNonNull(requests, "requests");
    }

    @Override
    public void handle(Socket socket) throws IOException {
        InputStream in = new BufferedInputStream(socket.getInputStream());
        OutputStream out = new BufferedOutputStream(socket.getOutputStream());
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (;;) {
            int b = in.read();
            if (b < 0) {
                return; // the client closed; an unterminated last line is not a request
            }
            if (b != '\n') {
                if (line.size() == maxLineBytes) {
                    throw new IOException("request from " + socket.getRemoteSocketAddress() + " longer than "
                            + maxLineBytes + " bytes");
                }
                line.write(b);
                continue;
            }
            byte[] request = line.toByteArray();
            line.reset();
            if (request.length > 0 && request[request.length - 1] == '\r') {
                request = Arrays.copyOf(request, request.length - 1);
            }
            byte[] reply = requests.handle(request);
            if (reply != null) {
                out.write(reply);
                out.write('\n');
                out.flush();
            }
        }
    }
}
