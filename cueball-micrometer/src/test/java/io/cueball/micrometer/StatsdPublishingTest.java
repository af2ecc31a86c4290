package io.cueball.micrometer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.Claim;
import io.cueball.ConnectionPool;
import io.cueball.conn.tcp.TcpConnection;
import io.cueball.conn.tcp.TcpConnectionFactory;
import io.cueball.resolver.fixed.StaticResolver;
import io.cueball.testing.TestTcpServer;
import io.micrometer.core.instrument.Clock;
import io.micrometer.statsd.StatsdConfig;
import io.micrometer.statsd.StatsdFlavor;
import io.micrometer.statsd.StatsdMeterRegistry;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The meters through Micrometer's statsd registry, DogStatsD flavor ({@code name:value|type|#key:value,...}), step
 * and polling 200 ms, to a UDP socket on 127.0.0.1 that the test reads and parses.
 */
class StatsdPublishingTest {
    private static final Pattern DOGSTATSD = Pattern.compile("([^:|#]+):([^|]+)\\|([a-z]+)(?:\\|#(.*))?");

    /** One statsd line, parsed. */
    private record Line(String name, double value, String type, Map<String, String> tags) {
        static Line parse(String text) {
            Matcher m = DOGSTATSD.matcher(text);
            if (!m.matches()) {
                throw new AssertionError("not a DogStatsD line: " + text);
            }
            Map<String, String> tags = new HashMap<>();
            if (m.group(4) != null) {
                for (String tag : m.group(4).split(",")) {
                    int colon = tag.indexOf(':');
                    tags.put(tag.substring(0, colon), tag.substring(colon + 1));
                }
            }
            return new Line(m.group(1), Double.parseDouble(m.group(2)), m.group(3), tags);
        }
    }

    @Test
    void namedMetersWithThePoolTagArriveAsStatsdLines() throws Exception {
        ConcurrentLinkedQueue<Line> lines = new ConcurrentLinkedQueue<>();
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                TestTcpServer server = TestTcpServer.start()) {
            Thread reader = new Thread(() -> {
                byte[] buffer = new byte[65_536];
                while (!socket.isClosed()) {
                    DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                    try {
                        socket.receive(packet);
                    } catch (IOException e) {
                        return; // closed
                    }
                    new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8).lines()
                            .map(Line::parse).forEach(lines::add);
                }
            }, "cueball-test-statsd");
            reader.setDaemon(true);
            reader.start();

            StatsdMeterRegistry registry = new StatsdMeterRegistry(new StatsdConfig() {
                @Override
                public String get(String key) {
                    return null;
                }

                @Override
                public StatsdFlavor flavor() {
                    return StatsdFlavor.DATADOG;
                }

                @Override
                public String host() {
                    return "127.0.0.1";
                }

                @Override
                public int port() {
                    return socket.getLocalPort();
                }

                @Override
                public Duration step() {
                    return Duration.ofMillis(200);
                }

                @Override
                public Duration pollingFrequency() {
                    return Duration.ofMillis(200);
                }
            }, Clock.SYSTEM);
            try (ConnectionPool<TcpConnection> pool = ConnectionPool.builder(StaticResolver.of(server.backend()),
                            TcpConnectionFactory.create()).name("statsd-test").maxConnections(2)
                    .random(new Random(15)).build();
                    CueballPoolMetrics metrics = new CueballPoolMetrics(pool)) {
                metrics.bindTo(registry);
                await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().idle() == 2);
                Claim<TcpConnection> claim = pool.claim();
                claim.discard();

                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    assertTrue(lines.stream().anyMatch(l -> l.name().equals(CueballPoolMetrics.CONNECTIONS_MAX)
                            && l.type().equals("g") && l.value() == 2), lines::toString);
                    assertTrue(lines.stream().anyMatch(l -> l.name().equals(CueballPoolMetrics.CONNECTIONS_IDLE)
                            && l.value() == 2));
                    assertTrue(lines.stream().anyMatch(l -> l.name().equals(CueballPoolMetrics.CONNECTIONS_ACQUIRE)
                            && l.type().equals("ms")));
                    assertTrue(lines.stream().anyMatch(l -> l.name().equals(CueballPoolMetrics.CONNECTIONS_FAILURES)
                            && l.type().equals("c") && "use".equals(l.tags().get("kind")) && l.value() == 1));
                    assertTrue(lines.stream().anyMatch(l -> l.name().equals(CueballPoolMetrics.BACKEND_STATE)
                            && server.backend().key().equals(l.tags().get("backend"))
                            && "live".equals(l.tags().get("status")) && l.value() == 1));
                });
            } finally {
                registry.close();
            }
            List<Line> cueball = lines.stream().filter(l -> l.name().startsWith("cueball.")).toList();
            assertTrue(cueball.size() > 20, cueball::toString);
            assertEquals(List.of(), cueball.stream().filter(l -> !"statsd-test".equals(l.tags().get("pool"))).toList(),
                    "every line carries the pool tag");
        }
    }
}
