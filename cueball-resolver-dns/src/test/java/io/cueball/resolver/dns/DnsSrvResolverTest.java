package io.cueball.resolver.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.Backend;
import io.cueball.BackoffPolicy;
import io.cueball.testing.ManualClock;
import io.cueball.testing.RecordingResolverListener;
import io.cueball.testing.TestDnsServer;
import io.cueball.testing.TestDnsServer.Srv;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Rcode;

/** The resolver against a real DNS server on loopback, stepped through time with a manual clock. */
class DnsSrvResolverTest {
    private static final String SRV = "_pg._tcp.db.test";
    private static final long SEED = 20261124L;

    private TestDnsServer dns;
    private ManualClock clock;
    private RecordingResolverListener events;
    private DnsSrvResolver resolver;

    @BeforeEach
    void setUp() {
        dns = TestDnsServer.start();
        clock = new ManualClock();
        events = new RecordingResolverListener();
    }

    @AfterEach
    void tearDown() {
        if (resolver != null) {
            resolver.close();
        }
        dns.close();
    }

    /** No search list, whatever this machine's resolv.conf says: the queries each test counts are its own. */
    private DnsSrvResolver.Builder builder(String name) {
        return DnsSrvResolver.builder(name).nameservers(dns.address()).clock(clock).random(new Random(SEED))
                .queryTimeout(Duration.ofMillis(300)).searchDomains(List.of()).ndots(1);
    }

    private void start(DnsSrvResolver.Builder b) {
        resolver = b.build();
        resolver.start(events);
        clock.runDue(); // the first resolution runs at once
    }

    private void hosts(long ttl, String... namesAndAddresses) {
        for (int i = 0; i < namesAndAddresses.length; i += 2) {
            dns.a(namesAndAddresses[i], ttl, namesAndAddresses[i + 1]);
        }
    }

    @Test
    void recordsAppearingAndDisappearingAreReportedAsDifferencesOnly() {
        hosts(60, "db1.test", "10.0.0.1", "db2.test", "10.0.0.2", "db3.test", "10.0.0.3");
        dns.srv(SRV, 10, new Srv(0, 1, 5432, "db1.test"), new Srv(0, 1, 5432, "db2.test"));
        start(builder(SRV));
        assertEquals("[+10.0.0.1:5432, +10.0.0.2:5432]", events.events().toString());
        Backend first = events.backends().get(0);
        assertEquals(Map.of("dns.target", "db1.test", "dns.name", SRV), first.metadata());

        clock.advance(Duration.ofSeconds(13)); // past the TTL (10 s, plus up to 20 % jitter): nothing changed
        assertEquals(2, events.events().size(), "an unchanged answer reports nothing");

        dns.srv(SRV, 10, new Srv(0, 1, 5432, "db2.test"), new Srv(0, 1, 5432, "db3.test"));
        clock.advance(Duration.ofSeconds(13));
        assertEquals("[+10.0.0.1:5432, +10.0.0.2:5432, -10.0.0.1:5432, +10.0.0.3:5432]", events.events().toString());
        assertEquals(List.of("10.0.0.2:5432", "10.0.0.3:5432"), events.keys());
    }

    @Test
    void theNextRefreshComesWhenTheShortestTtlRunsOutClampedAndJittered() {
        hosts(10, "db1.test", "10.0.0.1");
        dns.srv(SRV, 30, new Srv(0, 1, 5432, "db1.test"));
        start(builder(SRV));
        Random replica = new Random(SEED);
        long expected = (long) (10_000_000_000L * (1 + 0.2 * replica.nextDouble()));
        assertEquals(expected, clock.untilNextTask().toNanos(), "the A record's 10 s, jittered by the seed");

        dns.srv(SRV, 0, new Srv(0, 1, 5432, "db1.test")); // TTL 0, as Consul's DNS sends: never spin
        clock.advance(clock.untilNextTask());
        long next = clock.untilNextTask().toNanos();
        assertTrue(next >= 1_000_000_000L && next <= 1_200_000_000L, "minRefresh 1 s: " + next);

        dns.srv(SRV, 86_400, new Srv(0, 1, 5432, "db1.test"));
        hosts(86_400, "db1.test", "10.0.0.1");
        clock.advance(clock.untilNextTask());
        next = clock.untilNextTask().toNanos();
        assertTrue(next >= 300_000_000_000L && next <= 360_000_000_000L, "maxRefresh 5 min: " + next);
    }

