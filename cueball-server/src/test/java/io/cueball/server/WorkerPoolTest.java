package io.cueball.server;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The worker pool against real loopback sockets; idle retirement on a manual clock. */
@Timeout(30) // a pool that never lets go (a stop that never returns, a timer that re-fires at once) fails, not hangs
class WorkerPoolTest {
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    /** Echoes each request line: a connection keeps its worker busy for as long as the client keeps it open. */
    private static final ConnectionHandler ECHO = ConnectionHandler.lines(request -> request);

    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    @AfterEach
    void closeEverything() throws Exception {
        for (int i = closeAfter.size() - 1; i >= 0; i--) {
            closeAfter.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closing(T c) {
        closeAfter.add(c);
        return c;
    }

    /** A line-speaking client with a 5 s read timeout, so a broken test fails instead of hanging. */
    private final class Client implements AutoCloseable {
        final Socket socket = new Socket();
        final BufferedReader in;
        final OutputStream out;

        Client(InetSocketAddress address) throws IOException {
            try {
                socket.connect(address, 2_000);
            } catch (IOException e) {
                socket.close();
                throw e;
            }
            socket.setSoTimeout(5_000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), US_ASCII));
            out = socket.getOutputStream();
            closing(this);
        }

        String call(String line) throws IOException {
            send(line);
            return in.readLine();
        }

        void send(String line) throws IOException {
            out.write((line + "\n").getBytes(US_ASCII));
            out.flush();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** The server closed the connection: end of stream, or a reset when it closed with bytes left unread. */
    private static void assertClosedByServer(Client c, String why) {
        try {
            String line = c.in.readLine();
            assertNull(line, why + ": got a line instead");
        } catch (SocketException e) {
            assertTrue(e.getMessage().contains("reset"), why + ": " + e);
        } catch (IOException e) {
            throw new AssertionError(why + ": " + e, e);
        }
    }

    /** Lets time pass for a client that paces its requests (not a wait for a condition). */
    private static void pause(Duration d) {
        await().pollDelay(d).atMost(d.plusSeconds(1)).until(() -> true);
    }

    private static void assertCounts(WorkerPool pool, int workers, int busy, int idle) {
        WorkerPoolStats s = pool.stats();
        assertEquals(workers, s.workers(), "workers: " + s);
        assertEquals(busy, s.busy(), "busy: " + s);
        assertEquals(idle, s.idle(), "idle: " + s);
        assertEquals(s.workers(), s.busy() + s.idle(), "every worker is busy or idle: " + s);
    }

    private static Set<String> liveThreads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith(prefix)).collect(Collectors.toSet());
    }

