package io.cueball.conn.jdbc;

import io.cueball.Backend;
import io.cueball.ConnectionFactory;
import io.cueball.Resolver;
import io.cueball.ResolverListener;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The role (primary or replica) of every PostgreSQL backend another resolver reports, read with
 * {@code SELECT pg_is_in_recovery()} when the backend appears and again every {@code checkInterval}; and, for each
 * pool, a {@link Resolver} that reports only the backends in the role it wants ({@link #resolver(TargetRole)}).
 *
 * <pre>{@code
 * var roles = PostgresRoles.builder(DnsSrvResolver.builder("_postgres._tcp.db.internal").build(), settings)
 *         .checkInterval(Duration.ofSeconds(5))
 *         .build();
 * var writes = ConnectionPool.builder(roles.resolver(TargetRole.PRIMARY), roles.factory(TargetRole.PRIMARY))
 *         .name("writes").build();
 * var reads = ConnectionPool.builder(roles.resolver(TargetRole.PREFER_REPLICA), roles.factory(TargetRole.PREFER_REPLICA))
 *         .name("reads").maxConnections(30).build();
 * DataSource ds = new ReadWriteDataSource(new CueballDataSource(writes), new CueballDataSource(reads));
 * }</pre>
 *
 * <p><b>One tracker, several pools.</b> A read/write split needs two pools over the same servers. Both resolvers
 * come from one tracker, so the source is started once, each backend is probed once per interval whatever the
 * number of pools, and a role change reaches every pool in the same step: when a replica is promoted it leaves the
 * replicas' pool and joins the primary's together, never in both or neither for an interval.
 *
 * <p><b>Promotion.</b> The old primary stops answering (its probes fail) and a replica starts answering
 * {@code false}. The replica moves to the {@link TargetRole#PRIMARY} set at its next probe, so writes follow it
 * within {@code checkInterval} plus the pool's {@code rebalanceDelay} (plus one connect). A backend whose probe
 * fails keeps its last known role (a failure never removes a backend, DESIGN invariant 6), and its pools are told
 * with {@link ResolverListener#resolverFailed} once when it stops answering; the one exception is a primary that
 * does not answer while another does: the one that answers wins and the silent one loses its role until it answers
 * again (see {@code RoleTable}).
 *
 * <p><b>Read at bind.</b> {@link #factory(TargetRole)} also reads the role of every connection it binds, and refuses
 * one in the wrong role (a connect failure of that backend: the pool backs off and retries). A pool of writers
 * therefore never holds a connection to a replica, even in the moments before a probe notices that a server came
 * back as a standby; and what a bind reads updates the tracker at once.
 *
 * <p><b>Threads.</b> One daemon thread, {@code cueball-roles-<name>}, keeps the table, schedules probes and calls
 * the pools' listeners (one at a time, in order, never under the tracker's lock). Probes run on daemon threads
 * {@code cueball-roles-<name>-probe-<n>}, at most one per backend at a time, each bounded by the settings'
 * {@code connectTimeout} and by {@code probeTimeout}; so a frozen server delays no other backend's probe. The
 * source's listener calls only record the change and wake the thread.
 *
 * <p><b>Lifecycle.</b> The source is started, and the threads with it, when the first resolver is started by its
 * pool. Everything stops when every resolver handed out by {@link #resolver} has been closed (closing the pools
 * does that) or on {@link #close()}, whichever comes first. {@code close()} does not wait for a probe in the middle
 * of a connect: that thread ends by itself within the connect timeout, and its answer is ignored.
 */
public final class PostgresRoles implements AutoCloseable {

    /** How often each backend's role is read again: 10 s (a pool's own health check defaults to 30 s). */
    public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofSeconds(10);

    /** How long a probe's query may wait for the server's answer: 5 s. */
    public static final Duration DEFAULT_PROBE_TIMEOUT = Duration.ofSeconds(5);

    /**
     * What the tracker knows about one backend.
     *
     * @param backend     the backend, as its source last reported it
     * @param role        the role it last answered, or null if unknown (not answered yet, or a primary superseded
     *                    by another)
     * @param answering   whether its last probe (or bind) answered
     * @param lastFailure why its last probe failed, if it is not answering; null otherwise
     */
    public record Status(Backend backend, ServerRole role, boolean answering, String lastFailure) {
        @Override
        public String toString() {
            return backend.key() + " " + (role == null ? "unknown" : role.name().toLowerCase(java.util.Locale.ROOT))
                    + (answering ? "" : " (not answering" + (lastFailure == null ? "" : ": " + lastFailure) + ")");
        }
    }

    private enum State { NEW, RUNNING, CLOSED }

    /** A failure to forward to the pools: of the source (key null, every pool) or of one backend's probe. */
    private record Failure(String key, Throwable cause) {
    }

    private final String name;
    private final Resolver source;
    private final JdbcSettings settings;
    private final RoleProbe probe;
    private final long intervalNanos;

    // LOCK: guards everything below. Held for bookkeeping only: never across I/O, a probe, a call to the source or
    // a call to a pool's listener. Lock order: a source may hold its own lock while it calls SourceListener (which
    // takes this one); this class never calls the source while holding it.
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final RoleTable table;
    private final List<PostgresRoleResolver> resolvers = new ArrayList<>();
    private final List<Failure> failures = new ArrayList<>();
    private int open;          // resolvers handed out and not closed
    private boolean dirty;     // something changed since the tracker thread last looked
    /**
     * The source's start() is running: what it reports before returning is one batch, so no probe starts until
     * it returns (else a primary that answers before the replicas are even reported would count as "no replica
     * answers" and be handed to the prefer-replica pool for a moment).
     */
    private boolean sourceStarting;
    private State state = State.NEW;
    private Thread thread;
    private ExecutorService probes;

    private PostgresRoles(Builder b) {
        this.name = b.name;
        this.source = b.source;
        this.settings = b.settings;
        this.intervalNanos = b.checkInterval.toNanos();
        this.table = new RoleTable(intervalNanos);
        this.probe = b.probe != null ? b.probe
                : RoleProbe.jdbc(new JdbcConnectionFactory(b.settings), b.probeTimeout);
    }

    /**
     * @param source   where the backends come from (DNS, Consul, a static list); started and closed by the tracker
     * @param settings how to connect to them (the probes authenticate as the pools do)
     * @return a builder
     */
    public static Builder builder(Resolver source, JdbcSettings settings) {
        return new Builder(Objects.requireNonNull(source, "source must not be null"),
                Objects.requireNonNull(settings, "settings must not be null"), null);
    }

    /** For tests: a tracker whose probe is given. */
    static Builder builder(Resolver source, RoleProbe probe) {
        return new Builder(Objects.requireNonNull(source, "source must not be null"), null,
                Objects.requireNonNull(probe, "probe must not be null"));
    }

    /**
     * A resolver for one pool: it reports the backends in the target role as they come and go. Start it once (give
     * it to one pool).
     *
     * @param target which backends the pool wants
     * @return a new resolver
     * @throws IllegalStateException if the tracker is closed
     */
    public PostgresRoleResolver resolver(TargetRole target) {
        Objects.requireNonNull(target, "target must not be null");
        lock.lock();
        try {
            if (state == State.CLOSED) {
                throw new IllegalStateException("PostgresRoles '" + name + "' is closed (its pools were closed, or "
                        + "close() was called); build a new one");
            }
            PostgresRoleResolver r = new PostgresRoleResolver(this, target);
            resolvers.add(r);
            open++;
            return r;
        } finally {
            lock.unlock();
        }
    }

    /**
     * A {@link JdbcConnectionFactory} over the tracker's settings that also reads the role of each connection it
     * binds: one in a role the target does not accept ({@link TargetRole#PRIMARY} accepts primaries,
     * {@link TargetRole#REPLICA} replicas, {@link TargetRole#PREFER_REPLICA} both) is closed and the connect fails
     * (SQLState 08004), and what it read updates the tracker at once.
     *
     * @param target the role the pool wants (the same as its resolver's)
     * @return a factory for that pool
     * @throws IllegalStateException if the tracker was built without JDBC settings
     */
    public ConnectionFactory<JdbcConnection> factory(TargetRole target) {
        if (settings == null) {
            throw new IllegalStateException("PostgresRoles '" + name + "' has no JDBC settings; use factory(target, f)");
        }
        return factory(target, new JdbcConnectionFactory(settings));
    }

    /**
     * As {@link #factory(TargetRole)}, around a factory of your own (one that adds metrics, say).
     *
     * @param target   the role the pool wants
     * @param delegate opens and binds the connections
     * @return a factory for that pool
     */
    public ConnectionFactory<JdbcConnection> factory(TargetRole target, ConnectionFactory<JdbcConnection> delegate) {
        Objects.requireNonNull(target, "target must not be null");
        Objects.requireNonNull(delegate, "delegate must not be null");
        return new ConnectionFactory<>() {
            @Override
            public JdbcConnection connect(Backend backend) throws Exception {
                JdbcConnection c = delegate.connect(backend);
                ServerRole role;
                try {
                    role = RoleProbe.read(c.jdbc());
                } catch (SQLException | RuntimeException e) {
                    c.close();
                    throw new SQLException("cannot read the role of backend " + backend.key() + " at bind: "
                            + e.getMessage(), e instanceof SQLException se ? se.getSQLState() : "08006", e);
                }
                observed(backend, role);
                if (!accepts(target, role)) {
                    c.close();
                    throw new SQLException("backend " + backend.key() + " is a " + role.name().toLowerCase(
                            java.util.Locale.ROOT) + " and this pool wants " + target + " (pg_is_in_recovery() = "
                            + (role == ServerRole.REPLICA) + "); its role will be reported to the pool shortly",
                            "08004");
                }
                return c;
            }

            @Override
            public String toString() {
                return "role-checked(" + target + ") " + delegate;
            }
        };
    }

    static boolean accepts(TargetRole target, ServerRole role) {
        return switch (target) {
            case PRIMARY -> role == ServerRole.PRIMARY;
            case REPLICA -> role == ServerRole.REPLICA;
            case PREFER_REPLICA -> true;
        };
    }

    /** @return what the tracker knows about each backend now, in the order the source first reported them */
    public List<Status> status() {
        lock.lock();
        try {
            return table.status();
        } finally {
            lock.unlock();
        }
    }

    /** @return the name its threads carry */
    public String name() {
        return name;
    }

    /**
     * Stops the source, the tracker thread and the probes; the resolvers report nothing more. Idempotent.
     */
    @Override
    public void close() {
        Thread t;
        ExecutorService p;
        boolean wasRunning;
        lock.lock();
        try {
            if (state == State.CLOSED) {
                return;
            }
            wasRunning = state == State.RUNNING;
            state = State.CLOSED;
            resolvers.forEach(PostgresRoleResolver::markClosed);
            wake.signalAll();
            t = thread;
            p = probes;
        } finally {
            lock.unlock();
        }
        if (!wasRunning) {
            return;
        }
        try {
            source.close();
        } finally {
            p.shutdownNow(); // interrupts what can be; a probe blocked in a connect ends within its timeout
            if (t != Thread.currentThread()) {
                try {
                    t.join(TimeUnit.SECONDS.toMillis(5)); // it never does I/O: this is quick
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    @Override
    public String toString() {
        return "PostgresRoles[" + name + ", source=" + source + ", every " + Duration.ofNanos(intervalNanos) + ", "
                + status() + "]";
    }

    // ---- called by the resolvers ----

    void start(PostgresRoleResolver resolver, ResolverListener listener) {
        Objects.requireNonNull(listener, "listener must not be null");
        boolean startSource = false;
        lock.lock();
        try {
            if (state == State.CLOSED || resolver.isClosed()) {
                throw new IllegalStateException(resolver + " is closed; a resolver is started once, by one pool");
            }
            if (resolver.listener() != null) {
                throw new IllegalStateException(resolver + " was already started; give each pool its own "
                        + "resolver(target)");
            }
            resolver.started(listener);
            if (state == State.NEW) {
                state = State.RUNNING;
                startSource = true;
                sourceStarting = true;
                AtomicInteger n = new AtomicInteger();
                probes = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                        r -> daemon(r, "cueball-roles-" + name + "-probe-" + n.incrementAndGet()));
                thread = daemon(this::run, "cueball-roles-" + name);
                thread.start();
            }
            dirty = true; // the tracker thread gives the new resolver what is known so far
            wake.signalAll();
        } finally {
            lock.unlock();
        }
        if (startSource) {
            try {
                source.start(new SourceListener());
            } catch (RuntimeException e) {
                close();
                throw e;
            } finally {
                lock.lock();
                try {
                    sourceStarting = false;
                    dirty = true;
                    wake.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    void closed(PostgresRoleResolver resolver) {
        boolean last;
        lock.lock();
        try {
            if (resolver.isClosed()) {
                return;
            }
            resolver.markClosed();
            last = --open == 0;
        } finally {
            lock.unlock();
        }
        if (last) {
            close();
        }
    }

    // ---- the tracker thread ----

    private void run() {
        List<PostgresRoleResolver> targets = new ArrayList<>();
        List<List<Backend>> wanted = new ArrayList<>();
        List<Failure> failed = new ArrayList<>();
        while (true) {
            List<Backend> due;
            lock.lock();
            try {
                while (!dirty && state != State.CLOSED) {
                    long delay = sourceStarting ? Long.MAX_VALUE : table.nextDelayNanos(System.nanoTime());
                    if (delay <= 0) {
                        break;
                    }
                    try {
                        wake.awaitNanos(delay);
                    } catch (InterruptedException e) {
                        return; // only close() interrupts us, through nothing but this
                    }
                }
                if (state == State.CLOSED) {
                    return;
                }
                dirty = false;
                due = sourceStarting ? List.of() : table.startDue(System.nanoTime());
                for (PostgresRoleResolver r : resolvers) {
                    if (r.listener() != null && !r.isClosed()) {
                        targets.add(r);
                        wanted.add(table.wanted(r.target()));
                    }
                }
                failed.addAll(failures);
                failures.clear();
            } finally {
                lock.unlock();
            }
            // Off the lock: the pools' listeners, then the probes. Only this thread calls the listeners, so their
            // calls never overlap and arrive in the order the changes happened.
            for (int i = 0; i < targets.size(); i++) {
                targets.get(i).report(wanted.get(i));
            }
            for (Failure f : failed) {
                boolean told = false;
                for (PostgresRoleResolver r : targets) {
                    if (f.key() != null && r.reports(f.key())) {
                        r.failed(f.cause());
                        told = true;
                    }
                }
                if (!told) { // the source's own failure, or a backend no pool has: every pool hears of it
                    targets.forEach(r -> r.failed(f.cause()));
                }
            }
            targets.clear();
            wanted.clear();
            failed.clear();
            for (Backend b : due) {
                try {
                    probes.execute(() -> probe(b));
                } catch (RejectedExecutionException e) {
                    return; // closed meanwhile
                }
            }
        }
    }

    /** On a probe thread. */
    private void probe(Backend backend) {
        ServerRole role = null;
        Throwable failure = null;
        try {
            role = probe.probe(backend);
        } catch (Exception e) {
            failure = e;
        } finally {
            if (role == null && failure == null) {
                failure = new IllegalStateException("the probe of " + backend.key() + " ended without an answer");
            }
            probed(backend, role, failure);
        }
    }

    private void probed(Backend backend, ServerRole role, Throwable failure) {
        lock.lock();
        try {
            if (state == State.CLOSED) {
                return;
            }
            long now = System.nanoTime();
            if (failure == null) {
                table.answered(backend.key(), role, now);
            } else {
                ServerRole last = table.role(backend.key());
                String why = failure.getMessage() != null ? failure.getMessage() : failure.toString();
                if (table.failed(backend.key(), why, now)) {
                    failures.add(new Failure(backend.key(), new SQLException("cannot read the role of backend "
                            + backend.key() + " (keeping its last known role, " + (last == null ? "unknown" : last)
                            + "): " + why, failure instanceof SQLException se ? se.getSQLState() : null, failure)));
                }
            }
            dirty = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** A bind read the backend's role. */
    private void observed(Backend backend, ServerRole role) {
        lock.lock();
        try {
            if (state != State.CLOSED && table.observed(backend.key(), role)) {
                dirty = true;
                wake.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    private static Thread daemon(Runnable r, String threadName) {
        Thread t = new Thread(r, threadName);
        t.setDaemon(true);
        return t;
    }

    /** The source's reports: recorded under the lock, acted on by the tracker thread. */
    private final class SourceListener implements ResolverListener {
        @Override
        public void backendAdded(Backend backend) {
            Objects.requireNonNull(backend, "backend");
            lock.lock();
            try {
                if (state != State.CLOSED) {
                    table.add(backend, System.nanoTime());
                    dirty = true;
                    wake.signalAll();
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void backendRemoved(Backend backend) {
            Objects.requireNonNull(backend, "backend");
            lock.lock();
            try {
                if (state != State.CLOSED) {
                    table.remove(backend.key());
                    dirty = true;
                    wake.signalAll();
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void resolverFailed(Throwable cause) {
            lock.lock();
            try {
                if (state != State.CLOSED) {
                    failures.add(new Failure(null, cause));
                    dirty = true;
                    wake.signalAll();
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** Configures {@link PostgresRoles}; {@link #build()} validates and names what is wrong. */
    public static final class Builder {
        private final Resolver source;
        private final JdbcSettings settings;
        private final RoleProbe probe;
        private String name = "postgres";
        private Duration checkInterval = DEFAULT_CHECK_INTERVAL;
        private Duration probeTimeout = DEFAULT_PROBE_TIMEOUT;

        private Builder(Resolver source, JdbcSettings settings, RoleProbe probe) {
            this.source = source;
            this.settings = settings;
            this.probe = probe;
        }

        /**
         * @param name names the threads ({@code cueball-roles-<name>}); default {@code postgres}
         * @return this builder
         */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /**
         * @param interval how long after one probe of a backend ends the next one starts; default
         *                 {@link #DEFAULT_CHECK_INTERVAL}. Writes follow a promoted replica within this plus the
         *                 pool's {@code rebalanceDelay}.
         * @return this builder
         */
        public Builder checkInterval(Duration interval) {
            this.checkInterval = interval;
            return this;
        }

        /**
         * @param timeout how long a probe's query may wait for the server (its socket read timeout); default
         *                {@link #DEFAULT_PROBE_TIMEOUT}. The connect is bounded by the settings' connectTimeout.
         * @return this builder
         */
        public Builder probeTimeout(Duration timeout) {
            this.probeTimeout = timeout;
            return this;
        }

        /**
         * @return the tracker; it starts its source and threads when the first of its resolvers starts
         * @throws IllegalArgumentException naming the first bad option, its value and what was expected
         */
        public PostgresRoles build() {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("name: '" + name + "' (expected: a non-blank name)");
            }
            positive("checkInterval", checkInterval);
            positive("probeTimeout", probeTimeout);
            if (probeTimeout.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("probeTimeout: " + probeTimeout + " (expected: <= "
                        + Integer.MAX_VALUE + " ms)");
            }
            return new PostgresRoles(this);
        }

        private static void positive(String option, Duration d) {
            Objects.requireNonNull(d, option + " must not be null");
            if (d.toMillis() < 1) {
                throw new IllegalArgumentException(option + ": " + d + " (expected: >= 1 ms)");
            }
        }
    }
}
