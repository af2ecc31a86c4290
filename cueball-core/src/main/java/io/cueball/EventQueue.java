package io.cueball;

import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listener calls, queued under the pool lock in the order things happen and delivered after it is released, one
 * call at a time and in order, by whichever thread gets to deliver (PoolEngine.unlock). A listener that throws
 * is logged and skipped. With no listener, nothing is queued.
 */
final class EventQueue {
    private static final Logger log = LoggerFactory.getLogger(ConnectionPool.class);

    private final String poolName;
    /** The builder's listener (first, if any) and those added since; copied on write. */
    private volatile PoolListener[] listeners;
    private final ConcurrentLinkedQueue<Runnable> events = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean delivering = new AtomicBoolean();

    EventQueue(String poolName, PoolListener listener) {
        this.poolName = poolName;
        this.listeners = listener == null ? new PoolListener[0] : new PoolListener[] {listener};
    }

    /** Whether anyone listens: callers skip building an event's arguments when not. */
    boolean listening() {
        return listeners.length != 0;
    }

    /** Adds a listener; it hears events queued from now on. Under the lock. */
    void addLocked(PoolListener listener) {
        PoolListener[] l = Arrays.copyOf(listeners, listeners.length + 1);
        l[l.length - 1] = listener;
        listeners = l;
    }

    /** Removes a listener (the first if added twice); true if it was there. Under the lock. */
    boolean removeLocked(PoolListener listener) {
        PoolListener[] l = listeners;
        for (int i = 0; i < l.length; i++) {
            if (l[i] == listener) {
                PoolListener[] less = new PoolListener[l.length - 1];
                System.arraycopy(l, 0, less, 0, i);
                System.arraycopy(l, i + 1, less, i, l.length - i - 1);
                listeners = less;
                return true;
            }
        }
        return false;
    }

    /** Queues a call of each listener there is now. Under the lock. */
    void emit(Consumer<PoolListener> event) {
        PoolListener[] l = listeners;
        for (PoolListener listener : l) {
            events.add(() -> event.accept(listener));
        }
    }

    /** Delivers queued calls. Never called with the lock held. */
    void deliver() {
        // One deliverer at a time keeps listener calls serialised and in order; whoever queued an event while
        // another thread delivered leaves it to that thread, which re-checks the queue before it lets go.
        while (!events.isEmpty() && delivering.compareAndSet(false, true)) {
            try {
                Runnable event;
                while ((event = events.poll()) != null) {
                    try {
                        event.run();
                    } catch (RuntimeException e) {
                        log.warn("pool '{}': a PoolListener threw; ignoring it", poolName, e);
                    }
                }
            } finally {
                delivering.set(false);
            }
        }
    }
}