    @Test
    void aTruncatedUdpAnswerIsAskedAgainOverTcp() {
        Srv[] many = new Srv[30];
        for (int i = 0; i < many.length; i++) {
            many[i] = new Srv(0, 1, 5432, "db" + i + ".test");
            dns.a("db" + i + ".test", 60, "10.0.1." + i);
        }
        dns.srv(SRV, 60, many);
        dns.udpLimit(512);
        start(builder(SRV));
        assertEquals(30, events.backends().size(), "every record, though they do not fit in 512 bytes");
        assertTrue(dns.queries().stream().anyMatch(q -> q.tcp() && q.type().equals("SRV")), dns.queries().toString());

        resolver.close();
        RecordingResolverListener noTcp = new RecordingResolverListener();
        resolver = builder(SRV).tcpOnTruncation(false).build();
        resolver.start(noTcp);
        clock.runDue();
        assertTrue(noTcp.backends().size() < 30, "without the TCP retry only what fit: " + noTcp.backends().size());
    }

    @Test
    void servfailKeepsTheLastSetReportsTheFailureAndRecovers() {
        hosts(60, "db1.test", "10.0.0.1", "db2.test", "10.0.0.2");
        dns.srv(SRV, 5, new Srv(0, 1, 5432, "db1.test"));
        start(builder(SRV).retryBackoff(new BackoffPolicy(Duration.ofSeconds(1), Duration.ofSeconds(8), 0)));
        dns.rcode(SRV, Rcode.SERVFAIL);
        clock.advance(clock.untilNextTask()); // exactly to the refresh after the TTL
        assertEquals(1, events.failures().size());
        assertTrue(events.failures().get(0).getMessage().startsWith("SERVFAIL from 127.0.0.1:"),
                events.failures().get(0).getMessage());
        assertEquals(List.of("10.0.0.1:5432"), events.keys(), "the last known set is kept");
        assertEquals(Duration.ofSeconds(1), clock.untilNextTask(), "retried with backoff");
        clock.advance(Duration.ofSeconds(1));
        assertEquals(2, events.failures().size());
        assertEquals(Duration.ofSeconds(2), clock.untilNextTask(), "the backoff doubles");

        dns.rcode(SRV, Rcode.NOERROR);
        dns.srv(SRV, 5, new Srv(0, 1, 5432, "db2.test"));
        clock.advance(Duration.ofSeconds(2));
        assertEquals(List.of("10.0.0.2:5432"), events.keys(), "recovered, and the change is reported");
        assertEquals(2, events.failures().size());

        dns.rcode(SRV, Rcode.REFUSED);
        clock.advance(Duration.ofSeconds(6));
        assertTrue(events.failures().get(2).getMessage().startsWith("REFUSED"), events.failures().toString());
        assertEquals(List.of("10.0.0.2:5432"), events.keys());
    }

    @Test
    void aServerThatDoesNotAnswerKeepsTheLastSetUntilItAnswersAgain() {
        hosts(60, "db1.test", "10.0.0.1");
        dns.srv(SRV, 5, new Srv(0, 1, 5432, "db1.test"));
        start(builder(SRV));
        dns.silent(true);
        clock.advance(Duration.ofSeconds(6)); // a real 300 ms query timeout passes on this thread
        assertEquals(1, events.failures().size());
        assertTrue(events.failures().get(0) instanceof SocketTimeoutException, events.failures().toString());
        assertEquals(List.of("10.0.0.1:5432"), events.keys());
        dns.silent(false);
        dns.srv(SRV, 5, new Srv(0, 1, 5432, "db1.test"), new Srv(0, 1, 6432, "db1.test"));
        clock.advance(clock.untilNextTask());
        assertEquals(List.of("10.0.0.1:5432", "10.0.0.1:6432"), events.keys());
    }

    @Test
    void aClosedPortIsReportedAsPortUnreachableNamingTheServerAndTheQuestion() {
        TestDnsServer gone = TestDnsServer.start();
        String address = gone.address();
        gone.close(); // nothing listens there any more: the kernel answers UDP with ICMP port unreachable
        resolver = DnsSrvResolver.builder(SRV).nameservers(address).clock(clock).queryTimeout(Duration.ofMillis(300))
                .searchDomains(List.of()).build();
        resolver.start(events);
        clock.runDue();
        assertEquals(1, events.failures().size());
        Throwable failure = events.failures().get(0);
        assertTrue(failure instanceof PortUnreachableException || failure instanceof SocketTimeoutException,
                failure.toString());
        String expected = failure instanceof PortUnreachableException ? "port unreachable" : "timed out after 300ms";
        assertTrue(failure.getMessage().startsWith("no answer from " + address + " for " + SRV + ". SRV ("
                + expected), failure.getMessage());
    }

