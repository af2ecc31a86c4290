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
     * A backend failed too many times in a row; it keeps one monitor slot.
     *
     * @param backend   the backend
     * @param lastError its last error
     */
    default void backendDead(Backend backend, Throwable lastError) {
    }

    /**
     * A dead backend accepted a connection again.
     *
     * @param backend the backend
     */
    default void backendAlive(Backend backend) {
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
     * A connect attempt failed (or was discarded as broken).
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
