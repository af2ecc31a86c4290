package io.cueball.resolver.dns;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.BackendStats;
import io.cueball.ConnectionPool;
import io.cueball.conn.tcp.TcpConnection;
import io.cueball.conn.tcp.TcpConnectionFactory;
import io.cueball.testing.TestDnsServer;
import io.cueball.testing.TestDnsServer.Srv;
import io.cueball.testing.TestTcpServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** DnsSrvResolver, ConnectionPool and real TCP backends together, in real time. */
class DnsPoolTest {
    private static final String SRV = "_echo._tcp.svc.test";

    private static Map<Integer, Integer> openPerPort(ConnectionPool<?> pool) {
        Map<Integer, Integer> m = new TreeMap<>();
        for (BackendStats b : pool.stats().backends()) {
            m.put(b.backend().port(), b.open());
        }
        return m;
    }

    @Test
    void anAddedSrvRecordBringsConnectionsWithinItsTtlPlusTheRebalanceDelay() {
        try (TestDnsServer dns = TestDnsServer.start();
                TestTcpServer a = TestTcpServer.start();
                TestTcpServer b = TestTcpServer.start();
                TestTcpServer c = TestTcpServer.start()) {
            dns.a("host.svc.test", 1, "127.0.0.1");
            dns.srv(SRV, 1, new Srv(0, 1, a.port(), "host.svc.test"), new Srv(0, 1, b.port(), "host.svc.test"));
            DnsSrvResolver resolver = DnsSrvResolver.builder(SRV).nameservers(dns.address())
                    .refreshBounds(Duration.ofSeconds(1), Duration.ofMinutes(5)).build();
            try (ConnectionPool<TcpConnection> pool = ConnectionPool.builder(resolver, TcpConnectionFactory.create())
                    .name("dns-e2e").maxConnections(6).rebalanceDelay(Duration.ofMillis(100)).build()) {
                await().atMost(5, TimeUnit.SECONDS)
                        .until(() -> openPerPort(pool).equals(Map.of(a.port(), 3, b.port(), 3)));

                long added = System.nanoTime();
                dns.srv(SRV, 1, new Srv(0, 1, a.port(), "host.svc.test"), new Srv(0, 1, b.port(), "host.svc.test"),
                        new Srv(0, 1, c.port(), "host.svc.test"));
                await().atMost(5, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(10))
                        .until(() -> openPerPort(pool).getOrDefault(c.port(), 0) == 2);
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - added);
                // TTL 1 s (+20 % jitter) + rebalanceDelay 100 ms, with room for a busy machine.
                assertTrue(ms < 1_200 + 100 + 700, "the new backend got its share after " + ms + " ms");
                await().atMost(5, TimeUnit.SECONDS).until(() -> openPerPort(pool).values().stream()
                        .allMatch(n -> n == 2));

                // A record that disappears takes its connections with it.
                dns.srv(SRV, 1, new Srv(0, 1, b.port(), "host.svc.test"), new Srv(0, 1, c.port(), "host.svc.test"));
                await().atMost(5, TimeUnit.SECONDS).until(() -> openPerPort(pool).equals(Map.of(b.port(), 3,
                        c.port(), 3)));
                await().atMost(5, TimeUnit.SECONDS).until(() -> a.openConnections() == 0);
            }
        }
    }

    @Test
    void closingThePoolStopsTheResolversThread() {
        try (TestDnsServer dns = TestDnsServer.start(); TestTcpServer a = TestTcpServer.start()) {
            dns.a("host.svc.test", 1, "127.0.0.1");
            dns.srv(SRV, 1, new Srv(0, 1, a.port(), "host.svc.test"));
            DnsSrvResolver resolver = DnsSrvResolver.builder(SRV).nameservers(dns.address()).build();
            ConnectionPool<TcpConnection> pool = ConnectionPool.builder(resolver, TcpConnectionFactory.create())
                    .name("dns-close").maxConnections(2).build();
            await().atMost(5, TimeUnit.SECONDS).until(() -> pool.stats().idle() == 2);
            List<Thread> dnsThreads = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("cueball-dns-")).toList();
            assertFalse(dnsThreads.isEmpty(), "the resolver runs on a cueball-dns-* thread");
            pool.close();
            assertEquals(List.of(), dnsThreads.stream().filter(Thread::isAlive).toList());
        }
    }
}
