package io.cueball.resolver.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cueball.Durations;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DnsSpecTest {

    @Test
    void parsesNameServersAndOptions() {
        DnsSrvResolver r = DnsSrvResolver.parse(
                "dns:_pg._tcp.db.internal@127.0.0.1:5353,[::1]?port=5432&family=both&empty=remove&timeout=500ms");
        assertEquals("DnsSrvResolver[_pg._tcp.db.internal]", r.toString());
        r.close();
        assertEquals(new InetSocketAddress("127.0.0.1", 53), DnsSpec.server("127.0.0.1", "x"));
        assertEquals(new InetSocketAddress("::1", 5353), DnsSpec.server("[::1]:5353", "x"));
        var b = DnsSpec.parse("_pg._tcp.db.internal@127.0.0.1?timeout=2s");
        b.queryTimeout(Duration.ofSeconds(1)).build().close(); // the builder stays usable
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "dns:                                   | no name in DNS spec 'dns:'",
        "dns:@127.0.0.1                         | no name in DNS spec 'dns:@127.0.0.1'",
        "dns:_pg._tcp.db@127.0.0.1:99999        | port 99999 out of range in name server '127.0.0.1:99999' of",
        "dns:_pg._tcp.db@127.0.0.1:x            | invalid port 'x' in name server '127.0.0.1:x' of",
        "dns:_pg._tcp.db@a b                    | invalid name server 'a b'",
        "dns:_pg._tcp.db@127.0.0.1?port=abc     | invalid port 'port=abc'",
        "dns:_pg._tcp.db@127.0.0.1?port=70000   | defaultPort: 70000 (expected: 1..65535, or 0 for no A/AAAA fallback)",
        "dns:_pg._tcp.db@127.0.0.1?family=v5    | invalid family 'family=v5'",
        "dns:_pg._tcp.db@127.0.0.1?empty=maybe  | invalid empty 'empty=maybe'",
        "dns:_pg._tcp.db@127.0.0.1?timeout=soon | timeout: 'soon' (expected: a duration such as 250ms, 5s, 2m, 1h",
        "dns:_pg._tcp.db@127.0.0.1?timeout=0ms  | timeout: '0ms' (expected: > 0)",
        "dns:_pg._tcp.db@127.0.0.1?ttl=5        | unknown option 'ttl=5'",
        "dns:_pg._tcp.db@127.0.0.1?ndots=x      | invalid ndots 'ndots=x'",
        "dns:_pg._tcp.db@127.0.0.1?ndots=16     | ndots: 16 (expected: 0..15, as in resolv.conf)",
        "dns:_pg._tcp.db@127.0.0.1?search=a..b  | searchDomains: 'a..b' is not a valid DNS name",
        "dns:db.internal@127.0.0.1              | name: 'db.internal' has no _service._proto labels",
        "dns:a..b@127.0.0.1?port=1              | name: 'a..b' is not a valid DNS name",
    })
    void badSpecsFailQuotingTheBadPart(String spec, String message) {
        var e = assertThrows(IllegalArgumentException.class, () -> DnsSrvResolver.parse(spec));
        assertEquals(true, e.getMessage().startsWith(message), e.getMessage());
    }

    @ParameterizedTest(name = "timeout={0}")
    @CsvSource({"1m, 60", "2s, 2", "PT3S, 3", "1h, 3600"})
    void theTimeoutTakesEveryUnitOfTheSharedGrammar(String text, long seconds) {
        assertEquals(Duration.ofSeconds(seconds),
                DnsSpec.parse("_pg._tcp.db@127.0.0.1?timeout=" + text).queryTimeout());
    }

    @Test
    void aBadTimeoutIsRefusedInTheSharedWords() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> DnsSrvResolver.parse("dns:_pg._tcp.db@127.0.0.1?timeout=-1s"));
        assertEquals(assertThrows(IllegalArgumentException.class, () -> Durations.parse("timeout", "-1s"))
                .getMessage(), e.getMessage());
    }

    @Test
    void badBuilderSettingsAreNamed() {
        var timeout = assertThrows(IllegalArgumentException.class, () -> DnsSrvResolver.builder("_a._tcp.b")
                .nameservers("127.0.0.1").queryTimeout(Duration.ZERO).build());
        assertEquals("queryTimeout: PT0S (expected: > 0)", timeout.getMessage());
        var bounds = assertThrows(IllegalArgumentException.class, () -> DnsSrvResolver.builder("_a._tcp.b")
                .nameservers("127.0.0.1").refreshBounds(Duration.ofSeconds(10), Duration.ofSeconds(5)).build());
        assertEquals("maxRefresh: PT5S (expected: >= minRefresh PT10S)", bounds.getMessage());
    }
}
