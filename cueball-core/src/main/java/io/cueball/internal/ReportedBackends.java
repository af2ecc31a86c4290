package io.cueball.internal;

import io.cueball.Backend;
import io.cueball.ResolverListener;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The backends a resolver has reported, and the one way to report a new answer: only the differences
 * (removals first, then additions and changes), so that every resolver keeps the {@link ResolverListener}
 * contract the same way. Not thread-safe: a resolver reports from one thread at a time.
 */
public final class ReportedBackends {
    private final Map<String, Backend> current = new LinkedHashMap<>();

    /**
     * Reports what differs between the last answer and this one.
     *
     * @param found    the backends of the new answer (duplicates of a key: the first wins)
     * @param listener where to report
     */
    public void apply(Collection<Backend> found, ResolverListener listener) {
        Map<String, Backend> next = new LinkedHashMap<>();
        for (Backend b : found) {
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
