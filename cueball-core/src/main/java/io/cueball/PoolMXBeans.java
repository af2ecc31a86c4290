package io.cueball;

import java.lang.management.ManagementFactory;
import java.util.List;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Registers a pool's {@link ConnectionPoolMXBean} with the platform MBean server, and unregisters it. */
final class PoolMXBeans {
    private static final Logger log = LoggerFactory.getLogger(ConnectionPool.class);

    private PoolMXBeans() {
    }

    /** The name a pool registers under. */
    static ObjectName nameOf(String pool) {
        try {
            return new ObjectName("io.cueball:type=ConnectionPool,name=" + ObjectName.quote(pool));
        } catch (JMException e) {
            throw new IllegalArgumentException("registerMbeans: no JMX name for pool '" + pool + "'", e);
        }
    }

    /**
     * Registers the pool.
     *
     * @throws IllegalArgumentException if a pool of that name is registered already, or registration fails
     */
    static ObjectName register(ConnectionPool<?> pool) {
        ObjectName name = nameOf(pool.name());
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try {
            server.registerMBean(new View(pool), name);
            return name;
        } catch (InstanceAlreadyExistsException e) {
            throw new IllegalArgumentException("registerMbeans: an MBean named " + name + " is registered already "
                    + "(another pool named '" + pool.name() + "'); give each pool its own name", e);
        } catch (JMException e) {
            throw new IllegalArgumentException("registerMbeans: registering " + name + " failed: " + e, e);
        }
    }

    static void unregister(ObjectName name) {
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(name);
        } catch (InstanceNotFoundException gone) {
            // unregistered by someone else: nothing to do
        } catch (JMException e) {
            log.warn("unregistering {} failed", name, e);
        }
    }

    /** The MXBean: a view of the pool, reading stats() per attribute. */
    private static final class View implements ConnectionPoolMXBean {
        private final ConnectionPool<?> pool;

        View(ConnectionPool<?> pool) {
            this.pool = pool;
        }

        @Override
        public String getName() {
            return pool.name();
        }

        @Override
        public String getState() {
            return pool.state().name();
        }

        @Override
        public boolean isSuspended() {
            return pool.isSuspended();
        }

        @Override
        public int getMaxConnections() {
            return pool.maxConnections();
        }

        @Override
        public void setMaxConnections(int maxConnections) {
            pool.setMaxConnections(maxConnections);
        }

        @Override
        public int getSpares() {
            return pool.spares();
        }

        @Override
        public int getTotalConnections() {
            return pool.stats().total();
        }

        @Override
        public int getIdleConnections() {
            return pool.stats().idle();
        }

        @Override
        public int getActiveConnections() {
            return pool.stats().claimed();
        }

        @Override
        public int getConnectingConnections() {
            return pool.stats().connecting();
        }

        @Override
        public int getPendingClaims() {
            return pool.stats().waiting();
        }

        @Override
        public long getClaims() {
            return pool.stats().claims();
        }

        @Override
        public long getClaimTimeouts() {
            return pool.stats().claimTimeouts();
        }

        @Override
        public long getRebalances() {
            return pool.stats().rebalances();
        }

        @Override
        public int[] getBackendCounts() {
            PoolStats s = pool.stats();
            return new int[] {s.backendsLive(), s.backendsDead(), s.backendsEjected()};
        }

        @Override
        public List<BackendRow> getBackends() {
            return pool.stats().backends().stream().map(BackendRow::new).toList();
        }

        @Override
        public void suspend() {
            pool.suspend();
        }

        @Override
        public void resume() {
            pool.resume();
        }

        @Override
        public int softEvict() {
            return pool.softEvictConnections();
        }

        @Override
        public void rebalanceNow() {
            pool.rebalanceNow();
        }
    }
}
