package io.cueball;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A resolver the test drives: it reports its initial backends from start(), then what the test adds or removes. */
final class MemoryResolver implements Resolver {
    private final List<Backend> initial;
    private volatile ResolverListener listener;
    volatile int starts;
    volatile int closes;

    MemoryResolver(Backend... initial) {
        this.initial = new CopyOnWriteArrayList<>(initial);
    }

    @Override
    public void start(ResolverListener l) {
        starts++;
        this.listener = l;
        for (Backend b : initial) {
            l.backendAdded(b);
        }
    }

    void add(Backend... backends) {
        for (Backend b : backends) {
            listener().backendAdded(b);
        }
    }

    void remove(Backend... backends) {
        for (Backend b : backends) {
            listener().backendRemoved(b);
        }
    }

    void fail(Throwable cause) {
        listener().resolverFailed(cause);
    }

    private ResolverListener listener() {
        ResolverListener l = listener;
        if (l == null) {
            throw new IllegalStateException("the pool has not started this resolver");
        }
        return l;
    }

    @Override
    public void close() {
        closes++;
    }
}
