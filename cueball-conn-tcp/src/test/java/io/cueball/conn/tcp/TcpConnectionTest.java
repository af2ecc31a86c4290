package io.cueball.conn.tcp;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.Backend;
import io.cueball.testing.TestTcpServer;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TcpConnectionTest {

    @Test
    void connectsWithNoDelayAndKeepAliveAndEchoes() throws IOException {
        try (TestTcpServer server = TestTcpServer.start();
                TcpConnection c = TcpConnectionFactory.create().connect(server.backend())) {
            assertTrue(c.socket().getTcpNoDelay());
            assertTrue(c.socket().getKeepAlive());
            assertEquals(server.backend(), c.backend());
            c.output().write(new byte[] {1, 2, 3});
            c.output().flush();
            assertArrayEquals(new byte[] {1, 2, 3}, c.input().readNBytes(3));
        }
    }

    @Test
    void optionsCanBeTurnedOff() throws IOException {
        TcpConnectionFactory factory = TcpConnectionFactory.builder().tcpNoDelay(false).keepAlive(false).build();
        try (TestTcpServer server = TestTcpServer.start(); TcpConnection c = factory.connect(server.backend())) {
            assertFalse(c.socket().getTcpNoDelay());
            assertFalse(c.socket().getKeepAlive());
        }
    }

    @Test
    void isHealthyDetectsAPeerThatClosedItsSide() throws IOException {
        try (TestTcpServer server = TestTcpServer.start();
                TcpConnection c = TcpConnectionFactory.create().connect(server.backend())) {
            await().atMost(5, TimeUnit.SECONDS).until(() -> server.openConnections() == 1);
            assertTrue(c.isHealthy());
            server.dropConnections();
            await().atMost(5, TimeUnit.SECONDS).until(() -> !c.isHealthy());
        }
    }

    @Test
    void isHealthyNeverConsumesApplicationBytes() throws IOException {
        try (TestTcpServer server = TestTcpServer.start();
                TcpConnection c = TcpConnectionFactory.create().connect(server.backend())) {
            c.output().write(new byte[] {'a', 'b', 'c'});
            c.output().flush();
            await().atMost(5, TimeUnit.SECONDS).until(() -> c.input().available() >= 1);
            assertTrue(c.isHealthy(), "data waiting: alive");
            assertTrue(c.isHealthy(), "probing again keeps the byte");
            assertEquals('a', c.input().read(), "the probed byte comes first");
            assertArrayEquals(new byte[] {'b', 'c'}, c.input().readNBytes(2));

            c.output().write('x');
            c.output().flush();
            await().atMost(5, TimeUnit.SECONDS).until(() -> c.input().available() >= 1);
            assertTrue(c.isHealthy());
            byte[] buffer = new byte[8];
            assertEquals(1, c.input().read(buffer, 0, 8));
            assertEquals('x', buffer[0]);
        }
    }

    @Test
    void aReadThatMeetsTheEndOrAnErrorMarksTheConnectionBroken() throws IOException {
        try (TestTcpServer server = TestTcpServer.start();
                TcpConnection c = TcpConnectionFactory.create().connect(server.backend())) {
            await().atMost(5, TimeUnit.SECONDS).until(() -> server.openConnections() == 1);
            c.output().write(1);
            c.output().flush();
            assertEquals(1, c.input().read());
            assertFalse(c.isBroken(), "a working connection");
            server.dropConnections();
            assertEquals(-1, c.input().read(), "the peer closed");
            assertTrue(c.isBroken(), "end of stream: not reusable");
        }
    }

    @Test
    void aReadTimeoutDoesNotMarkTheConnectionBroken() throws IOException {
        TcpConnectionFactory factory = TcpConnectionFactory.builder().readTimeout(Duration.ofMillis(50)).build();
        try (TestTcpServer server = TestTcpServer.start(); TcpConnection c = factory.connect(server.backend())) {
            assertThrows(SocketTimeoutException.class, () -> c.input().read());
            assertFalse(c.isBroken());
            c.close();
            assertTrue(c.isBroken(), "closed: not reusable");
        }
    }

    @Test
    void isHealthyIsFalseOnceClosed() throws IOException {
        try (TestTcpServer server = TestTcpServer.start()) {
            TcpConnection c = TcpConnectionFactory.create().connect(server.backend());
            c.close();
            c.close(); // idempotent
            assertFalse(c.isHealthy());
        }
    }

    @Test
    void readTimeoutBoundsABlockedRead() throws IOException {
        TcpConnectionFactory factory = TcpConnectionFactory.builder().readTimeout(Duration.ofMillis(100)).build();
        try (TestTcpServer server = TestTcpServer.start(); TcpConnection c = factory.connect(server.backend())) {
            assertThrows(SocketTimeoutException.class, () -> c.input().read()); // nothing sent, nothing echoed
            assertEquals(100, c.socket().getSoTimeout());
        }
    }

    @Test
    void aRefusedConnectNamesTheBackend() {
        TestTcpServer server = TestTcpServer.start();
        Backend backend = server.backend();
        server.close();
        var e = assertThrows(IOException.class, () -> TcpConnectionFactory.create().connect(backend));
        assertTrue(e.getMessage().startsWith("connect to " + backend.key() + " failed"), e.getMessage());
        assertTrue(e.getCause() instanceof ConnectException, String.valueOf(e.getCause()));
    }

    @Test
    void badOptionsFailNamingTheOption() {
        var zero = assertThrows(IllegalArgumentException.class,
                () -> TcpConnectionFactory.builder().connectTimeout(Duration.ZERO).build());
        assertEquals("connectTimeout: PT0S (expected: > 0)", zero.getMessage());
        var negative = assertThrows(IllegalArgumentException.class,
                () -> TcpConnectionFactory.builder().readTimeout(Duration.ofSeconds(-1)).build());
        assertEquals("readTimeout: PT-1S (expected: >= 0, 0 for none)", negative.getMessage());
    }
}
