package io.cueball;

/**
 * Discovers the backends of a service and reports changes to them.
 *
 * <p><b>Contract.</b> The pool calls {@link #start} exactly once, from the thread that builds the pool, and
 * {@link #close} exactly once when the pool closes. Between the two, the resolver reports each change to its
 * set of backends: {@link ResolverListener#backendAdded} for a backend it did not report before (or reports
 * again with a changed weight, priority or metadata), {@link ResolverListener#backendRemoved} for one it no
 * longer sees. It may call the listener synchronously from {@code start} (a fixed list does) or later from
 * any thread of its own; calls must not overlap (one at a time, in the order the changes happened).
 *
 * <p>A resolver that cannot reach its source calls {@link ResolverListener#resolverFailed} and keeps the
 * backends it already reported: only an authoritative answer removes a backend.
 *
 * <p>{@code close()} stops the resolver's threads and timers; it must not block for long (never waiting
 * out a network timeout). Calls to the listener that race with {@code close()} are ignored by the pool.
 */
public interface Resolver extends AutoCloseable {

    /**
     * Starts resolving and reporting to the listener.
     *
     * @param listener where to report changes; never null
     */
    void start(ResolverListener listener);

    /** Stops resolving and releases every resource the resolver holds. Idempotent. */
    @Override
    void close();
}
