package io.cueball.testing;

import io.cueball.Backend;
import io.cueball.ResolverListener;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link ResolverListener} that records what a resolver reports, for resolver tests: every event in order,
 * the set of backends the events add up to, and the failures. Thread-safe.
 */
public final class RecordingResolverListener implements ResolverListener {

    /**
     * One report.
     *
     * @param added   true for {@code backendAdded}, false for {@code backendRemoved}
     * @param backend the backend
     */
    public record Event(boolean added, Backend backend) {
        @Override
        public String toString() {
            return (added ? "+" : "-") + backend.key();
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final List<Event> events = new ArrayList<>();
    private final Map<String, Backend> current = new LinkedHashMap<>();
    private final List<Throwable> failures = new ArrayList<>();

    /** Creates a listener that has recorded nothing yet. */
    public RecordingResolverListener() {
    }

    @Override
    public void backendAdded(Backend backend) {
        lock.lock();
        try {
            events.add(new Event(true, backend));
            current.put(backend.key(), backend);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void backendRemoved(Backend backend) {
        lock.lock();
        try {
            events.add(new Event(false, backend));
            current.remove(backend.key());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void resolverFailed(Throwable cause) {
        lock.lock();
        try {
            failures.add(cause);
        } finally {
            lock.unlock();
        }
    }

    /** @return every add and remove so far, oldest first */
    public List<Event> events() {
        lock.lock();
        try {
            return List.copyOf(events);
        } finally {
            lock.unlock();
        }
    }

    /** @return the backends the reports add up to, in the order they were first added */
    public List<Backend> backends() {
        lock.lock();
        try {
            return List.copyOf(current.values());
        } finally {
            lock.unlock();
        }
    }

    /** @return the keys of {@link #backends()}, sorted */
    public List<String> keys() {
        return backends().stream().map(Backend::key).sorted().toList();
    }

    /** @return the failures reported so far */
    public List<Throwable> failures() {
        lock.lock();
        try {
            return List.copyOf(failures);
        } finally {
            lock.unlock();
        }
    }
}
