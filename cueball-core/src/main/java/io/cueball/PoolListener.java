package io.cueball;

import java.time.Duration;
import java.util.Map;

/**
 * Observes what a pool does: for logs, metrics and live views. Every method has an empty default.
 *
 * <p><b>Threading.</b> The pool never calls a listener while holding its lock. Calls are serialised (never two
 * at once for one pool) and arrive in the order the events happened, on whichever pool or application thread
 * happens to deliver them. A listener must be quick and must not block: it delays that thread's work. An
 * exception thrown by a listener is logged and otherwise ignored.
 */
public interface PoolListener {

    /**
     * The pool changed state.
     *
     * @param from the old state
     * @param to   the new state
     */
    default void stateChanged(PoolState from, PoolState to) {
    }

    /**
     * A rebalance applied a backend the resolver added.
     *
     * @param backend the backend
     */
    default void backendAdded(Backend backend) {
    }

    /**
     * A rebalance applied a backend the resolver removed.
     *
     * @param backend the backend
     */
    default void backendRemoved(Backend backend) {
    }

    /**
     * A backend's connects failed {@link PoolOptions#deadAfterFailures()} times in a row; it keeps one monitor
     * slot. (Use failures never make a backend dead.)
     *
     * @param backend   the backend
     * @param lastError its last connect error
     */
    default void backendDead(Backend backend, Throwable lastError) {
    }

    /**
     * A dead backend proved it serves again: a connect, a health check or a use of a connection it still holds
     * succeeded.
     *
     * @param backend the backend
     */
    default void backendAlive(Backend backend) {
    }

    /**
     * A backend was ejected as an outlier by its use outcomes (see {@link BackendStatus#EJECTED}).
     *
     * @param backend      the backend
     * @param reason       what ejected it: its failure rate, the outcomes it was judged on, the last failure
     * @param ejectionTime how long before it is probed and, if the probe passes, restored
     */
    default void backendEjected(Backend backend, String reason, Duration ejectionTime) {
    }

    /**
     * An ejected backend was restored to service (its ejection ended and its probe passed, or no other backend
     * was left in service).
     *
     * @param backend the backend
     */
    default void backendRestored(Backend backend) {
    }

    /**
     * A connection was opened and entered the pool.
     *
     * @param backend its backend
     */
    default void connectionOpened(Backend backend) {
    }

    /**
     * A connection was closed.
     *
     * @param backend its backend
     */
    default void connectionClosed(Backend backend) {
    }

    /**
     * A connect attempt failed (use failures are not reported here: see {@link BackendStats#useFailures()}).
     *
     * @param backend the backend
     * @param error   the error
     */
    default void connectionFailed(Backend backend, Throwable error) {
    }

    /**
     * The resolver could not reach its source; the pool keeps the backends it has.
     *
     * @param cause what the resolver reported
     */
    default void resolverFailed(Throwable cause) {
    }

    /**
     * A claim gave up waiting.
     *
     * @param waited how long it waited
     */
    default void claimTimedOut(Duration waited) {
    }

    /**
     * A rebalance computed new per-backend targets.
     *
     * @param targets the number of connections each backend should hold, in the pool's backend order
     */
    default void rebalanced(Map<Backend, Integer> targets) {
    }
}
