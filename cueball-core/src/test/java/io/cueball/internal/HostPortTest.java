package io.cueball.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HostPortTest {

    @Test
    void parsesHostsIpv6AndDefaultPorts() {
        assertEquals(new HostPort("db1.internal", 5432), HostPort.parse("db1.internal:5432", 0, "backend", "s"));
        assertEquals(new HostPort("::1", 53), HostPort.parse("[::1]", 53, "name server", "s"));
        assertEquals(new HostPort("fe80::1%eth0", 80), HostPort.parse("[fe80::1%eth0]:80", 0, "backend", "s"));
        assertEquals(new HostPort("10.0.0.1", 8500), HostPort.parse("10.0.0.1", 8500, "agent", "s"));
    }

    @Test
    void errorsQuoteThePartAndTheSpec() {
        assertEquals("invalid backend 'db1' in 'a:1,db1' (expected host:port, for example db1.internal:5432)",
                assertThrows(IllegalArgumentException.class, () -> HostPort.parse("db1", 0, "backend", "a:1,db1"))
                        .getMessage());
        assertEquals("invalid agent '::1:8500' in 'x' (an IPv6 address needs brackets: [::1])",
                assertThrows(IllegalArgumentException.class, () -> HostPort.parse("::1:8500", 8500, "agent", "x"))
                        .getMessage());
        assertEquals("port 0 out of range in name server 'ns:0' of 'x' (expected: 1..65535)",
                assertThrows(IllegalArgumentException.class, () -> HostPort.parse("ns:0", 53, "name server", "x"))
                        .getMessage());
    }

    @Test
    void everySpellingOfOneIpv6AddressParsesToTheSameHost() {
        HostPort expected = new HostPort("::1", 5432);
        for (String spelling : new String[] {"[::1]:5432", "[0:0:0:0:0:0:0:1]:5432", "[0000:0000::0001]:5432",
                "[::0:1]:5432", "[0::0:0:1]:5432"}) {
            assertEquals(expected, HostPort.parse(spelling, 0, "backend", spelling), spelling);
        }
        assertEquals(new HostPort("2001:db8::1", 53), HostPort.parse("[2001:DB8:0:0:0:0:0:1]", 53, "name server", "s"));
    }

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource({
        "::1,                                   ::1",
        "0:0:0:0:0:0:0:1,                       ::1",
        "::,                                    ::",
        "0:0:0:0:0:0:0:0,                       ::",
        "2001:0DB8:0000:0000:0000:0000:0000:0001, 2001:db8::1",
        "2001:db8::0:1,                         2001:db8::1",
        "2001:db8:0:1:1:1:1:1,                  2001:db8:0:1:1:1:1:1", // one zero group is not shortened
        "2001:0:0:1:0:0:0:1,                    2001:0:0:1::1",        // the longest run is
        "2001:db8:0:0:1:0:0:1,                  2001:db8::1:0:0:1",    // the first of two equal runs is
        "1:0:0:0:0:0:0:0,                       1::",
        "FE80::0001%eth0,                       fe80::1%eth0",         // the zone is kept as given
        "::FFFF:10.0.0.1,                       ::ffff:10.0.0.1",      // IPv4-mapped stays mapped and dotted
        "0:0:0:0:0:ffff:a00:1,                  ::ffff:10.0.0.1",
        "::10.0.0.1,                            ::a00:1",              // not mapped: hex
        "1:2:3:4:5:6:7:8,                       1:2:3:4:5:6:7:8",
    })
    void ipv6LiteralsComeOutInRfc5952Form(String text, String canonical) {
        assertEquals(canonical, HostPort.canonicalIpv6(text));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource({"db1.internal", "10.0.0.1", "1::2::3", ":::", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "::1:",
        ":1::", "12345::1", "g::1", "::1%", "::256.0.0.1", "::1.2.3", "1.2.3.4::", "''"})
    void textThatIsNoIpv6LiteralHasNoCanonicalForm(String text) {
        assertNull(HostPort.canonicalIpv6(text));
    }

    @Test
    void aBracketedHostMustBeAnIpv6Literal() {
        assertEquals("invalid IPv6 address '1::2::3' in backend '[1::2::3]:80' of 's' (expected: an IPv6 literal "
                + "such as [::1] or [2001:db8::7])",
                assertThrows(IllegalArgumentException.class, () -> HostPort.parse("[1::2::3]:80", 0, "backend", "s"))
                        .getMessage());
    }
}
