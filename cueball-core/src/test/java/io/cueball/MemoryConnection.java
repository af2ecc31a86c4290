package io.cueball;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** An in-memory connection that records how the pool treats it. */
final class MemoryConnection implements Connection {
    final Backend backend;
    /** 1, 2, … in the order the factory made them (over all backends). */
    final int id;
    /** The clock's reading when the factory returned it. */
    final long openedAt;
    private final ManualPoolClock clock;
    private final AtomicInteger closes = new AtomicInteger();
    /** The clock's reading at each isHealthy() call. */
    final List<Long> healthChecks = new CopyOnWriteArrayList<>();
    volatile boolean healthy = true;
    volatile boolean broken;
    /** Makes {@link #reset()} throw, as a connection that cannot be made clean again does. */
    volatile boolean resetFails;

    MemoryConnection(Backend backend, int id, ManualPoolClock clock) {
        this.backend = backend;
        this.id = id;
        this.clock = clock;
        this.openedAt = clock.nanoTime();
    }

    @Override
    public boolean isHealthy() {
        healthChecks.add(clock.nanoTime());
        return healthy;
    }

    @Override
    public boolean isBroken() {
        return broken;
    }

    @Override
    public void reset() throws java.io.IOException {
        if (resetFails) {
            throw new java.io.IOException("reset failed: " + this);
        }
    }

    @Override
    public void close() {
        closes.incrementAndGet();
    }

    int closes() {
        return closes.get();
    }

    boolean isClosed() {
        return closes.get() > 0;
    }

    @Override
    public String toString() {
        return "conn#" + id + "(" + backend.key() + (closes.get() > 0 ? ", closed x" + closes.get() : "") + ")";
    }
}
