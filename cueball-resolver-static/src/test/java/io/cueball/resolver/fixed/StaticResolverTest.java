package io.cueball.resolver.fixed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.Backend;
import io.cueball.testing.RecordingResolverListener;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StaticResolverTest {

    @Test
    void parsesHostsIpv4AndBracketedIpv6() {
        assertEquals(List.of(Backend.of("db1.internal", 5432), Backend.of("10.0.0.2", 5433), Backend.of("::1", 6432),
                Backend.of("fe80::1%eth0", 80)),
                StaticResolver.parseBackends(" db1.internal:5432 ,10.0.0.2:5433,[::1]:6432,[fe80::1%eth0]:80"));
    }

    @ParameterizedTest(name = "[{index}] '{0}'")
    @CsvSource(delimiter = '|', value = {
        "''          | empty backend list: expected host:port[,host:port...]",
        "db1         | invalid backend 'db1' in 'db1' (expected host:port, for example db1.internal:5432)",
        "db1:        | invalid port '' in backend 'db1:' of 'db1:' (expected: a number 1..65535)",
        "db1:pg      | invalid port 'pg' in backend 'db1:pg' of 'db1:pg' (expected: a number 1..65535)",
        "db1:0       | port 0 out of range in backend 'db1:0' of 'db1:0' (expected: 1..65535)",
        "db1:65536   | port 65536 out of range in backend 'db1:65536' of 'db1:65536' (expected: 1..65535)",
        "::1:5432    | invalid backend '::1:5432' in '::1:5432' (an IPv6 address needs brackets: [::1]:5432)",
        "a:1,,b:2    | empty entry #2 in 'a:1,,b:2': expected host:port[,host:port...]",
        "a:1,b:2,    | empty entry #3 in 'a:1,b:2,': expected host:port[,host:port...]",
        "a:1,a:1     | duplicate backend 'a:1' in 'a:1,a:1' (same as 'a:1')",
        "[::1]:5,[0:0:0:0:0:0:0:1]:5 | duplicate backend '[0:0:0:0:0:0:0:1]:5' in '[::1]:5,[0:0:0:0:0:0:0:1]:5' (same as '[::1]:5')",
        "[fd00::A]:5,[FD00:0::a]:5   | duplicate backend '[FD00:0::a]:5' in '[fd00::A]:5,[FD00:0::a]:5' (same as '[fd00::A]:5')",
        "[1::2::3]:5  | invalid IPv6 address '1::2::3' in backend '[1::2::3]:5' of '[1::2::3]:5' (expected: an IPv6 literal such as [::1] or [2001:db8::7])",
        "my host:1   | invalid backend 'my host:1' in 'my host:1' (expected host:port, for example db1.internal:5432)",
        "a:1,b/c:2   | invalid backend 'b/c:2' in 'a:1,b/c:2' (expected host:port, for example db1.internal:5432)",
    })
    void badSpecFailsQuotingTheBadPart(String spec, String message) {
        var e = assertThrows(IllegalArgumentException.class, () -> StaticResolver.parse(spec));
        assertEquals(message, e.getMessage());
    }

    @Test
    void ipv6SpellingsOfOneAddressAreOneBackend() {
        assertEquals(List.of(Backend.of("::1", 5432), Backend.of("2001:db8::1", 6432)),
                StaticResolver.parseBackends("[0:0:0:0:0:0:0:1]:5432,[2001:0DB8:0000::0001]:6432"));
        StaticResolver resolver = StaticResolver.parse("[::1]:5432");
        resolver.add(Backend.of("0:0:0:0:0:0:0:1", 5432)); // the same backend: no change
        assertEquals(List.of("[::1]:5432"), resolver.backends().stream().map(Backend::key).toList());
        assertTrue(resolver.remove(Backend.of("[0000::1]", 5432)), "removed by another spelling of its address");
    }

    @Test
    void startReportsEveryBackendThenEachChange() {
        StaticResolver resolver = StaticResolver.parse("a:1,b:2");
        RecordingResolverListener l = new RecordingResolverListener();
        resolver.start(l);
        assertEquals("[+a:1, +b:2]", l.events().toString());

        resolver.add(Backend.of("c", 3));
        resolver.add(Backend.of("c", 3)); // no change, no report
        resolver.add(Backend.of("a", 1).withWeight(5)); // an update is reported as an add
        assertTrue(resolver.remove(Backend.of("b", 2)));
        assertFalse(resolver.remove(Backend.of("zz", 9)), "unknown: nothing to remove, no report");
        assertEquals("[+a:1, +b:2, +c:3, +a:1, -b:2]", l.events().toString());
        assertEquals(5, l.backends().get(0).weight());
        assertEquals(List.of("a:1", "c:3"), l.keys());
        assertEquals(List.of("a:1", "c:3"), resolver.backends().stream().map(Backend::key).toList());
    }

    @Test
    void changesBeforeStartAreReportedAtStartAndNothingAfterClose() {
        StaticResolver resolver = StaticResolver.of(Backend.of("a", 1));
        resolver.add(Backend.of("b", 2));
        resolver.remove(Backend.of("a", 1));
        RecordingResolverListener l = new RecordingResolverListener();
        resolver.start(l);
        assertEquals("[+b:2]", l.events().toString());
        resolver.close();
        resolver.add(Backend.of("c", 3));
        assertEquals("[+b:2]", l.events().toString());
    }

    @Test
    void aResolverServesOnePool() {
        StaticResolver resolver = StaticResolver.parse("a:1");
        resolver.start(new RecordingResolverListener());
        var e = assertThrows(IllegalStateException.class, () -> resolver.start(new RecordingResolverListener()));
        assertTrue(e.getMessage().contains("use one resolver per pool"), e.getMessage());
    }
}
