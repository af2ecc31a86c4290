package io.cueball;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a resolver has reported so far, and the one way to report a new answer from its source: as the
 * differences from the last one. A resolver that learns its backends as whole answers (a DNS response, a
 * Consul health query, a configuration file) hands each complete answer to {@link #apply}, which keeps the
 * {@link ResolverListener} contract for it:
 * <ul>
 *   <li>only changes are reported: a backend already reported, unchanged, is not reported again;</li>
 *   <li>removals first ({@link ResolverListener#backendRemoved} for each backend the answer no longer lists),
 *       then additions ({@link ResolverListener#backendAdded} for each new backend, and again for a backend
 *       whose weight, priority or metadata changed: same {@link Backend#key()}, not {@code equals});</li>
 *   <li>in the order of the answer, and a key listed twice counts once (the first wins).</li>
 * </ul>
 * A failed lookup is not an answer: do not call {@code apply} with an empty list because the source could not
 * be reached (report {@link ResolverListener#resolverFailed} instead and the pool keeps the backends it has);
 * only an authoritative answer that lists nothing should remove everything.
 *
 * <p><b>Threading.</b> Not thread-safe, and it need not be: the listener contract already says calls must not
 * overlap, so a resolver calls {@code apply} from one thread at a time (typically its own refresh thread),
 * or under its own lock. {@code apply} calls the listener on the calling thread, synchronously.
 *
 * <p><b>Example</b>, a resolver that polls a source of its own on a daemon thread:
 * <pre>{@code
 * public final class FileResolver implements Resolver {
 *     private final ReportedBackends reported = new ReportedBackends();  // touched by the timer thread only
 *     private final ScheduledExecutorService timer = ...;                // one daemon thread
 *     private final Path file;
 *
 *     public void start(ResolverListener listener) {
 *         timer.scheduleWithFixedDelay(() -> {
 *             List<Backend> answer;
 *             try {
 *                 answer = readBackends(file);                           // the whole current list
 *             } catch (IOException e) {
 *                 listener.resolverFailed(e);                            // keep what was reported
 *                 return;
 *             }
 *             reported.apply(answer, listener);                          // only what changed, removals first
 *         }, 0, 10, TimeUnit.SECONDS);
 *     }
 *
 *     public void close() {
 *         timer.shutdownNow();
 *     }
 * }
 * }</pre>
 */
public final class ReportedBackends {
    private final Map<String, Backend> current = new LinkedHashMap<>();

    /** Creates an empty record: the first {@link #apply} reports every backend of its answer as added. */
    public ReportedBackends() {
    }

    /**
     * Reports what differs between the last answer and this one, and remembers this one.
     *
     * @param found    every backend of the new answer (duplicates of a key: the first wins); never null
     * @param listener where to report, called on this thread; never null
     * @throws NullPointerException if {@code found}, an element of it or {@code listener} is null (nothing is
     *                              reported then)
     */
    public void apply(Collection<Backend> found, ResolverListener listener) {
        Objects.requireNonNull(found, "found must not be null");
        Objects.requireNonNull(listener, "listener must not be null");
        Map<String, Backend> next = new LinkedHashMap<>();
        for (Backend b : found) {
            Objects.requireNonNull(b, "found must not contain null");
            next.putIfAbsent(b.key(), b);
        }
        for (Backend gone : List.copyOf(current.values())) {
            if (!next.containsKey(gone.key())) {
                current.remove(gone.key());
                listener.backendRemoved(gone);
            }
        }
        for (Backend b : next.values()) {
            if (!b.equals(current.put(b.key(), b))) {
                listener.backendAdded(b); // new, or changed weight, priority or metadata
            }
        }
    }

    /** @return how many backends were last reported */
    public int size() {
        return current.size();
    }
}
