package io.cueball.resolver.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.testing.ManualClock;
import io.cueball.testing.RecordingResolverListener;
import io.cueball.testing.TestDnsServer;
import io.cueball.testing.TestDnsServer.Srv;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.ResolverConfig;

/**
 * Relative names completed by a search list as the system's resolver completes them (Kubernetes: a pod in
 * namespace ns1 writes {@code _postgres._tcp.db} for {@code _postgres._tcp.db.ns1.svc.cluster.local}), against a
 * real DNS server on loopback.
 */
class DnsSearchListTest {
    private static final List<String> KUBERNETES = List.of("ns1.svc.cluster.local", "svc.cluster.local");
    private static final String FULL = "_postgres._tcp.db.ns1.svc.cluster.local";

    private TestDnsServer dns;
    private ManualClock clock;
    private RecordingResolverListener events;
    private DnsSrvResolver resolver;

    @BeforeEach
    void setUp() {
        dns = TestDnsServer.start();
        clock = new ManualClock();
        events = new RecordingResolverListener();
        dns.a("db-0.db.ns1.svc.cluster.local", 30, "10.1.0.1");
        dns.srv(FULL, 30, new Srv(0, 1, 5432, "db-0.db.ns1.svc.cluster.local"));
    }

    @AfterEach
    void tearDown() {
        if (resolver != null) {
            resolver.close();
        }
        dns.close();
    }

    private DnsSrvResolver.Builder builder(String name) {
        return DnsSrvResolver.builder(name).nameservers(dns.address()).clock(clock)
                .queryTimeout(Duration.ofMillis(300));
    }

    private void start(DnsSrvResolver.Builder b) {
        resolver = b.build();
        resolver.start(events);
        clock.runDue();
    }

    private List<String> srvQueries() {
        return dns.queries().stream().filter(q -> q.type().equals("SRV")).map(TestDnsServer.Query::name).toList();
    }

    @Test
    void aShortNameIsCompletedByTheSearchListAndTheBackendSaysWhichNameAnswered() {
        start(builder("_postgres._tcp.db").searchDomains(KUBERNETES).ndots(5));
        assertEquals(List.of("10.1.0.1:5432"), events.keys());
        assertEquals(FULL, events.backends().get(0).metadata().get("dns.name"));
        assertEquals(List.of(FULL), srvQueries(), "two dots, fewer than ndots 5: the first search domain first");
        assertTrue(events.failures().isEmpty(), events.failures().toString());
    }

    @Test
    void eachSearchDomainIsTriedInOrderUntilOneAnswers() {
        dns.remove(FULL);
        dns.a("db-0.db.svc.cluster.local", 30, "10.2.0.1");
        dns.srv("_postgres._tcp.db.svc.cluster.local", 30, new Srv(0, 1, 5432, "db-0.db.svc.cluster.local"));
        start(builder("_postgres._tcp.db").searchDomains(KUBERNETES).ndots(5));
        assertEquals(List.of("10.2.0.1:5432"), events.keys());
        assertEquals("_postgres._tcp.db.svc.cluster.local", events.backends().get(0).metadata().get("dns.name"));
        assertEquals(List.of(FULL, "_postgres._tcp.db.svc.cluster.local"), srvQueries(),
                "NXDOMAIN for the first completion moves on to the next");
    }

    @Test
    void aNameWithAtLeastNdotsDotsIsTriedAsItIsFirst() {
        dns.a("db-0.db.test", 30, "10.3.0.1");
        dns.srv("_postgres._tcp.db", 30, new Srv(0, 1, 5432, "db-0.db.test")); // a TLD "db": as it is wins
        start(builder("_postgres._tcp.db").searchDomains(KUBERNETES).ndots(2));
        assertEquals(List.of("10.3.0.1:5432"), events.keys());
        assertEquals(List.of("_postgres._tcp.db"), srvQueries());

        resolver.close();
        dns.remove("_postgres._tcp.db");
        dns.clearQueries();
        RecordingResolverListener again = new RecordingResolverListener();
        resolver = builder("_postgres._tcp.db").searchDomains(KUBERNETES).ndots(2).build();
        resolver.start(again);
        clock.runDue();
        assertEquals(List.of("10.1.0.1:5432"), again.keys(), "then the search list");
        assertEquals(List.of("_postgres._tcp.db", FULL), srvQueries());
    }

    @Test
    void anAbsoluteNameIsAskedAloneAndItsNxdomainIsReportedAtOnce() {
        start(builder("_postgres._tcp.db.").searchDomains(KUBERNETES).ndots(5));
        assertEquals(List.of(), events.keys());
        assertEquals(List.of("_postgres._tcp.db"), srvQueries(), "a trailing dot: no search list");
        assertEquals(1, events.failures().size(), "no such name is reported by the first resolution");
        UnknownHostException e = assertInstanceOf(UnknownHostException.class, events.failures().get(0));
        assertEquals("NXDOMAIN: no such name _postgres._tcp.db. (asked _postgres._tcp.db SRV)", e.getMessage());
    }

