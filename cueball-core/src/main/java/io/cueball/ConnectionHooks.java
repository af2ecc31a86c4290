package io.cueball;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls into a {@link Connection}'s hooks on the pool's behalf, never under the pool lock, so that whatever a
 * connection throws becomes an outcome the pool understands instead of an exception in its own code: a close
 * that fails is logged and forgotten, a reset that fails or an {@code isBroken()} that throws discards the
 * connection, an {@code isHealthy()} that throws fails the check.
 */
final class ConnectionHooks {
    private static final Logger log = LoggerFactory.getLogger(ConnectionPool.class);

    private ConnectionHooks() {
    }

    /** Closes a connection; a failure is logged at debug level. */
    static void close(Connection connection, String poolName, String key) {
        try {
            connection.close();
        } catch (Exception e) {
            log.debug("pool '{}': closing a connection to {} failed: {}", poolName, key, e.toString());
        }
    }

    /**
     * Resets a released connection; false if it could not be (it is then discarded). Takes the slot, not its
     * key, so that the claim path reads the backend's key only when there is something to log.
     */
    static boolean reset(Slot<?> slot, String poolName) {
        try {
            slot.connection.reset();
            return true;
        } catch (Exception e) {
            log.debug("pool '{}': resetting a released connection to {} failed; discarding it: {}", poolName,
                    slot.backend.key, e.toString());
            return false;
        }
    }

    /** What the connection already knows about itself, with no I/O; a hook that throws means broken. */
    static boolean isBroken(Connection connection) {
        try {
            return connection.isBroken();
        } catch (RuntimeException e) {
            return true;
        }
    }

    /** A bounded check of an idle connection; a hook that throws means unhealthy. */
    static boolean isHealthy(Connection connection) {
        try {
            return connection.isHealthy();
        } catch (Exception e) {
            return false;
        }
    }
}
