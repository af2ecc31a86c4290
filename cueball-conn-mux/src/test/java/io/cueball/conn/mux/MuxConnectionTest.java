package io.cueball.conn.mux;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.testing.TestMuxServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.ProtocolException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One MuxConnection against a real loopback TestMuxServer. */
class MuxConnectionTest {
    private final TestMuxServer server = TestMuxServer.start();
    private MuxConnection connection;

    @AfterEach
    void tearDown() {
        if (connection != null) {
            connection.close();
        }
        server.close();
    }

    private MuxConnection connect(MuxConnectionFactory factory) throws IOException {
        connection = factory.connect(server.backend());
        return connection;
    }

    private static String text(CompletableFuture<byte[]> f) throws Exception {
        return new String(f.get(5, TimeUnit.SECONDS), UTF_8);
    }

    private static Throwable failure(CompletableFuture<byte[]> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
        return e.getCause();
    }

    @Test
    void outOfOrderResponsesCompleteTheRightFutures() throws Exception {
        MuxConnection c = connect(MuxConnectionFactory.create());
        List<String> completed = new CopyOnWriteArrayList<>();
        CompletableFuture<byte[]> slow = c.send("sleep 300 slow".getBytes(UTF_8));
        CompletableFuture<byte[]> mid = c.send("sleep 150 mid".getBytes(UTF_8));
        CompletableFuture<byte[]> fast = c.send("fast".getBytes(UTF_8));
        slow.thenRun(() -> completed.add("slow"));
        mid.thenRun(() -> completed.add("mid"));
        fast.thenRun(() -> completed.add("fast"));
        assertEquals("slow", text(slow));
        assertEquals("mid", text(mid));
        assertEquals("fast", text(fast));
        assertEquals(List.of("fast", "mid", "slow"), completed, "answered out of order, each matched by its id");
        assertEquals(0, c.inFlight());
        assertEquals(3, c.requestsSent());
    }

    @Test
    void aRequestTimeoutFailsOnlyThatRequest() throws Exception {
        MuxConnection c = connect(MuxConnectionFactory.create());
        CompletableFuture<byte[]> silent = c.send("silent".getBytes(UTF_8), Duration.ofMillis(100));
        CompletableFuture<byte[]> slow = c.send("sleep 400 still here".getBytes(UTF_8));
        Throwable t = failure(silent);
        assertInstanceOf(MuxTimeoutException.class, t);
        assertTrue(t.getMessage().contains("got no response within 100 ms"), t.getMessage());
        assertFalse(slow.isDone(), "the other request goes on");
        assertEquals("still here", text(slow));
        assertEquals("after", text(c.send("after".getBytes(UTF_8))));
        assertFalse(c.isBroken());
        assertEquals(0, c.inFlight());
    }

    @Test
    void aLateResponseAfterItsTimeoutIsDroppedAndCounted() throws Exception {
        MuxConnection c = connect(MuxConnectionFactory.create());
        CompletableFuture<byte[]> late = c.send("sleep 300 late".getBytes(UTF_8), Duration.ofMillis(50));
        assertInstanceOf(MuxTimeoutException.class, failure(late));
        await().atMost(Duration.ofSeconds(5)).until(() -> c.lateResponses() == 1);
        assertEquals("next", text(c.send("next".getBytes(UTF_8))), "the connection is still in step");
    }

    @Test
    void aServerErrorFailsOnlyThatRequest() throws Exception {
        MuxConnection c = connect(MuxConnectionFactory.create());
        Throwable t = failure(c.send("fail out of stock".getBytes(UTF_8)));
        assertInstanceOf(MuxRemoteException.class, t);
        assertTrue(t.getMessage().endsWith("failed on the server: out of stock"), t.getMessage());
        assertEquals("ok", text(c.send("ok".getBytes(UTF_8))));
        assertFalse(c.isBroken());
    }

