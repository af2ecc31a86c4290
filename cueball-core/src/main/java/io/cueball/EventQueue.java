package io.cueball;

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
    private final PoolListener listener;
    private final ConcurrentLinkedQueue<Runnable> events = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean delivering = new AtomicBoolean();

    EventQueue(String poolName, PoolListener listener) {
        this.poolName = poolName;
        this.listener = listener;
    }

    /** Whether anyone listens: callers skip building an event's arguments when not. */
    boolean listening() {
        return listener != null;
    }

    /** Queues a listener call. Under the lock. */
    void emit(Consumer<PoolListener> event) {
        if (listener != null) {
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
