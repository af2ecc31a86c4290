package io.cueball.resolver.fixed;

import io.cueball.Backend;
import io.cueball.Resolver;
import io.cueball.ResolverListener;
import io.cueball.internal.HostPort;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A resolver over a list of backends the application gives it: from code, from a spec string such as
 * {@code "10.0.0.1:5432,db2.internal:5432,[::1]:5432"}, and changed at runtime with {@link #add} and
 * {@link #remove} (for configuration reloads, tests and demos).
 *
 * <p>Thread-safe. It starts no thread: {@link #start} reports the current list on the caller's thread, and
 * each later change is reported on the thread that makes it, one at a time.
 */
public final class StaticResolver implements Resolver {

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Backend> backends = new LinkedHashMap<>();
    private ResolverListener listener;
    private boolean closed;

    /**
     * @param backends the initial backends; later duplicates of a key replace earlier ones
     */
    public StaticResolver(Collection<Backend> backends) {
        Objects.requireNonNull(backends, "backends must not be null");
        for (Backend b : backends) {
            Objects.requireNonNull(b, "backends must not contain null");
            this.backends.put(b.key(), b);
        }
    }

    /**
     * @param backends the initial backends
     * @return a resolver over them
     */
    public static StaticResolver of(Backend... backends) {
        return new StaticResolver(List.of(backends));
    }

    /**
     * A resolver over the backends of a spec string.
     *
     * @param spec {@code host:port[,host:port...]}, IPv6 literals in brackets
     * @return a resolver over them
     * @throws IllegalArgumentException quoting the bad part of the spec
     */
    public static StaticResolver parse(String spec) {
        return new StaticResolver(parseBackends(spec));
    }

    /**
     * Parses a spec string into backends.
     *
     * @param spec {@code host:port[,host:port...]}, IPv6 literals in brackets ({@code [::1]:5432}); spaces
     *             around entries are ignored
     * @return the backends, in order
     * @throws IllegalArgumentException quoting the bad part of the spec
     */
    public static List<Backend> parseBackends(String spec) {
        Objects.requireNonNull(spec, "spec must not be null");
        if (spec.isBlank()) {
            throw new IllegalArgumentException("empty backend list: expected host:port[,host:port...]");
        }
        List<Backend> result = new ArrayList<>();
        Map<String, String> seen = new LinkedHashMap<>();
        String[] entries = spec.split(",", -1);
        for (int i = 0; i < entries.length; i++) {
            String entry = entries[i].trim();
            if (entry.isEmpty()) {
                throw new IllegalArgumentException("empty entry #" + (i + 1) + " in '" + spec
                        + "': expected host:port[,host:port...]");
            }
            Backend b = parseOne(entry, spec);
            String previous = seen.putIfAbsent(b.key(), entry);
            if (previous != null) {
                throw new IllegalArgumentException("duplicate backend '" + entry + "' in '" + spec
                        + "' (same as '" + previous + "')");
            }
            result.add(b);
        }
        return result;
    }

    private static Backend parseOne(String entry, String spec) {
        HostPort hp = HostPort.parse(entry, 0, "backend", spec);
        return Backend.of(hp.host(), hp.port());
    }

    /** @return the backends it reports now, in the order they were added */
    public List<Backend> backends() {
        lock.lock();
        try {
            return List.copyOf(backends.values());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Adds a backend, or updates the weight, priority or metadata of one with the same key.
     *
     * @param backend the backend
     */
    public void add(Backend backend) {
        Objects.requireNonNull(backend, "backend must not be null");
        lock.lock();
        try {
            Backend previous = backends.put(backend.key(), backend);
            if (!backend.equals(previous) && listener != null && !closed) {
                listener.backendAdded(backend);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Removes a backend (by its key).
     *
     * @param backend the backend
     * @return whether it was there
     */
    public boolean remove(Backend backend) {
        Objects.requireNonNull(backend, "backend must not be null");
        lock.lock();
        try {
            Backend removed = backends.remove(backend.key());
            if (removed != null && listener != null && !closed) {
                listener.backendRemoved(removed);
            }
            return removed != null;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Reports every backend to the listener, on this thread.
     *
     * @throws IllegalStateException if already started or closed
     */
    @Override
    public void start(ResolverListener listener) {
        Objects.requireNonNull(listener, "listener must not be null");
        lock.lock();
        try {
            if (this.listener != null || closed) {
                throw new IllegalStateException("StaticResolver " + backends.keySet()
                        + " was already started or closed; use one resolver per pool");
            }
            this.listener = listener;
            backends.values().forEach(listener::backendAdded);
        } finally {
            lock.unlock();
        }
    }

    /** Stops reporting changes. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "StaticResolver" + backends().toString();
    }
}