    @Test
    void aMalformedAnswerCountsAsAFailure() {
        hosts(60, "db1.test", "10.0.0.1");
        dns.srv(SRV, 5, new Srv(0, 1, 5432, "db1.test"));
        start(builder(SRV));
        dns.malformed(true);
        clock.advance(Duration.ofSeconds(6));
        assertEquals(1, events.failures().size());
        assertTrue(events.failures().get(0).getMessage().startsWith("malformed answer from 127.0.0.1:"),
                events.failures().get(0).getMessage());
        assertEquals(List.of("10.0.0.1:5432"), events.keys());
    }

    @Test
    void nxdomainFallsBackToTheDomainsAddressesWithTheDefaultPortAndSrvIsAskedAgain() {
        hosts(5, "db.test", "10.0.0.9");
        start(builder(SRV).defaultPort(5432));
        assertEquals(List.of("10.0.0.9:5432"), events.keys(), "no SRV: A of db.test with the default port");
        hosts(60, "db1.test", "10.0.0.1");
        dns.srv(SRV, 60, new Srv(0, 1, 6432, "db1.test"));
        clock.advance(Duration.ofSeconds(7));
        assertEquals(List.of("10.0.0.1:6432"), events.keys(), "SRV appeared and took over");
        assertTrue(dns.queries().stream().filter(q -> q.type().equals("SRV")).count() >= 2);
    }

    @Test
    void anEmptySrvAnswerAlsoFallsBack() {
        hosts(5, "db.test", "10.0.0.9");
        dns.a(SRV, 60, "10.9.9.9"); // the name exists, but has no SRV records: NOERROR, empty
        start(builder(SRV).defaultPort(5432));
        assertEquals(List.of("10.0.0.9:5432"), events.keys());
    }

    @Test
    void onlyTheLowestPriorityGroupWithTargetsIsUsedAndWeightsAreCarried() {
        hosts(60, "a.test", "10.0.0.1", "b.test", "10.0.0.2", "backup.test", "10.0.0.3");
        dns.srv(SRV, 5, new Srv(10, 3, 5432, "a.test"), new Srv(10, 1, 5432, "b.test"),
                new Srv(20, 1, 5432, "backup.test"));
        start(builder(SRV));
        assertEquals(List.of("10.0.0.1:5432", "10.0.0.2:5432"), events.keys());
        Backend a = events.backends().stream().filter(b -> b.host().equals("10.0.0.1")).findFirst().orElseThrow();
        assertEquals(3, a.weight());
        assertEquals(10, a.priority());

        dns.remove("a.test"); // targets without address records do not count
        dns.remove("b.test");
        clock.advance(Duration.ofSeconds(7));
        assertEquals(List.of("10.0.0.3:5432"), events.keys(), "the lower group is empty: the backup group");
        assertEquals(20, events.backends().get(0).priority());
    }

    @Test
    void aTargetWithoutAddressesAndTheDotTargetAreSkipped() {
        hosts(60, "db1.test", "10.0.0.1");
        dns.srv(SRV, 5, new Srv(0, 1, 5432, "db1.test"), new Srv(0, 1, 5432, "ghost.test"),
                new Srv(0, 1, 5432, "."));
        start(builder(SRV));
        assertEquals(List.of("10.0.0.1:5432"), events.keys());
        assertTrue(events.failures().isEmpty());
    }

    @Test
    void glueIsUsedWhenSentAndTargetsAreLookedUpWhenNot() {
        hosts(60, "db1.test", "10.0.0.1", "db2.test", "10.0.0.2");
        dns.srv(SRV, 5, new Srv(0, 1, 5432, "db1.test"), new Srv(0, 1, 5432, "db2.test"));
        start(builder(SRV));
        assertEquals(List.of("SRV"), dns.queries().stream().map(TestDnsServer.Query::type).toList());
        dns.glue(false);
        dns.clearQueries();
        clock.advance(Duration.ofSeconds(7));
        assertEquals(List.of("SRV", "A", "A"), dns.queries().stream().map(TestDnsServer.Query::type).toList());
        assertEquals(List.of("10.0.0.1:5432", "10.0.0.2:5432"), events.keys());
    }

