package io.cueball;

/**
 * Receives a resolver's reports. The pool's implementation only records the change and arms its
 * (debounced) rebalance, so calls return quickly and never block on I/O.
 *
 * <p>Thread-safe: a resolver may call it from any thread, but calls must not overlap.
 */
public interface ResolverListener {

    /**
     * A backend appeared, or an already reported backend (same {@link Backend#key()}) changed its weight,
     * priority or metadata.
     *
     * @param backend the backend
     */
    void backendAdded(Backend backend);

    /**
     * A backend disappeared from an authoritative answer.
     *
     * @param backend the backend (only its key matters)
     */
    void backendRemoved(Backend backend);

    /**
     * The resolver could not reach its source. The backends it reported before stay as they are.
     *
     * @param cause what went wrong
     */
    default void resolverFailed(Throwable cause) {
    }
}
