package app;

import io.cueball.Backend;
import io.cueball.ConnectionPool;
import io.cueball.conn.tcp.TcpConnection;
import io.cueball.conn.tcp.TcpConnectionFactory;
import io.cueball.resolver.fixed.StaticResolver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;

/**
 * Starts a loopback echo server, pools one connection to it through cueball, sends a byte and reads it back.
 * Prints one line and exits 0 on success; anything else throws (exit 1).
 *
 * <p>It returns from {@code main} rather than calling {@code System.exit}: the JVM then exits only if the pool
 * left no non-daemon thread behind.
 */
public final class Main {

    /** The byte sent and expected back. */
    static final int PAYLOAD = 42;

    private Main() {
    }

    /**
     * Runs the round trip.
     *
     * @param args ignored
     * @throws Exception if any step fails
     */
    public static void main(String[] args) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> echo(server), "echo-accept");
            acceptor.setDaemon(true);
            acceptor.start();

            Backend backend = Backend.of("127.0.0.1", server.getLocalPort());
            try (var pool = ConnectionPool.builder(StaticResolver.of(backend), TcpConnectionFactory.create())
                    .name("modulepath")
                    .maxConnections(1)
                    .claimTimeout(Duration.ofSeconds(20))
                    .build();
                 var claim = pool.claim()) {
                TcpConnection connection = claim.connection();
                connection.output().write(PAYLOAD);
                connection.output().flush();
                int back = connection.input().read();
                if (back != PAYLOAD) {
                    throw new IllegalStateException("sent " + PAYLOAD + ", read " + back + " from " + backend);
                }
            }
        }
        System.out.println("echoed " + PAYLOAD + " through a pool; " + describe(Main.class) + ", "
                + describe(ConnectionPool.class) + ", " + describe(StaticResolver.class) + ", "
                + describe(TcpConnectionFactory.class));
    }

    private static String describe(Class<?> type) {
        Module m = type.getModule();
        return type.getSimpleName() + " in " + (m.isNamed() ? "module " + m.getName() : "the unnamed module");
    }

    /** Accepts until the server socket closes; each connection echoes on its own daemon thread. */
    private static void echo(ServerSocket server) {
        while (!server.isClosed()) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException closed) {
                return;
            }
            Thread t = new Thread(() -> {
                try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
                    in.transferTo(out); // writes each chunk as soon as it is read: a socket stream is unbuffered
                } catch (IOException ignored) {
                    // the pool closed the connection
                }
            }, "echo-" + socket.getPort());
            t.setDaemon(true);
            t.start();
        }
    }
}
