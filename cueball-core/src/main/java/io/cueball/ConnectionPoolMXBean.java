package io.cueball;

import java.util.List;
import javax.management.openmbean.CompositeData;

/**
 * A pool seen through JMX: registered as {@code io.cueball:type=ConnectionPool,name=<pool name>} when the pool is
 * built with {@link ConnectionPool.Builder#registerMbeans(boolean) registerMbeans(true)}, and unregistered when it
 * closes. Attributes are read from one {@link ConnectionPool#stats()} snapshot each (so two attributes read one
 * after the other may come from different instants); operations act on the pool as the methods of the same name
 * on {@link ConnectionPool} do. JMX calls run on the caller's (the MBean server's) thread.
 */
public interface ConnectionPoolMXBean {
    /** @return the pool's name */
    String getName();

    /** @return its state: STARTING, RUNNING, FAILED, CLOSING or CLOSED */
    String getState();

    /** @return whether claims are suspended ({@link ConnectionPool#suspend()}) */
    boolean isSuspended();

    /** @return the current maxConnections */
    int getMaxConnections();

    /**
     * Changes maxConnections, as {@link ConnectionPool#setMaxConnections(int)}.
     *
     * @param maxConnections the new maximum, at least 1
     * @throws IllegalArgumentException if it is below 1
     */
    void setMaxConnections(int maxConnections);

    /** @return the current spares */
    int getSpares();

    /** @return every connection that exists: idle, claimed, connecting and closing */
    int getTotalConnections();

    /** @return idle connections */
    int getIdleConnections();

    /** @return connections held by claims */
    int getActiveConnections();

    /** @return connect attempts in flight */
    int getConnectingConnections();

    /** @return claims waiting for a connection */
    int getPendingClaims();

    /** @return claims served, ever */
    long getClaims();

    /** @return claims that timed out (or were shed by the claim queue's delay control), ever */
    long getClaimTimeouts();

    /** @return rebalances run, ever */
    long getRebalances();

    /** @return backends that are live, dead, ejected: three numbers */
    int[] getBackendCounts();

    /** @return one row per backend the pool knows, in the order they were added */
    List<BackendRow> getBackends();

    /** Suspends claims, as {@link ConnectionPool#suspend()}. */
    void suspend();

    /** Resumes claims, as {@link ConnectionPool#resume()}. */
    void resume();

    /**
     * Replaces every connection, as {@link ConnectionPool#softEvictConnections()}.
     *
     * @return how many were marked for replacement
     */
    int softEvict();

    /** Re-plans now, as {@link ConnectionPool#rebalanceNow()}. */
    void rebalanceNow();

    /**
     * One backend's row: {@link BackendStats} in the types JMX consoles show (open types). Built by the pool;
     * {@link #from(CompositeData)} rebuilds one on the client side of an MXBean proxy.
     */
    final class BackendRow {
        private final String key;
        private final String status;
        private final int target;
        private final int idle;
        private final int active;
        private final int connecting;
        private final long claims;
        private final long connectsSucceeded;
        private final long connectsFailed;
        private final double score;
        private final long uses;
        private final long useFailures;
        private final long ejections;
        private final String reason;
        private final String lastError;

        BackendRow(BackendStats b) {
            this(b.backend().key(), b.status().name(), b.target(), b.idle(), b.claimed(), b.connecting(), b.claims(),
                    b.connectsSucceeded(), b.connectsFailed(), b.score(), b.uses(), b.useFailures(), b.ejections(),
                    b.reason(), b.lastError() == null ? null : b.lastError().toString());
        }

        private BackendRow(String key, String status, int target, int idle, int active, int connecting, long claims,
                long connectsSucceeded, long connectsFailed, double score, long uses, long useFailures,
                long ejections, String reason, String lastError) {
            this.key = key;
            this.status = status;
            this.target = target;
            this.idle = idle;
            this.active = active;
            this.connecting = connecting;
            this.claims = claims;
            this.connectsSucceeded = connectsSucceeded;
            this.connectsFailed = connectsFailed;
            this.score = score;
            this.uses = uses;
            this.useFailures = useFailures;
            this.ejections = ejections;
            this.reason = reason;
            this.lastError = lastError;
        }

        /**
         * Rebuilds a row from its JMX form (what an MXBean proxy receives).
         *
         * @param cd the composite data of one row
         * @return the row
         */
        public static BackendRow from(CompositeData cd) {
            return new BackendRow((String) cd.get("key"), (String) cd.get("status"), (Integer) cd.get("target"),
                    (Integer) cd.get("idle"), (Integer) cd.get("active"), (Integer) cd.get("connecting"),
                    (Long) cd.get("claims"), (Long) cd.get("connectsSucceeded"), (Long) cd.get("connectsFailed"),
                    (Double) cd.get("score"), (Long) cd.get("uses"), (Long) cd.get("useFailures"),
                    (Long) cd.get("ejections"), (String) cd.get("reason"), (String) cd.get("lastError"));
        }

        /** @return the backend's key, {@code host:port} */
        public String getKey() {
            return key;
        }

        /** @return LIVE, DEAD, EJECTED or REMOVED */
        public String getStatus() {
            return status;
        }

        /** @return the connections the last rebalance assigned to it */
        public int getTarget() {
            return target;
        }

        /** @return its idle connections */
        public int getIdle() {
            return idle;
        }

        /** @return its connections held by claims */
        public int getActive() {
            return active;
        }

        /** @return its connects in flight */
        public int getConnecting() {
            return connecting;
        }

        /** @return claims its connections served, ever */
        public long getClaims() {
            return claims;
        }

        /** @return connections opened, ever */
        public long getConnectsSucceeded() {
            return connectsSucceeded;
        }

        /** @return connect attempts failed, ever */
        public long getConnectsFailed() {
            return connectsFailed;
        }

        /** @return its use score in [0, 1] */
        public double getScore() {
            return score;
        }

        /** @return use outcomes recorded, ever */
        public long getUses() {
            return uses;
        }

        /** @return use failures, ever */
        public long getUseFailures() {
            return useFailures;
        }

        /** @return times it was ejected, ever */
        public long getEjections() {
            return ejections;
        }

        /** @return why it is dead or ejected; null while live */
        public String getReason() {
            return reason;
        }

        /** @return its last connect error as text; null if none */
        public String getLastError() {
            return lastError;
        }
    }
}
