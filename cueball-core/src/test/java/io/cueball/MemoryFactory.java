package io.cueball;

import java.io.IOException;
import java.net.ConnectException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Opens {@link MemoryConnection}s. Per backend it succeeds (the default), fails the next N connects, or fails
 * every connect until told otherwise; it records every attempt with the clock's reading.
 */
final class MemoryFactory implements ConnectionFactory<MemoryConnection> {

    /** One call of {@link #connect}: when, to what, and whether it returned a connection. */
    record Attempt(String key, long at, boolean succeeded) {
    }

    private final ManualPoolClock clock;
    private final AtomicInteger ids = new AtomicInteger();
    /** Per backend key: -1 fails always, n > 0 fails the next n, 0 succeeds. */
    private final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
    final List<Attempt> attempts = new CopyOnWriteArrayList<>();
    final List<MemoryConnection> connections = new CopyOnWriteArrayList<>();

    MemoryFactory(ManualPoolClock clock) {
        this.clock = clock;
    }

    @Override
    public MemoryConnection connect(Backend backend) throws IOException {
        AtomicInteger f = failures.computeIfAbsent(backend.key(), k -> new AtomicInteger());
        int left = f.get();
        if (left != 0) {
            if (left > 0) {
                f.decrementAndGet();
            }
            attempts.add(new Attempt(backend.key(), clock.nanoTime(), false));
            throw new ConnectException("connection refused: " + backend.key());
        }
        attempts.add(new Attempt(backend.key(), clock.nanoTime(), true));
        MemoryConnection c = new MemoryConnection(backend, ids.incrementAndGet(), clock);
        connections.add(c);
        return c;
    }

    void failAlways(Backend b) {
        failures.computeIfAbsent(b.key(), k -> new AtomicInteger()).set(-1);
    }

    void failNext(Backend b, int n) {
        failures.computeIfAbsent(b.key(), k -> new AtomicInteger()).set(n);
    }

    void succeed(Backend b) {
        failures.computeIfAbsent(b.key(), k -> new AtomicInteger()).set(0);
    }

    /** @return the clock readings of the connect attempts to {@code b}, in order */
    List<Long> attemptTimes(Backend b) {
        return attempts.stream().filter(a -> a.key().equals(b.key())).map(Attempt::at).collect(Collectors.toList());
    }

    List<MemoryConnection> connectionsTo(Backend b) {
        return connections.stream().filter(c -> c.backend.key().equals(b.key())).collect(Collectors.toList());
    }

    List<MemoryConnection> open(Backend b) {
        return connectionsTo(b).stream().filter(c -> !c.isClosed()).collect(Collectors.toList());
    }

    List<MemoryConnection> open() {
        return connections.stream().filter(c -> !c.isClosed()).collect(Collectors.toList());
    }

    List<MemoryConnection> closedMoreThanOnce() {
        return connections.stream().filter(c -> c.closes() > 1).collect(Collectors.toList());
    }
}