    @Test
    void aBrokenConnectionFailsEveryPendingRequestWithTheCause() throws Exception {
        MuxConnection c = connect(MuxConnectionFactory.create());
        List<CompletableFuture<byte[]>> pending = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            pending.add(c.send(("sleep 10000 r" + i).getBytes(UTF_8)));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> server.requestsReceived() == 5);
        server.dropConnections();
        for (CompletableFuture<byte[]> f : pending) {
            Throwable t = failure(f);
            assertInstanceOf(MuxConnectionException.class, t);
            assertTrue(t.getMessage().contains("broke while request"), t.getMessage());
            assertTrue(t.getCause() instanceof IOException, String.valueOf(t.getCause()));
        }
        assertTrue(c.isBroken());
        assertFalse(c.isHealthy());
        assertEquals(0, c.inFlight());
        assertInstanceOf(MuxConnectionException.class, failure(c.send("x".getBytes(UTF_8))),
                "a broken connection refuses new requests at once");
    }

    @Test
    void backPressureRefusesRequestsBeyondMaxInFlight() throws Exception {
        MuxConnection c = connect(MuxConnectionFactory.builder().maxInFlight(2).build());
        CompletableFuture<byte[]> a = c.send("sleep 200 a".getBytes(UTF_8));
        CompletableFuture<byte[]> b = c.send("sleep 200 b".getBytes(UTF_8));
        Throwable t = failure(c.send("c".getBytes(UTF_8)));
        assertInstanceOf(MuxBusyException.class, t);
        assertTrue(t.getMessage().contains("maxInFlight 2"), t.getMessage());
        assertEquals("a", text(a));
        assertEquals("b", text(b));
        assertEquals("d", text(c.send("d".getBytes(UTF_8))), "room again once answers came");
    }

    @Test
    void closeFailsPendingRequestsClearlyAndLeavesNoThread() throws Exception {
        MuxConnection c = connect(MuxConnectionFactory.builder().virtualThreads(false).build());
        CompletableFuture<byte[]> pending = c.send("silent".getBytes(UTF_8));
        assertTrue(MuxTests.threads("cueball-mux-").size() >= 1, "a reader and the timer run while it is open");
        c.close();
        Throwable t = failure(pending);
        assertInstanceOf(MuxConnectionException.class, t);
        assertTrue(t.getMessage().contains("was closed while request 1 was in flight"), t.getMessage());
        assertEquals(List.of(), MuxTests.threads("cueball-mux-"), "reader and timer threads stopped");
    }

    @Test
    void theDefaultCodecRoundTripsAndRefusesGarbage() throws IOException {
        LengthPrefixedCodec codec = new LengthPrefixedCodec(16);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        codec.write(new Frame(-2L, true, "oops".getBytes(UTF_8)), new DataOutputStream(bytes));
        byte[] wire = bytes.toByteArray();
        assertEquals(4 + 9 + 4, wire.length);
        assertEquals(13, wire[3], "length counts the bytes after it");
        Frame back = codec.read(new DataInputStream(new ByteArrayInputStream(wire)));
        assertEquals(-2L, back.requestId());
        assertTrue(back.error());
        assertArrayEquals("oops".getBytes(UTF_8), back.payload());
        assertEquals(null, codec.read(new DataInputStream(new ByteArrayInputStream(new byte[0]))),
                "a clean end between frames");
        byte[] huge = {0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0};
        assertThrows(ProtocolException.class, () -> codec.read(new DataInputStream(new ByteArrayInputStream(huge))));
        assertThrows(IllegalArgumentException.class,
                () -> codec.write(Frame.of(1, new byte[17]), new DataOutputStream(new ByteArrayOutputStream())));
        byte[] cut = java.util.Arrays.copyOf(wire, wire.length - 1);
        assertThrows(java.io.EOFException.class, () -> codec.read(new DataInputStream(new ByteArrayInputStream(cut))));
    }

    @Test
    void theFactoryNamesBadOptions() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MuxConnectionFactory.builder().maxInFlight(0).requestTimeout(Duration.ZERO).build());
        assertTrue(e.getMessage().contains("maxInFlight: 0 (expected: >= 1)"), e.getMessage());
        assertTrue(e.getMessage().contains("requestTimeout: PT0S (expected: > 0)"), e.getMessage());
    }
}
