package io.cueball.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The demo's silent backend: a TCP server on 127.0.0.1 that accepts every connection and never answers (a hung
 * process behind a live socket). Its connects succeed and its connections look healthy, so only the failed uses
 * of the clients, their read timeouts, tell it apart; that is what outlier ejection is for. It swallows what it is
 * sent, so a connection the client closes is closed here too.
 *
 * <p>Its threads are daemons named {@code cueball-server-demo-silent-<n>-...}; {@link #close()} stops them.
 */
final class SilentServer extends LoopbackServer {
    private SilentServer() {
        super("demo-silent");
    }

    static SilentServer start() {
        SilentServer s = new SilentServer();
        s.startAccepting();
        return s;
    }

    /** Reads and drops everything until the client closes. */
    @Override
    void serve(InputStream in, OutputStream out) throws IOException {
        byte[] buffer = new byte[4096];
        while (in.read(buffer) >= 0) {
            // never answer
        }
    }
}
