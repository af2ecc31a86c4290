package io.cueball.testing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TestTcpServerTest {

    private static Socket connect(TestTcpServer server) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", server.port()), 2_000);
        return s;
    }

    private static int echo(Socket s, int b) throws IOException {
        s.getOutputStream().write(b);
        s.getOutputStream().flush();
        return s.getInputStream().read();
    }

    @Test
    void echoesAndCounts() throws IOException {
        try (TestTcpServer server = TestTcpServer.start(); Socket s = connect(server)) {
            assertEquals(42, echo(s, 42));
            assertEquals(1, server.acceptedTotal());
            assertEquals(1, server.openConnections());
            assertEquals("127.0.0.1:" + server.port(), server.backend().key());
        }
    }

    @Test
    void refuseKeepsOpenConnectionsAndResumeListensOnTheSamePort() throws IOException {
        try (TestTcpServer server = TestTcpServer.start(); Socket kept = connect(server)) {
            assertEquals(1, echo(kept, 1));
            server.refuse();
            assertFalse(server.isListening());
            assertThrows(ConnectException.class, () -> connect(server).close());
            assertEquals(2, echo(kept, 2), "an open connection still works");
            server.resume();
            try (Socket again = connect(server)) {
                assertEquals(3, echo(again, 3));
            }
        }
    }

    @Test
    void killClosesEverythingAndDropConnectionsKeepsListening() throws IOException {
        try (TestTcpServer server = TestTcpServer.start()) {
            Socket a = connect(server);
            assertEquals(1, echo(a, 1));
            server.dropConnections();
            assertEquals(-1, a.getInputStream().read(), "the server closed its side");
            a.close();
            Socket b = connect(server);
            assertEquals(2, echo(b, 2), "still listening");
            server.kill();
            assertEquals(-1, b.getInputStream().read());
            b.close();
            assertThrows(ConnectException.class, () -> connect(server).close());
            await().atMost(5, TimeUnit.SECONDS).until(() -> server.openConnections() == 0);
            assertTrue(server.acceptedTotal() >= 2);
        }
    }

    @Test
    void aGreetingServerGreetsNewConnectionsAfterTheDelayThenEchoes() throws IOException {
        try (TestTcpServer server = TestTcpServer.start().greetAfter(Duration.ofMillis(30));
                Socket s = connect(server)) {
            long start = System.nanoTime();
            assertEquals(TestTcpServer.GREETING, s.getInputStream().read());
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(tookMs >= 25, "the greeting came after the delay, not at once: " + tookMs + " ms");
            assertEquals(7, echo(s, 7), "then it echoes");
        }
    }

    @Test
    void aSilentServerAcceptsAndNeverAnswersUntilItAnswersAgain() throws IOException {
        try (TestTcpServer server = TestTcpServer.start(); Socket old = connect(server)) {
            server.silence();
            try (Socket fresh = connect(server)) {
                await().atMost(5, TimeUnit.SECONDS).until(() -> server.acceptedTotal() == 2); // still accepts
                assertTrue(server.isSilent());
                for (Socket s : new Socket[] {old, fresh}) {
                    s.setSoTimeout(100);
                    s.getOutputStream().write(1);
                    s.getOutputStream().flush();
                    assertThrows(SocketTimeoutException.class, () -> s.getInputStream().read(), "no answer");
                }
                server.answer();
                assertFalse(server.isSilent());
                assertEquals(2, echo(fresh, 2), "answers again; the dropped byte stays lost");
            }
        }
    }

    @Test
    void atCapacityAConnectionIsAnsweredBusyAndClosed() throws IOException {
        try (TestTcpServer server = TestTcpServer.start().capacity(1); Socket a = connect(server)) {
            assertEquals(1, server.capacity());
            assertEquals(1, echo(a, 1));
            try (Socket b = connect(server)) {
                b.setSoTimeout(5_000);
                assertArrayEquals((TestTcpServer.BUSY + "\n").getBytes(StandardCharsets.US_ASCII),
                        b.getInputStream().readNBytes(5), "one connection more is answered busy");
                assertEquals(-1, b.getInputStream().read(), "and closed");
            }
            assertEquals(1, server.rejectedTotal());
            assertEquals(2, echo(a, 2), "the connection it serves is not disturbed");

            server.capacity(0); // unbounded again
            try (Socket c = connect(server)) {
                assertEquals(3, echo(c, 3));
            }
            server.capacity(1); // lowering closes nothing
            assertEquals(4, echo(a, 4));
            assertEquals(1, server.rejectedTotal());
            assertThrows(IllegalArgumentException.class, () -> server.capacity(-1));
        }
    }

    @Test
    void closeLeavesNoThreadBehind() throws IOException {
        TestTcpServer server = TestTcpServer.start().greetAfter(Duration.ZERO);
        int port = server.port();
        try (Socket a = connect(server); Socket b = connect(server)) {
            assertEquals(TestTcpServer.GREETING, a.getInputStream().read());
            assertEquals(TestTcpServer.GREETING, b.getInputStream().read());
            assertEquals(5, echo(a, 5));
            assertEquals(6, echo(b, 6));
            assertTrue(threadsOf(port) >= 4, "accept loop, greeter, two workers");
            server.close();
            assertEquals(0, threadsOf(port), "close() joined them all");
        }
    }

    private static long threadsOf(int port) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("cueball-test-server-" + port + "-")
                        || n.startsWith("cueball-server-test-server-" + port + "-"))
                .count();
    }
}
