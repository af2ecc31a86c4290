package io.cueball.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

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
}
