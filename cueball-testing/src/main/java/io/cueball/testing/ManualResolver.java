package io.cueball.testing;

import io.cueball.Backend;
import io.cueball.Resolver;
import io.cueball.ResolverListener;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link Resolver} a test drives by hand: add, remove, and report failures of the source on demand.
 * Thread-safe; reports are made on the calling thread, one at a time.
 */
public final class ManualResolver implements Resolver {
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Backend> backends = new LinkedHashMap<>();
    private ResolverListener listener;
    private boolean closed;
    private int starts;

    /** @param initial backends reported on start */
    public ManualResolver(Backend... initial) {
        for (Backend b : initial) {
            backends.put(b.key(), b);
        }
    }

    @Override
    public void start(ResolverListener l) {
        lock.lock();
        try {
            starts++;
            listener = l;
            backends.values().forEach(l::backendAdded);
        } finally {
            lock.unlock();
        }
    }

    /** @param backend reported as added (or updated, if its key is known) */
    public void add(Backend backend) {
        lock.lock();
        try {
            backends.put(backend.key(), backend);
            if (listener != null && !closed) {
                listener.backendAdded(backend);
            }
        } finally {
            lock.unlock();
        }
    }

    /** @param backend reported as removed, if known */
    public void remove(Backend backend) {
        lock.lock();
        try {
            if (backends.remove(backend.key()) != null && listener != null && !closed) {
                listener.backendRemoved(backend);
            }
        } finally {
            lock.unlock();
        }
    }

    /** @param cause reported as a failure to reach the source; the backends stay */
    public void fail(Throwable cause) {
        lock.lock();
        try {
            if (listener != null && !closed) {
                listener.resolverFailed(cause);
            }
        } finally {
            lock.unlock();
        }
    }

    /** @return the backends it reports now */
    public List<Backend> backends() {
        lock.lock();
        try {
            return List.copyOf(backends.values());
        } finally {
            lock.unlock();
        }
    }

    /** @return whether the pool closed it */
    public boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    /** @return how many times it was started */
    public int starts() {
        lock.lock();
        try {
            return starts;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
        } finally {
            lock.unlock();
        }
    }
}