    @Test
    void whenNoCompletionExistsTheNxdomainListsEveryNameAsked() {
        start(builder("_mysql._tcp.db").searchDomains(KUBERNETES).ndots(5));
        assertEquals(List.of(), events.keys());
        assertEquals("NXDOMAIN: no such name _mysql._tcp.db (asked _mysql._tcp.db.ns1.svc.cluster.local SRV, "
                + "_mysql._tcp.db.svc.cluster.local SRV, _mysql._tcp.db SRV)", events.failures().get(0).getMessage());
    }

    @Test
    void anEmptyAnswerIsNoNxdomain() {
        dns.a("_mysql._tcp.db.svc.cluster.local", 30, "10.9.9.9"); // exists, with no SRV records
        start(builder("_mysql._tcp.db").searchDomains(KUBERNETES).ndots(5));
        assertEquals(List.of(), events.keys());
        assertTrue(events.failures().isEmpty(), "a name that exists answered: " + events.failures());
    }

    @Test
    void aServerErrorForOneCompletionDoesNotHideTheNext() {
        dns.rcode("_postgres._tcp.db.ns1.svc.cluster.local", Rcode.SERVFAIL);
        dns.a("db-0.db.svc.cluster.local", 30, "10.2.0.1");
        dns.srv("_postgres._tcp.db.svc.cluster.local", 30, new Srv(0, 1, 5432, "db-0.db.svc.cluster.local"));
        start(builder("_postgres._tcp.db").searchDomains(KUBERNETES).ndots(5));
        assertEquals(List.of("10.2.0.1:5432"), events.keys(), "as the system's resolver: SERVFAIL moves on");

        resolver.close();
        dns.remove("_postgres._tcp.db.svc.cluster.local");
        RecordingResolverListener failing = new RecordingResolverListener();
        resolver = builder("_postgres._tcp.db").searchDomains(KUBERNETES).ndots(5).build();
        resolver.start(failing);
        clock.runDue();
        assertEquals(1, failing.failures().size());
        assertTrue(failing.failures().get(0).getMessage().startsWith("SERVFAIL from "),
                "the server error, not NXDOMAIN: the name that failed may exist: " + failing.failures());
    }

    @Test
    void theFallbackDomainIsCompletedByTheSameSearchList() {
        dns.remove(FULL);
        dns.a("db.ns1.svc.cluster.local", 30, "10.4.0.1");
        start(builder("_postgres._tcp.db").searchDomains(KUBERNETES).ndots(5).defaultPort(5432));
        assertEquals(List.of("10.4.0.1:5432"), events.keys());
        assertEquals("db.ns1.svc.cluster.local", events.backends().get(0).metadata().get("dns.name"));
    }

    @Test
    void completionsFollowResolvConfsOrder() throws Exception {
        List<Name> search = List.of(Name.fromString("a.example."), Name.fromString("b.example."));
        Name relative = Name.fromString("_pg._tcp.db");
        assertEquals("[_pg._tcp.db.a.example., _pg._tcp.db.b.example., _pg._tcp.db.]",
                DnsSrvResolver.completions(relative, search, 5).toString());
        assertEquals("[_pg._tcp.db., _pg._tcp.db.a.example., _pg._tcp.db.b.example.]",
                DnsSrvResolver.completions(relative, search, 2).toString(), "2 dots, ndots 2: as it is first");
        assertEquals("[_pg._tcp.db.a.example., _pg._tcp.db.b.example., _pg._tcp.db.]",
                DnsSrvResolver.completions(relative, search, 3).toString());
        assertEquals("[_pg._tcp.db.]", DnsSrvResolver.completions(Name.fromString("_pg._tcp.db."), search, 5)
                .toString());
        assertEquals("[_pg._tcp.db.]", DnsSrvResolver.completions(relative, List.of(), 5).toString());
    }

    @Test
    void theSystemsSearchListAndNdotsAreTheDefault() {
        ResolverConfig system = ResolverConfig.getCurrentConfig();
        List<String> expected = DnsSrvResolver.completions(Name.fromConstantString("_nope._tcp.db"),
                system.searchPath(), system.ndots()).stream().map(n -> n.toString(true)).toList();
        start(builder("_nope._tcp.db"));
        assertEquals(expected, srvQueries(), "search " + system.searchPath() + " ndots " + system.ndots());
    }

    @Test
    void badSearchSettingsAreNamed() {
        var ndots = assertThrows(IllegalArgumentException.class,
                () -> builder("_a._tcp.b").ndots(16).build());
        assertEquals("ndots: 16 (expected: 0..15, as in resolv.conf)", ndots.getMessage());
        var domain = assertThrows(IllegalArgumentException.class,
                () -> builder("_a._tcp.b").searchDomains(List.of("a..b")));
        assertTrue(domain.getMessage().startsWith("searchDomains: 'a..b' is not a valid DNS name"),
                domain.getMessage());
    }
}
