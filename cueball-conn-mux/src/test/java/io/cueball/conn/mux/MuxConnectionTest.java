package io.cueball.conn.mux;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.testing.TestMuxServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.ServerSocket;
import java.net.Socket;
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
    void timeoutsRacingTheirResponsesEndEachRequestOnceAndLeaveNothingPending() throws Exception {
        MuxConnection c = connect(MuxConnectionFactory.create());
        java.util.Random random = new java.util.Random(7);
        List<CompletableFuture<byte[]>> futures = new java.util.ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            // answered after 0 to 9 ms, with a timeout of 5 ms: about half come in time, the rest race or are late
            futures.add(c.send(("sleep " + random.nextInt(10) + " r" + i).getBytes(UTF_8), Duration.ofMillis(5)));
        }
        int answered = 0;
        int timedOut = 0;
        for (int i = 0; i < futures.size(); i++) {
            try {
                assertEquals("r" + i, text(futures.get(i)), "a response went to the wrong request");
                answered++;
            } catch (ExecutionException e) {
                assertInstanceOf(MuxTimeoutException.class, e.getCause(), String.valueOf(e.getCause()) + " broken by "
                        + c.brokenBy());
                timedOut++;
            }
        }
        // A request whose 5 ms went by before its write began (this thread descheduled on a loaded machine) is
        // never sent, so the server answers only what was sent: every sent request is answered exactly once, in
        // time or late.
        long sent = c.requestsSent();
        assertTrue(sent > 2_000 - timedOut && sent <= 2_000, sent + " sent, " + timedOut + " timed out");
        int inTime = answered;
        await().atMost(Duration.ofSeconds(10)).until(() -> server.answersSent() == sent
                && inTime + c.lateResponses() == sent);
        assertEquals(2_000, answered + timedOut);
        assertTrue(answered > 0 && timedOut > 0, answered + " answered, " + timedOut + " timed out");
        assertEquals(timedOut - (2_000 - sent), c.lateResponses(),
                "every response of a timed-out request that was sent is dropped, once");
        assertEquals(0, c.inFlight(), "nothing left in the pending map");
        assertFalse(c.isBroken());
    }

    @Test
    void aServerThatStopsReadingHoldsNoSenderForEver() throws Exception {
        try (ServerSocket deaf = new ServerSocket()) {
            deaf.setReceiveBufferSize(4096);
            deaf.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            MuxConnection c = connect(MuxConnectionFactory.builder().requestTimeout(Duration.ofMillis(300))
                    .writeTimeout(Duration.ofMillis(500)).build(), deaf);
            try (Socket peer = deaf.accept()) { // accepts, and never reads a byte
                byte[] big = new byte[LengthPrefixedCodec.DEFAULT_MAX_PAYLOAD]; // more than the socket buffers hold
                List<CompletableFuture<byte[]>> futures = new CopyOnWriteArrayList<>();
                List<Thread> senders = new java.util.ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    Thread t = new Thread(() -> futures.add(c.send(big)), "cueball-test-sender-" + i);
                    t.setDaemon(true);
                    senders.add(t);
                    t.start();
                }
                // One sender is stuck in the socket's write, the others wait for it: those two give up after their
                // 300 ms (not sent), and the stuck write breaks the connection after writeTimeout, which closes the
                // socket under it
                await().atMost(Duration.ofSeconds(5)).until(() -> senders.stream().noneMatch(Thread::isAlive));
                assertEquals(3, futures.size());
                List<String> outcomes = new java.util.ArrayList<>();
                for (CompletableFuture<byte[]> f : futures) {
                    Throwable t = failure(f);
                    assertInstanceOf(MuxTimeoutException.class, t, "each times out at 300 ms, before the break");
                    outcomes.add(t.getMessage());
                }
                assertEquals(2, outcomes.stream().filter(m -> m.endsWith("it was not sent")).count(),
                        outcomes.toString());
                assertEquals(1, outcomes.stream().filter(m -> m.contains("its frame was still being written"))
                        .count(), outcomes.toString());
                assertTrue(c.isBroken());
                assertTrue(c.brokenBy().getMessage().contains("has not finished in 500 ms (writeTimeout)"),
                        c.brokenBy().toString());
                assertEquals(0, c.inFlight());
            }
        }
    }

    @Test
    void aRequestQueuedBehindASlowWriteFailsAloneWhenItsTimeoutPasses() throws Exception {
        try (ServerSocket deaf = new ServerSocket()) {
            deaf.setReceiveBufferSize(4096);
            deaf.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            MuxConnection c = connect(MuxConnectionFactory.create(), deaf);
            try (Socket peer = deaf.accept()) {
                byte[] big = new byte[LengthPrefixedCodec.DEFAULT_MAX_PAYLOAD];
                Thread upload = new Thread(() -> c.send(big, Duration.ofSeconds(30)), "cueball-test-upload");
                upload.setDaemon(true);
                upload.start();
                // its first bytes arrived: it holds the write lock, and 16 MiB do not fit in the sockets' buffers
                await().atMost(Duration.ofSeconds(5)).until(() -> peer.getInputStream().available() > 0);
                CompletableFuture<byte[]> small = assertTimeoutPreemptively(Duration.ofSeconds(3),
                        () -> c.send("small".getBytes(UTF_8), Duration.ofMillis(200)), "send held past its timeout");
                Throwable t = failure(small);
                assertInstanceOf(MuxTimeoutException.class, t);
                assertTrue(t.getMessage().endsWith("it was not sent"), t.getMessage());
                assertFalse(c.isBroken(), "the upload is within writeTimeout: the connection goes on");
                assertEquals(1, c.inFlight(), "only the upload is in flight");
            }
        }
    }

    private MuxConnection connect(MuxConnectionFactory factory, ServerSocket server) throws IOException {
        connection = factory.connect(io.cueball.Backend.of("127.0.0.1", server.getLocalPort()));
        return connection;
    }

    @Test
    void aCodecThatRefusesAFrameFailsOnlyThatRequestButOneThatFailsMidFrameBreaksTheConnection() throws Exception {
        MuxConnection c = connect(MuxConnectionFactory.builder().codec(new LengthPrefixedCodec(16)).build());
        Throwable refused = failure(c.send(new byte[17]));
        assertInstanceOf(IllegalArgumentException.class, refused);
        assertFalse(c.isBroken());
        assertEquals("fits", text(c.send("fits".getBytes(UTF_8))), "nothing of the refused frame was sent");

        FrameCodec halfway = new FrameCodec() {
            private final LengthPrefixedCodec real = new LengthPrefixedCodec();

            @Override
            public void write(Frame frame, DataOutputStream out) throws IOException {
                if (new String(frame.payload(), UTF_8).equals("bug")) {
                    out.writeInt(9 + 3);
                    throw new IllegalStateException("a bug in the codec");
                }
                real.write(frame, out);
            }

            @Override
            public Frame read(DataInputStream in) throws IOException {
                return real.read(in);
            }
        };
        connection.close();
        MuxConnection d = connect(MuxConnectionFactory.builder().codec(halfway).build());
        CompletableFuture<byte[]> waiting = d.send("sleep 10000 long".getBytes(UTF_8));
        Throwable t = failure(d.send("bug".getBytes(UTF_8)));
        assertInstanceOf(MuxConnectionException.class, t);
        assertTrue(d.isBroken(), "four bytes of a frame went out: what follows would be read out of step");
        assertTrue(d.brokenBy().getMessage().contains("in the middle of request 2's frame"), d.brokenBy().toString());
        assertInstanceOf(MuxConnectionException.class, failure(waiting));
    }

    @Test
    void aFrameLongerThanMaxPayloadBreaksTheConnection() throws Exception {
        server.handler((id, payload) -> new String(payload, UTF_8).equals("huge")
                ? TestMuxServer.Reply.raw(header(9 + 17, id)) : TestMuxServer.COMMANDS.handle(id, payload));
        MuxConnection c = connect(MuxConnectionFactory.builder().codec(new LengthPrefixedCodec(16)).build());
        CompletableFuture<byte[]> other = c.send("silent".getBytes(UTF_8));
        Throwable t = failure(c.send("huge".getBytes(UTF_8)));
        assertInstanceOf(MuxConnectionException.class, t);
        assertInstanceOf(ProtocolException.class, t.getCause());
        assertTrue(t.getCause().getMessage().contains("frame length 26 (expected: 9..25)"), t.getCause().toString());
        assertInstanceOf(MuxConnectionException.class, failure(other), "every request in flight fails with it");
        assertTrue(c.isBroken());
    }

    @Test
    void aFrameCutShortBreaksTheConnection() throws Exception {
        server.handler((id, payload) -> new String(payload, UTF_8).equals("half")
                ? TestMuxServer.Reply.raw(java.util.Arrays.copyOf(header(9 + 100, id), 13 + 40))
                : TestMuxServer.COMMANDS.handle(id, payload));
        MuxConnection c = connect(MuxConnectionFactory.create());
        CompletableFuture<byte[]> half = c.send("half".getBytes(UTF_8));
        await().atMost(Duration.ofSeconds(5)).until(() -> server.answersSent() == 1);
        assertFalse(half.isDone(), "40 of the payload's 100 bytes came: it waits for the rest");
        server.dropConnections();
        Throwable t = failure(half);
        assertInstanceOf(MuxConnectionException.class, t);
        assertInstanceOf(java.io.EOFException.class, t.getCause());
        assertTrue(t.getCause().getMessage().contains("the stream ended inside frame 1"), t.getCause().toString());
    }

    @Test
    void aResponseWithAnIdNoRequestHasIsDroppedAndCounted() throws Exception {
        server.handler((id, payload) -> new String(payload, UTF_8).equals("stray")
                ? TestMuxServer.Reply.raw(frame(id + 1000, "stray")) : TestMuxServer.COMMANDS.handle(id, payload));
        MuxConnection c = connect(MuxConnectionFactory.create());
        CompletableFuture<byte[]> stray = c.send("stray".getBytes(UTF_8), Duration.ofMillis(300));
        assertInstanceOf(MuxTimeoutException.class, failure(stray), "the answer named another request");
        assertEquals(1, c.lateResponses());
        assertFalse(c.isBroken());
        assertEquals("in step", text(c.send("in step".getBytes(UTF_8))));
        assertEquals(0, c.inFlight());
    }

    @Test
    void theReaderIsAVirtualThreadWhereTheJdkHasThemElseAPlatformDaemonAndEndsOnClose() throws Exception {
        MuxConnection c = connect(MuxConnectionFactory.create());
        Thread reader = c.reader();
        assertTrue(reader.getName().startsWith("cueball-mux-127.0.0.1:" + server.port() + "-"), reader.getName());
        assertTrue(reader.isDaemon(), "virtual threads are daemons; a platform reader must be one");
        boolean virtual = !reader.toString().startsWith("Thread[");  // Thread.isVirtual() is JDK 21's
        assertEquals(Runtime.version().feature() >= 21, virtual, reader.toString());
        assertTrue(reader.isAlive());
        assertEquals("up", text(c.send("up".getBytes(UTF_8))));
        c.close();
        assertFalse(reader.isAlive(), "close() waits for the reader");
        MuxConnection platform = connect(MuxConnectionFactory.builder().virtualThreads(false).build());
        assertTrue(platform.reader().isDaemon());
        assertTrue(platform.reader().toString().startsWith("Thread["), platform.reader().toString());
        platform.close();
        assertFalse(platform.reader().isAlive());
    }

    private static byte[] header(int length, long id) {
        return java.nio.ByteBuffer.allocate(13).putInt(length).putLong(id).put((byte) 0).array();
    }

    private static byte[] frame(long id, String payload) {
        byte[] p = payload.getBytes(UTF_8);
        return java.nio.ByteBuffer.allocate(13 + p.length).putInt(9 + p.length).putLong(id).put((byte) 0).put(p)
                .array();
    }

    @Test
    void theFactoryNamesBadOptions() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MuxConnectionFactory.builder().maxInFlight(0).requestTimeout(Duration.ZERO)
                        .writeTimeout(Duration.ofSeconds(-1)).build());
        assertTrue(e.getMessage().contains("writeTimeout: PT-1S (expected: > 0)"), e.getMessage());
        assertTrue(e.getMessage().contains("maxInFlight: 0 (expected: >= 1)"), e.getMessage());
        assertTrue(e.getMessage().contains("requestTimeout: PT0S (expected: > 0)"), e.getMessage());
    }
}
