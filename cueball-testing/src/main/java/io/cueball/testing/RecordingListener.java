package io.cueball.testing;

import io.cueball.Backend;
import io.cueball.PoolListener;
import io.cueball.PoolState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link PoolListener} that records every event in order, for assertions. Thread-safe.
 */
public final class RecordingListener implements PoolListener {

    /** The kinds of event, one per listener method. */
    public enum Kind {
        /** {@link PoolListener#stateChanged}. */
        STATE_CHANGED,
        /** {@link PoolListener#backendAdded}. */
        BACKEND_ADDED,
        /** {@link PoolListener#backendRemoved}. */
        BACKEND_REMOVED,
        /** {@link PoolListener#backendDead}. */
        BACKEND_DEAD,
        /** {@link PoolListener#backendAlive}. */
        BACKEND_ALIVE,
        /** {@link PoolListener#backendEjected}. */
        BACKEND_EJECTED,
        /** {@link PoolListener#backendRestored}. */
        BACKEND_RESTORED,
        /** {@link PoolListener#connectionOpened}. */
        CONNECTION_OPENED,
        /** {@link PoolListener#connectionClosed}. */
        CONNECTION_CLOSED,
        /** {@link PoolListener#connectionFailed}. */
        CONNECTION_FAILED,
        /** {@link PoolListener#resolverFailed}. */
        RESOLVER_FAILED,
        /** {@link PoolListener#claimTimedOut}. */
        CLAIM_TIMED_OUT,
        /** {@link PoolListener#rebalanced}. */
        REBALANCED
    }

    /**
     * One recorded event.
     *
     * @param kind    what happened
     * @param backend the backend's key, or null
     * @param detail  the state change ({@code "STARTING->RUNNING"}), the error, the plan, or null
     */
    public record Event(Kind kind, String backend, String detail) {
    }

    private final List<Event> events = new CopyOnWriteArrayList<>();

    /** Creates a listener that has recorded nothing yet. */
    public RecordingListener() {
    }

    /** @return every event so far, oldest first */
    public List<Event> events() {
        return List.copyOf(events);
    }

    /**
     * @param kind a kind
     * @return the events of that kind, oldest first
     */
    public List<Event> events(Kind kind) {
        return events.stream().filter(e -> e.kind() == kind).toList();
    }

    /**
     * @param kind a kind
     * @return how many events of that kind
     */
    public int count(Kind kind) {
        return (int) events.stream().filter(e -> e.kind() == kind).count();
    }

    /**
     * @param kind    a kind
     * @param backend a backend key
     * @return how many events of that kind for that backend
     */
    public int count(Kind kind, String backend) {
        return (int) events.stream().filter(e -> e.kind() == kind && backend.equals(e.backend())).count();
    }

    /** Forgets everything recorded so far. */
    public void clear() {
        events.clear();
    }

    private void record(Kind kind, Backend backend, String detail) {
        events.add(new Event(kind, backend == null ? null : backend.key(), detail));
    }

    @Override
    public void stateChanged(PoolState from, PoolState to) {
        record(Kind.STATE_CHANGED, null, from + "->" + to);
    }

    @Override
    public void backendAdded(Backend backend) {
        record(Kind.BACKEND_ADDED, backend, null);
    }

    @Override
    public void backendRemoved(Backend backend) {
        record(Kind.BACKEND_REMOVED, backend, null);
    }

    @Override
    public void backendDead(Backend backend, Throwable lastError) {
        record(Kind.BACKEND_DEAD, backend, String.valueOf(lastError));
    }

    @Override
    public void backendAlive(Backend backend) {
        record(Kind.BACKEND_ALIVE, backend, null);
    }

    @Override
    public void backendEjected(Backend backend, String reason, Duration ejectionTime) {
        record(Kind.BACKEND_EJECTED, backend, reason);
    }

    @Override
    public void backendRestored(Backend backend) {
        record(Kind.BACKEND_RESTORED, backend, null);
    }

    @Override
    public void connectionOpened(Backend backend) {
        record(Kind.CONNECTION_OPENED, backend, null);
    }

    @Override
    public void connectionClosed(Backend backend) {
        record(Kind.CONNECTION_CLOSED, backend, null);
    }

    @Override
    public void connectionFailed(Backend backend, Throwable error) {
        record(Kind.CONNECTION_FAILED, backend, String.valueOf(error));
    }

    @Override
    public void resolverFailed(Throwable cause) {
        record(Kind.RESOLVER_FAILED, null, String.valueOf(cause));
    }

    @Override
    public void claimTimedOut(Duration waited) {
        record(Kind.CLAIM_TIMED_OUT, null, waited.toString());
    }

    @Override
    public void rebalanced(Map<Backend, Integer> targets) {
        StringBuilder plan = new StringBuilder();
        targets.forEach((b, n) -> plan.append(plan.length() == 0 ? "" : ",").append(b.key()).append('=').append(n));
        record(Kind.REBALANCED, null, plan.toString());
    }
}