    @Test
    void minWorkersStartAtOnce() {
        WorkerPool pool = closing(WorkerPool.builder(ECHO).name("min").minWorkers(3).maxWorkers(5)
                .clock(new TestClock()).build());
        assertCounts(pool, 3, 0, 3); // no waiting: build() started them
        assertEquals(Set.of("cueball-server-min-1", "cueball-server-min-2", "cueball-server-min-3"),
                liveThreads("cueball-server-min-"));
        assertTrue(Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("cueball-server-min-")).allMatch(Thread::isDaemon));
    }

    @Test
    void growsToMaxUnderLoadAndNoFurther() throws IOException {
        WorkerPool pool = closing(WorkerPool.builder(ECHO).name("grow").minWorkers(1).maxWorkers(3)
                .clock(new TestClock()).build());
        InetSocketAddress address = pool.serve(LOOPBACK);
        assertCounts(pool, 1, 0, 1);
        List<Client> clients = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            Client c = new Client(address);
            assertEquals("hello " + i, c.call("hello " + i), "served by a worker of its own");
            clients.add(c);
            assertCounts(pool, i, i, 0); // the idle minimum took the first, then one new worker per connection
        }
        for (Client c : clients) {
            assertEquals("again", c.call("again"), "every connection keeps its worker");
        }
        assertEquals("BUSY", new Client(address).in.readLine(), "one too many");
        assertCounts(pool, 3, 3, 0);
        assertEquals(Set.of("cueball-server-grow-1", "cueball-server-grow-2", "cueball-server-grow-3",
                "cueball-server-grow-accept"), liveThreads("cueball-server-grow-"));
    }

    @Test
    void atMaxAConnectionIsAnsweredBusyClosedAndCounted() throws IOException {
        WorkerPool pool = closing(WorkerPool.builder(ECHO).name("busy").maxWorkers(2).clock(new TestClock())
                .build());
        InetSocketAddress address = pool.serve(LOOPBACK);
        Client a = new Client(address);
        Client b = new Client(address);
        assertEquals("a", a.call("a"));
        assertEquals("b", b.call("b"));

        Client refused = new Client(address);
        assertEquals("BUSY", refused.in.readLine(), "the accept loop answers busy");
        assertClosedByServer(refused, "and closes the connection");
        assertEquals(1, pool.stats().rejected());
        assertEquals("a", a.call("a"), "the busy workers were not disturbed");

        b.close();
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.stats().busy() == 1);
        Client later = new Client(address);
        assertEquals("room again", later.call("room again"), "a worker freed is a worker for the next");
        assertEquals(1, pool.stats().rejected());
    }

    @Test
    void submitRefusesAtOnceWithoutQueueingAndTheSocketStaysTheCallers() throws IOException {
        WorkerPool pool = closing(WorkerPool.builder(ECHO).name("submit").maxWorkers(1).clock(new TestClock())
                .build());
        ServerSocket listener = closing(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
        InetSocketAddress address = (InetSocketAddress) listener.getLocalSocketAddress();
        Client first = new Client(address);
        pool.submit(closing(listener.accept()));
        assertEquals("served", first.call("served"));

        new Client(address);
        Socket second = closing(listener.accept());
        long start = System.nanoTime();
        WorkerPoolBusyException e = assertThrows(WorkerPoolBusyException.class, () -> pool.submit(second));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(1), "refused at once, not after a wait");
        assertEquals(1, e.busy());
        assertEquals(1, e.maxWorkers());
        assertTrue(e.getMessage().contains("'submit' is busy: 1 of 1 workers"), e.getMessage());
        assertFalse(second.isClosed(), "the caller decides what to answer");
        assertEquals(1, pool.stats().rejected());
        assertCounts(pool, 1, 1, 0);
    }

    @Test
    void idleWorkersAboveTheMinimumRetireAfterIdleTimeout() throws IOException {
        TestClock clock = new TestClock();
        WorkerPool pool = closing(WorkerPool.builder(ECHO).name("idle").minWorkers(1).maxWorkers(4)
                .idleTimeout(Duration.ofSeconds(10)).clock(clock).build());
        InetSocketAddress address = pool.serve(LOOPBACK);
        List<Client> clients = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Client c = new Client(address);
            assertEquals("x", c.call("x"));
            clients.add(c);
        }
        assertCounts(pool, 3, 3, 0);
        clients.get(1).close();
        clients.get(2).close();
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.stats().idle() == 2);
        assertEquals(1, clock.pendingTasks(), "one retire timer, for the two idle above the minimum");

        clock.advance(Duration.ofSeconds(10).minusMillis(1));
        assertCounts(pool, 3, 1, 2); // 1 ms early: nobody retires
        clock.advance(Duration.ofMillis(1));
        assertCounts(pool, 1, 1, 0); // exactly at idleTimeout both go; the minimum is the busy one
        await().atMost(5, TimeUnit.SECONDS).until(() -> liveThreads("cueball-server-idle-").size() == 2);

        clients.get(0).close();
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.stats().idle() == 1);
        clock.advance(Duration.ofHours(1));
        assertCounts(pool, 1, 0, 1); // the minimum is never retired for idleness
        assertEquals(0, clock.pendingTasks(), "no timer while nobody above the minimum is idle");
        assertEquals("still served", new Client(address).call("still served"));
    }

    @Test
    void resizeUpAndDownWhileServing() throws IOException {
        TestClock clock = new TestClock();
        WorkerPool pool = closing(WorkerPool.builder(ECHO).name("resize").maxWorkers(2).clock(clock).build());
        InetSocketAddress address = pool.serve(LOOPBACK);
        List<Client> clients = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            clients.add(new Client(address));
            assertEquals("x", clients.get(i).call("x"));
        }
        assertEquals("BUSY", new Client(address).in.readLine());

        pool.resize(3, 4); // up: the new minimum starts at once
        assertCounts(pool, 3, 2, 1);
        for (int i = 2; i < 4; i++) {
            clients.add(new Client(address));
            assertEquals("x", clients.get(i).call("x"));
        }
        assertCounts(pool, 4, 4, 0);
        assertEquals("BUSY", new Client(address).in.readLine());

        pool.resize(0, 1); // down: nobody is cut off, the surplus retires as its connection ends
        for (Client c : clients) {
            assertEquals("kept", c.call("kept"));
        }
        assertEquals("BUSY", new Client(address).in.readLine(), "refused until fewer than 1 are busy");
        for (int i = 0; i < 3; i++) {
            clients.get(i).close();
        }
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.stats().workers() == 1);
        assertCounts(pool, 1, 1, 0);
        assertEquals("BUSY", new Client(address).in.readLine());
        clients.get(3).close();
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.stats().idle() == 1);
        assertCounts(pool, 1, 0, 1); // at the maximum, not above it: it stays (idleTimeout retires it later)
        assertEquals("served", new Client(address).call("served"));
        assertEquals(4, pool.stats().rejected());
        assertEquals(WorkerPoolConfig.builder().minWorkers(0).maxWorkers(1).build(), pool.config());
    }

    @Test
    void gracefulStopWaitsForABusyWorkerAndRefusesNewWork() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        WorkerPool pool = closing(WorkerPool.builder(ConnectionHandler.lines(request -> {
            try {
                release.await(); // a request that takes as long as the test says
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "done".getBytes(US_ASCII);
        })).name("graceful").minWorkers(2).clock(new TestClock()).build());
        InetSocketAddress address = pool.serve(LOOPBACK);
        Client busy = new Client(address);
        busy.send("work");
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.stats().busy() == 1);

        CompletableFuture<Boolean> stopped = CompletableFuture.supplyAsync(() -> pool.stop(Duration.ofSeconds(30)));
        await().atMost(5, TimeUnit.SECONDS).until(() -> !pool.isRunning());
        assertThrows(ConnectException.class, () -> new Client(address), "the listener is closed");
        try (Socket s = new Socket()) {
            WorkerPoolStoppedException e = assertThrows(WorkerPoolStoppedException.class, () -> pool.submit(s));
            assertTrue(e.getMessage().contains("'graceful' is stopping"), e.getMessage());
        }
        assertThrows(WorkerPoolStoppedException.class, () -> pool.resize(1, 2));
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.stats().workers() == 1); // the idle one went at once
        assertFalse(stopped.isDone(), "stop waits for the busy worker");

        release.countDown();
        assertEquals("done", busy.in.readLine(), "the request in flight was answered");
        busy.close();
        assertTrue(stopped.get(5, TimeUnit.SECONDS), "everything finished within the timeout");
        assertCounts(pool, 0, 0, 0);
        assertEquals(Set.of(), liveThreads("cueball-server-graceful-"));
    }

    @Test
    void stopClosesWhatIsStillServedAfterItsTimeout() throws IOException {
        WorkerPool pool = closing(WorkerPool.builder(ECHO).name("cut").clock(new TestClock()).build());
        Client lingering = new Client(pool.serve(LOOPBACK));
        assertEquals("x", lingering.call("x"));
        assertFalse(pool.stop(Duration.ofMillis(100)), "a connection had to be cut off");
        assertClosedByServer(lingering, "closed by the stop");
        assertEquals(Set.of(), liveThreads("cueball-server-cut-"));
        assertTrue(pool.stop(Duration.ZERO), "stopping again finds nothing to wait for");
    }

    @Test
    void theReadDeadlineClosesASilentClient() throws IOException {
        WorkerPool pool = closing(WorkerPool.builder(ECHO).name("deadline").clock(new TestClock()).build());
        InetSocketAddress address = pool.serve(LOOPBACK);
        Client before = new Client(address);
        assertEquals("x", before.call("x"));
        pool.setConfig(pool.config().toBuilder().readDeadline(Duration.ofMillis(200)).build());

        Client talking = new Client(address);
        CompletableFuture<Void> talks = CompletableFuture.runAsync(() -> {
            try {
                for (int i = 0; i < 5; i++) { // 500 ms in all, each read waiting 100 ms: the deadline is per read
                    assertEquals("tick", talking.call("tick"));
                    pause(Duration.ofMillis(100));
                }
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        Client silent = new Client(address);
        long start = System.nanoTime();
        assertClosedByServer(silent, "a silent client is closed");
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(tookMs >= 150 && tookMs < 4_000, "at the deadline: " + tookMs + " ms");
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.stats().timedOut() == 1);
        talks.join();
        assertEquals("tick", talking.call("tick"), "a client that keeps talking is kept");
        assertEquals("x", before.call("x"), "the new deadline applies to connections taken from now on");
        assertEquals(1, pool.stats().timedOut());
    }

    @Test
    void noServerThreadIsLeftAfterStop() throws IOException {
        WorkerPool pool = WorkerPool.builder(ECHO).name("leak").minWorkers(1).maxWorkers(3)
                .idleTimeout(Duration.ofMinutes(1)).build(); // the system clock: its timer thread must go too
        InetSocketAddress address = pool.serve(LOOPBACK);
        Client a = new Client(address);
        Client b = new Client(address);
        assertEquals("a", a.call("a"));
        assertEquals("b", b.call("b"));
        b.close(); // a worker above the minimum goes idle: the retire timer starts its thread
        await().atMost(5, TimeUnit.SECONDS).until(() -> liveThreads("cueball-server-leak-timer").size() == 1);
        assertEquals(4, liveThreads("cueball-server-leak-").size(), "two workers, the acceptor, the timer");

        assertFalse(pool.stop(Duration.ZERO), "a's connection was cut off");
        assertEquals(Set.of(), liveThreads("cueball-server-leak-"), "every thread joined before stop returned");
    }

    @Test
    void theLinesHandlerAnswersEachRequestInOrder() throws IOException {
        WorkerPool pool = closing(WorkerPool.builder(ConnectionHandler.lines(8,
                        request -> request.length == 0 ? null : new String(request, US_ASCII).toUpperCase()
                                .getBytes(US_ASCII)))
                .name("lines").clock(new TestClock()).build());
        InetSocketAddress address = pool.serve(LOOPBACK);
        Client c = new Client(address);
        c.out.write("one\r\n\ntwo\nthree\n".getBytes(US_ASCII)); // pipelined; the empty one gets no reply
        c.out.flush();
        assertEquals("ONE", c.in.readLine(), "\\r\\n ends a line too");
        assertEquals("TWO", c.in.readLine());
        assertEquals("THREE", c.in.readLine());
        c.send("123456789");
        assertClosedByServer(c, "a request over maxLineBytes closes the connection");
        assertThrows(IllegalArgumentException.class, () -> ConnectionHandler.lines(0, r -> r));
    }

    @Test
    void aFailingHandlerLosesOnlyItsConnection() throws IOException {
        WorkerPool pool = closing(WorkerPool.builder(ConnectionHandler.lines(request -> {
            if (new String(request, US_ASCII).equals("boom")) {
                throw new IllegalStateException("the handler's bug");
            }
            return request;
        })).name("fails").maxWorkers(1).clock(new TestClock()).build());
        InetSocketAddress address = pool.serve(LOOPBACK);
        Client bad = new Client(address);
        bad.send("boom");
        assertClosedByServer(bad, "its connection is closed");
        await().atMost(5, TimeUnit.SECONDS).until(() -> pool.stats().idle() == 1);
        assertEquals("fine", new Client(address).call("fine"), "the same worker serves the next");
        assertEquals(Set.of("cueball-server-fails-1", "cueball-server-fails-accept"),
                liveThreads("cueball-server-fails-"));
    }

    @Test
    void virtualThreadsOnJava21OrARefusalNamingTheOption() throws Exception {
        WorkerPool.Builder builder = WorkerPool.builder(ECHO).name("virtual").virtualThreads(true)
                .clock(new TestClock());
        if (Runtime.version().feature() < 21) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);
            assertTrue(e.getMessage().contains("virtualThreads: true"), e.getMessage());
            return;
        }
        AtomicReference<Thread> worker = new AtomicReference<>();
        WorkerPool pool = closing(WorkerPool.builder(socket -> {
            worker.set(Thread.currentThread());
            ECHO.handle(socket);
        }).name("virtual").virtualThreads(true).clock(new TestClock()).build());
        Client c = new Client(pool.serve(LOOPBACK));
        assertEquals("v", c.call("v"));
        Thread t = worker.get();
        assertEquals("cueball-server-virtual-1", t.getName());
        assertTrue((boolean) Thread.class.getMethod("isVirtual").invoke(t), "a virtual thread");
        pool.stop(Duration.ZERO); // cuts c's connection off
        assertFalse(t.isAlive(), "joined by stop");
    }

    @Test
    void badOptionsFailAtBuildNamingTheOptionAndValue() {
        assertBad("minWorkers: -1 (expected: >= 0)", b -> b.minWorkers(-1));
        assertBad("maxWorkers: -2 (expected: >= 0; 0 for unbounded)", b -> b.maxWorkers(-2));
        assertBad("minWorkers: 5 (expected: <= maxWorkers 3)", b -> b.minWorkers(5).maxWorkers(3));
        assertBad("idleTimeout: PT0S (expected: > 0)", b -> b.idleTimeout(Duration.ZERO));
        assertBad("readDeadline: PT-0.001S", b -> b.readDeadline(Duration.ofMillis(-1)));
        assertBad("readDeadline: PT0.0005S", b -> b.readDeadline(Duration.ofNanos(500_000)));
        assertBad("readDeadline: PT596H31M23.648S", b -> b.readDeadline(Duration.ofMillis(Integer.MAX_VALUE + 1L)));
        assertBad("busyReply: 4097 bytes (expected: at most 4096", b -> b.busyReply(new byte[4097]));
        assertBad("name: 'no spaces' (expected: 1 to 64 characters", b -> b.name("no spaces"));
        IllegalArgumentException two = assertThrows(IllegalArgumentException.class,
                () -> WorkerPool.builder(ECHO).name("two").minWorkers(-1).maxWorkers(-1).build());
        assertEquals("worker pool 'two': minWorkers: -1 (expected: >= 0); maxWorkers: -1 (expected: >= 0; 0 for "
                + "unbounded)", two.getMessage(), "every bad option at once, after the pool's name");

        WorkerPool pool = closing(WorkerPool.builder(ECHO).name("ok").minWorkers(0).maxWorkers(0)
                .readDeadline(Duration.ZERO).clock(new TestClock()).build());
        IllegalArgumentException resize = assertThrows(IllegalArgumentException.class, () -> pool.resize(4, 2));
        assertEquals("minWorkers: 4 (expected: <= maxWorkers 2)", resize.getMessage());
        IllegalArgumentException stop = assertThrows(IllegalArgumentException.class,
                () -> pool.stop(Duration.ofMillis(-1)));
        assertEquals("timeout: PT-0.001S (expected: >= 0)", stop.getMessage());
        assertTrue(pool.isRunning(), "a refused change changes nothing");
    }

    private static void assertBad(String expected, UnaryOperator<WorkerPool.Builder> options) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> options.apply(WorkerPool.builder(ECHO).clock(new TestClock())).build());
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }
}
