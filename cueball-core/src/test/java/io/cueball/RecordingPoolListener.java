package io.cueball;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/** Records every listener call, in order, as "kind detail" with the clock's reading. */
final class RecordingPoolListener implements PoolListener {

    /** One call: its kind (the method's name), a detail (a backend key, "FROM->TO", …) and when. */
    record Event(String kind, String detail, long at) {
        @Override
        public String toString() {
            return kind + (detail.isEmpty() ? "" : " " + detail);
        }
    }

    /** One backendEjected() call: the backend's key, the reason and ejection time it was given, and when. */
    record Ejection(String key, String reason, Duration time, long at) {
    }

    private final ManualPoolClock clock;
    final List<Event> events = new CopyOnWriteArrayList<>();
    /** Every backendEjected() call, in order, with what the event carried. */
    final List<Ejection> ejections = new CopyOnWriteArrayList<>();
    /** The targets of each rebalanced() call, by backend key. */
    final List<Map<String, Integer>> plans = new CopyOnWriteArrayList<>();

    RecordingPoolListener(ManualPoolClock clock) {
        this.clock = clock;
    }

    private void record(String kind, String detail) {
        events.add(new Event(kind, detail, clock.nanoTime()));
    }

    /** @return the events of these kinds, as strings, in order */
    List<String> of(String... kinds) {
        List<String> wanted = List.of(kinds);
        return events.stream().filter(e -> wanted.contains(e.kind())).map(Event::toString)
                .collect(Collectors.toList());
    }

    long count(String kind, String detail) {
        return events.stream().filter(e -> e.kind().equals(kind) && e.detail().equals(detail)).count();
    }

    /** @return when each event of this kind and detail happened, in order */
    List<Long> times(String kind, String detail) {
        return events.stream().filter(e -> e.kind().equals(kind) && e.detail().equals(detail)).map(Event::at)
                .collect(Collectors.toList());
    }

    long count(String kind) {
        return events.stream().filter(e -> e.kind().equals(kind)).count();
    }

    @Override
    public void stateChanged(PoolState from, PoolState to) {
        record("stateChanged", from + "->" + to);
    }

    @Override
    public void backendAdded(Backend backend) {
        record("backendAdded", backend.key());
    }

    @Override
    public void backendRemoved(Backend backend) {
        record("backendRemoved", backend.key());
    }

    @Override
    public void backendDead(Backend backend, Throwable lastError) {
        record("backendDead", backend.key());
    }

    @Override
    public void backendAlive(Backend backend) {
        record("backendAlive", backend.key());
    }

    @Override
    public void backendEjected(Backend backend, String reason, Duration ejectionTime) {
        ejections.add(new Ejection(backend.key(), reason, ejectionTime, clock.nanoTime()));
        record("backendEjected", backend.key());
    }

    @Override
    public void backendRestored(Backend backend) {
        record("backendRestored", backend.key());
    }

    @Override
    public void connectionOpened(Backend backend) {
        record("connectionOpened", backend.key());
    }

    @Override
    public void connectionClosed(Backend backend) {
        record("connectionClosed", backend.key());
    }

    @Override
    public void connectionFailed(Backend backend, Throwable error) {
        record("connectionFailed", backend.key());
    }

    @Override
    public void resolverFailed(Throwable cause) {
        record("resolverFailed", String.valueOf(cause.getMessage()));
    }

    @Override
    public void claimTimedOut(Duration waited) {
        record("claimTimedOut", "");
    }

    @Override
    public void rebalanced(Map<Backend, Integer> targets) {
        Map<String, Integer> byKey = new java.util.LinkedHashMap<>();
        targets.forEach((b, n) -> byKey.put(b.key(), n));
        plans.add(byKey);
        record("rebalanced", byKey.toString());
    }
}
