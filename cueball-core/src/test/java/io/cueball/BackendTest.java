package io.cueball;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BackendTest {

    @Test
    void keyIsHostColonPortWithIpv6InBrackets() {
        assertEquals("db1.internal:5432", Backend.of("db1.internal", 5432).key());
        assertEquals("[::1]:5432", Backend.of("::1", 5432).key());
        assertEquals("[::1]:5432", Backend.of("[::1]", 5432).key(), "brackets are accepted and normalised");
        assertEquals("::1", Backend.of("[::1]", 5432).host());
    }

    @Test
    void everySpellingOfOneIpv6AddressIsOneBackend() {
        Backend canonical = Backend.of("::1", 5432);
        for (String spelling : new String[] {"0:0:0:0:0:0:0:1", "[0:0:0:0:0:0:0:1]", "0000::0001", "::0:0:1"}) {
            Backend b = Backend.of(spelling, 5432);
            assertEquals(canonical, b, spelling);
            assertEquals("[::1]:5432", b.key(), spelling);
            assertEquals("::1", b.host(), spelling);
        }
        assertEquals("[2001:db8::1]:80", Backend.of("2001:DB8:0:0:0:0:0:1", 80).key(), "lower case, compressed");
        assertEquals(Backend.of("fe80::1%eth0", 80), Backend.of("FE80:0:0:0:0:0:0:1%eth0", 80), "with a zone");
    }

    @Test
    void aHostWithAColonMustBeAnIpv6Literal() {
        var e = assertThrows(IllegalArgumentException.class, () -> Backend.of("db1:5432", 80));
        assertEquals("host: 'db1:5432' (expected: a host name, an IPv4 address or an IPv6 literal such as ::1)",
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Backend.of("1::2::3", 80));
    }

    @Test
    void ofGivesDefaultWeightAndNoMetadata() {
        Backend b = Backend.of("h", 1);
        assertEquals(Backend.DEFAULT_WEIGHT, b.weight());
        assertEquals(0, b.priority());
        assertEquals(Map.of(), b.metadata());
    }

    @Test
    void rejectsEmptyHost() {
        var e = assertThrows(IllegalArgumentException.class, () -> Backend.of("", 80));
        assertTrue(e.getMessage().contains("host"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Backend.of("  ", 80));
        assertThrows(NullPointerException.class, () -> Backend.of(null, 80));
    }

    @Test
    void rejectsPortsOutOfRange() {
        var zero = assertThrows(IllegalArgumentException.class, () -> Backend.of("h", 0));
        assertEquals("port: 0 (expected: 1..65535) for host h", zero.getMessage());
        var big = assertThrows(IllegalArgumentException.class, () -> Backend.of("h", 65536));
        assertTrue(big.getMessage().contains("65536"), big.getMessage());
        assertEquals(65535, Backend.of("h", 65535).port());
        assertEquals(1, Backend.of("h", 1).port());
    }

    @Test
    void rejectsNegativeWeightAndPriority() {
        var w = assertThrows(IllegalArgumentException.class, () -> new Backend("h", 1, -1, 0, null));
        assertTrue(w.getMessage().startsWith("weight: -1"), w.getMessage());
        var p = assertThrows(IllegalArgumentException.class, () -> new Backend("h", 1, 1, -2, null));
        assertTrue(p.getMessage().startsWith("priority: -2"), p.getMessage());
    }

    @Test
    void metadataIsCopiedAndImmutable() {
        Map<String, String> m = new HashMap<>(Map.of("tag", "primary"));
        Backend b = new Backend("h", 1, 1, 0, m);
        m.put("tag", "replica");
        assertEquals("primary", b.metadata().get("tag"));
        assertThrows(UnsupportedOperationException.class, () -> b.metadata().put("x", "y"));
    }

    @Test
    void withWeightKeepsTheRest() {
        Backend b = new Backend("h", 1, 1, 3, Map.of("a", "b")).withWeight(7);
        assertEquals(7, b.weight());
        assertEquals(3, b.priority());
        assertEquals("b", b.metadata().get("a"));
    }
}
