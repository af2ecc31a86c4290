package io.cueball;

import static io.cueball.EngineHarness.A;
import static io.cueball.EngineHarness.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.List;
import javax.management.Attribute;
import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The pool's MXBean, read and operated through the platform MBean server as a JMX console would. */
class PoolMXBeanTest {
    private final EngineHarness h = new EngineHarness();
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void attributesAndOperationsThroughThePlatformServer() throws Exception {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A, B).name("mx-test").maxConnections(4).registerMbeans(true));
        ObjectName name = new ObjectName("io.cueball:type=ConnectionPool,name=\"mx-test\"");
        assertTrue(server.isRegistered(name));
        assertEquals("mx-test", server.getAttribute(name, "Name"));
        assertEquals("RUNNING", server.getAttribute(name, "State"));
        assertEquals(4, server.getAttribute(name, "MaxConnections"));
        assertEquals(4, server.getAttribute(name, "IdleConnections"));
        CompositeData[] rows = (CompositeData[]) server.getAttribute(name, "Backends");
        assertEquals(2, rows.length);
        assertEquals(A.key(), rows[0].get("key"));
        assertEquals("LIVE", rows[0].get("status"));
        assertEquals(2, rows[0].get("target"));

        server.setAttribute(name, new Attribute("MaxConnections", 6));
        assertEquals(6, pool.maxConnections());
        assertEquals(6, pool.stats().idle());

        server.invoke(name, "suspend", null, null);
        assertTrue(pool.isSuspended());
        assertEquals(true, server.getAttribute(name, "Suspended"));
        server.invoke(name, "resume", null, null);
        assertFalse(pool.isSuspended());
        assertEquals(6, server.invoke(name, "softEvict", null, null));
        server.invoke(name, "rebalanceNow", null, null);

        ConnectionPoolMXBean proxy = JMX.newMXBeanProxy(server, name, ConnectionPoolMXBean.class);
        List<ConnectionPoolMXBean.BackendRow> viaProxy = proxy.getBackends();
        assertEquals(B.key(), viaProxy.get(1).getKey(), "rows rebuild on the client side");
        assertEquals(3, viaProxy.get(1).getIdle());

        pool.close();
        assertFalse(server.isRegistered(name), "unregistered on close");
    }

    @Test
    void aSecondPoolOfTheSameNameFailsToBuildNamingTheOption() {
        h.executor.inline();
        h.startAndSettle(h.builder(A).name("mx-twice").maxConnections(1).registerMbeans(true));
        EngineHarness other = new EngineHarness();
        var e = assertThrows(IllegalArgumentException.class,
                () -> other.start(other.builder(A).name("mx-twice").registerMbeans(true)));
        assertTrue(e.getMessage().contains("registerMbeans") && e.getMessage().contains("mx-twice"), e.getMessage());
        assertTrue(other.factory.open().isEmpty(), "the pool that failed to build closed what it opened");
    }

    @Test
    void offByDefault() throws Exception {
        h.executor.inline();
        h.startAndSettle(h.builder(A).name("mx-off").maxConnections(1));
        assertFalse(server.isRegistered(new ObjectName("io.cueball:type=ConnectionPool,name=\"mx-off\"")));
    }
}
