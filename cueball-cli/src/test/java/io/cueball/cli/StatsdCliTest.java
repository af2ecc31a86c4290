package io.cueball.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.testing.TestTcpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/** {@code demo --statsd} and {@code watch --statsd}, run in this JVM against a UDP socket on loopback. */
class StatsdCliTest {

    private record Result(int exit, String out, String err) {
    }

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** A statsd agent's socket: keeps every line of every datagram it receives. */
    private static final class StatsdAgent implements AutoCloseable {
        final DatagramSocket socket;
        final ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();
        final Thread reader;

        StatsdAgent() throws SocketException {
            socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
            reader = new Thread(this::read, "cueball-test-statsd-" + socket.getLocalPort());
            reader.setDaemon(true);
            reader.start();
        }

        String address() {
            return "127.0.0.1:" + socket.getLocalPort();
        }

        private void read() {
            byte[] buffer = new byte[65_536];
            while (!socket.isClosed()) {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                try {
                    socket.receive(packet);
                } catch (IOException e) {
                    return; // closed
                }
                new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8).lines()
                        .forEach(lines::add);
            }
        }

        boolean received(String prefix, String contains) {
            return lines.stream().anyMatch(l -> l.startsWith(prefix) && l.contains(contains));
        }

        @Override
        public void close() throws InterruptedException {
            socket.close();
            reader.join(5_000);
        }
    }

    @Test
    void demoSendsThePoolsMetersToStatsdInDatadogLines() throws Exception {
        try (StatsdAgent agent = new StatsdAgent()) {
            Result r = run("demo", "--plain", "--duration", "3s", "--workers", "4", "--statsd", agent.address());
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().contains("statsd: sending the meters of pool 'demo' to " + agent.address()
                    + " every 1 s (datadog lines)"), r.out());
            // name:value|type|#tags (DogStatsD)
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                assertTrue(agent.received("cueball.connections.max:12|g", "pool:demo"), String.join("\n",
                        agent.lines));
                assertTrue(agent.received("cueball.connections.active:", "|g|#"), "a gauge");
                assertTrue(agent.lines.stream().anyMatch(l -> l.matches(
                        "cueball\\.connections\\.acquire:[\\d.]+\\|ms\\|#.*pool:demo.*")), "a timer line per claim");
                assertTrue(agent.received("cueball.connections.usage:", "pool:demo"));
                assertTrue(agent.lines.stream().anyMatch(l -> l.startsWith("cueball.backend.score:")
                        && l.contains("pool:demo") && l.matches(".*backend:127\\.0\\.0\\.1:\\d+.*")),
                        "per-backend meters carry the backend's key");
                assertTrue(agent.received("cueball.backend.state:", "status:live"));
            });
        }
    }

    @Test
    void watchSendsTelegrafLinesWhenAsked() throws Exception {
        try (StatsdAgent agent = new StatsdAgent(); TestTcpServer a = TestTcpServer.start();
                TestTcpServer b = TestTcpServer.start()) {
            Result r = run("watch", "static:" + a.backend().key() + "," + b.backend().key(), "--tcp", "--max", "4",
                    "--workers", "2", "--duration", "2500ms", "--plain", "--statsd", agent.address(),
                    "--statsd-flavor", "telegraf");
            assertEquals(0, r.exit(), r.err());
            // name,tag=value:value|type (Telegraf's statsd input; a ':' in a tag value becomes '_')
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                assertTrue(agent.lines.stream().anyMatch(l -> l.matches(
                        "cueball_connections_max,.*pool=watch.*:4\\|g")), String.join("\n", agent.lines));
                assertTrue(agent.lines.stream().anyMatch(l -> l.startsWith("cueball_backend_connections,")
                        && l.contains("backend=" + a.backend().key().replace(':', '_')) && l.contains("state=idle")),
                        String.join("\n", agent.lines));
                assertTrue(agent.received("cueball_connections_acquire,", "|ms"), String.join("\n", agent.lines));
            });
        }
    }

    @Test
    void aBadStatsdOptionIsOneLineNamingItAndExitCodeTwo() {
        for (String bad : List.of("localhost", "127.0.0.1:0", "127.0.0.1:70000", ":8125", "::1:8125",
                "no-such-host.invalid:8125")) {
            Result r = run("demo", "--plain", "--statsd", bad);
            assertEquals(2, r.exit(), bad + ": " + r.err());
            assertTrue(r.err().startsWith("cueball: --statsd: "), r.err());
            assertTrue(r.err().contains(bad), r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertEquals("", r.out(), "nothing started");
        }
        Result r = run("watch", "static:127.0.0.1:1", "--tcp", "--statsd", "127.0.0.1:8125", "--statsd-flavor",
                "graphite");
        assertEquals(2, r.exit(), r.err());
        assertEquals("cueball: --statsd-flavor: 'graphite' (expected: datadog, telegraf, sysdig or etsy)",
                r.err().trim());
    }
}