    @Test
    void addressFamiliesChooseARecordsAaaaRecordsOrBoth() {
        dns.a("db1.test", 60, "10.0.0.1");
        dns.aaaa("db1.test", 60, "fd00::1");
        dns.aaaa("db2.test", 60, "fd00::2");
        dns.srv(SRV, 60, new Srv(0, 1, 5432, "db1.test"), new Srv(0, 1, 5432, "db2.test"));
        start(builder(SRV));
        // keys in RFC 5952 form (fd00::2), not InetAddress.getHostAddress()'s (fd00:0:0:0:0:0:0:2)
        assertEquals(List.of("10.0.0.1:5432", "[fd00::2]:5432"), events.keys(),
                "prefer IPv4: db1's A, and db2's AAAA since it has no A");
        for (var c : List.of(
                List.of(DnsSrvResolver.AddressFamily.IPV6_ONLY, "[fd00::1]:5432,[fd00::2]:5432"),
                List.of(DnsSrvResolver.AddressFamily.IPV4_ONLY, "10.0.0.1:5432"),
                List.of(DnsSrvResolver.AddressFamily.BOTH,
                        "10.0.0.1:5432,[fd00::1]:5432,[fd00::2]:5432"))) {
            resolver.close();
            RecordingResolverListener l = new RecordingResolverListener();
            resolver = builder(SRV).addressFamily((DnsSrvResolver.AddressFamily) c.get(0)).build();
            resolver.start(l);
            clock.runDue();
            assertEquals(c.get(1), String.join(",", l.keys()), c.get(0).toString());
        }
    }

    @Test
    void anEmptyAnswerKeepsTheBackendsByDefaultAndRemovesThemIfAsked() {
        hosts(60, "db1.test", "10.0.0.1");
        dns.srv(SRV, 5, new Srv(0, 1, 5432, "db1.test"));
        start(builder(SRV));
        dns.a(SRV, 60, "10.9.9.9"); // the name exists, but has no SRV records any more: NOERROR, empty
        dns.srv(SRV, 5);
        clock.advance(Duration.ofSeconds(7));
        assertEquals(List.of("10.0.0.1:5432"), events.keys(), "KEEP: an empty answer removes nothing");
        assertTrue(events.failures().isEmpty(), "an authoritative empty answer is not a failure");
        dns.remove(SRV);
        clock.advance(clock.untilNextTask()); // the empty answer's negative TTL
        assertEquals(List.of("10.0.0.1:5432"), events.keys(), "KEEP: nor does NXDOMAIN");
        assertEquals(1, events.failures().size(), "but no such name is reported: " + events.failures());
        assertTrue(events.failures().get(0).getMessage().startsWith("NXDOMAIN"), events.failures().toString());

        resolver.close();
        dns.srv(SRV, 5, new Srv(0, 1, 5432, "db1.test"));
        RecordingResolverListener l = new RecordingResolverListener();
        resolver = builder(SRV).onEmptyAnswer(DnsSrvResolver.EmptyAnswer.REMOVE).build();
        resolver.start(l);
        clock.runDue();
        dns.remove(SRV);
        clock.advance(Duration.ofSeconds(7));
        assertEquals(List.of(), l.keys(), "REMOVE: the zone is the truth");
        assertEquals("[+10.0.0.1:5432, -10.0.0.1:5432]", l.events().toString());
    }

    @Test
    void aPlainDomainIsResolvedAsAddressesWithItsPort() {
        hosts(60, "cache.test", "10.0.0.7");
        dns.a("cache.test", 60, "10.0.0.7", "10.0.0.8");
        start(builder("cache.test").defaultPort(11211));
        assertEquals(List.of("10.0.0.7:11211", "10.0.0.8:11211"), events.keys());
        assertEquals(List.of("A"), dns.queries().stream().map(TestDnsServer.Query::type).toList());
    }

    @Test
    void theSecondNameServerIsAskedWhenTheFirstFails() {
        hosts(60, "db1.test", "10.0.0.1");
        dns.srv(SRV, 60, new Srv(0, 1, 5432, "db1.test"));
        try (TestDnsServer broken = TestDnsServer.start()) {
            broken.rcode(SRV, Rcode.SERVFAIL);
            resolver = DnsSrvResolver.builder(SRV).nameservers(broken.address(), dns.address()).clock(clock)
                    .queryTimeout(Duration.ofMillis(300)).build();
            resolver.start(events);
            clock.runDue();
            assertEquals(List.of("10.0.0.1:5432"), events.keys());
            assertEquals(1, broken.queries().size());
        }
    }
}
