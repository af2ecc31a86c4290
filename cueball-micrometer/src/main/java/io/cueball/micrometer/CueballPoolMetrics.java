package io.cueball.micrometer;

import io.cueball.Backend;
import io.cueball.BackendStats;
import io.cueball.BackendStatus;
import io.cueball.ClaimTimeoutException;
import io.cueball.ConnectionPool;
import io.cueball.CueballException;
import io.cueball.MetricsRecorder;
import io.cueball.NoBackendsException;
import io.cueball.PoolBusyException;
import io.cueball.PoolClosedException;
import io.cueball.PoolFailedException;
import io.cueball.PoolListener;
import io.cueball.PoolStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.ToDoubleFunction;

/**
 * Micrometer meters for one {@link ConnectionPool}: HikariCP's pool meters under {@code cueball.*}, a set of
 * meters per backend, and the rest of pooly's statsd set. Bind it to any registry (Prometheus, statsd, JMX, OTLP,
 * Spring Boot's): {@code new CueballPoolMetrics(pool).bindTo(registry)}; close it before or with the pool.
 *
 * <h2>Meters</h2>
 *
 * Every meter has the tag {@code pool} (the pool's {@link ConnectionPool#name()}) and the extra tags given to the
 * constructor. Gauges have no base unit (as HikariCP's, so a Prometheus registry names them
 * {@code cueball_connections_active}, not {@code ..._connections}); timers are in the registry's base time unit
 * (seconds for Prometheus, milliseconds for statsd). "Counted by the pool" means a function counter over
 * {@link ConnectionPool#stats()}, counting since the pool started; "counted here" means a counter this binder
 * increments, counting since it was bound.
 *
 * <table>
 * <caption>HikariCP's set (same meaning and description as {@code hikaricp.*}), tag {@code pool}</caption>
 * <tr><th>name</th><th>type</th><th>value</th></tr>
 * <tr><td>{@value #CONNECTIONS}</td><td>gauge</td><td>open connections: idle + active (HikariCP's total; connects in
 *     flight are in {@code .connecting}, connections being closed in neither)</td></tr>
 * <tr><td>{@value #CONNECTIONS_ACTIVE}</td><td>gauge</td><td>connections held by claims</td></tr>
 * <tr><td>{@value #CONNECTIONS_IDLE}</td><td>gauge</td><td>idle connections, including those being health-checked
 *     and an ejected backend's parked monitor connection ({@link PoolStats#idle()})</td></tr>
 * <tr><td>{@value #CONNECTIONS_PENDING}</td><td>gauge</td><td>claims waiting for a connection (HikariCP's "pending
 *     threads")</td></tr>
 * <tr><td>{@value #CONNECTIONS_MAX}</td><td>gauge</td><td>{@link ConnectionPool#maxConnections()}, which follows a
 *     run-time resize</td></tr>
 * <tr><td>{@value #CONNECTIONS_MIN}</td><td>gauge</td><td>{@link ConnectionPool#spares()}: the idle connections
 *     kept ready (HikariCP's {@code minimumIdle})</td></tr>
 * <tr><td>{@value #CONNECTIONS_CONNECTING}</td><td>gauge</td><td>connects in flight (not in HikariCP)</td></tr>
 * <tr><td>{@value #CONNECTIONS_TIMEOUT}</td><td>function counter</td><td>claims that timed out, counted by the pool
 *     ({@link PoolStats#claimTimeouts()}; includes claims shed by {@code targetClaimDelay})</td></tr>
 * <tr><td>{@value #CONNECTIONS_ACQUIRE}</td><td>timer</td><td>how long each served claim took, from the call until
 *     it had its connection ({@link MetricsRecorder#claimed}): 0 for a claim served at once, as the pool reads its
 *     clock once on that path; failed claims are not timed here (see {@value #CONNECTIONS_ACQUIRE_FAILURES})</td>
 *     </tr>
 * <tr><td>{@value #CONNECTIONS_USAGE}</td><td>timer</td><td>how long each claim held its connection, from being
 *     served until closed, discarded or failed</td></tr>
 * <tr><td>{@value #CONNECTIONS_CREATION}</td><td>timer</td><td>how long each successful connect took (failed ones
 *     are counted in {@value #CONNECTIONS_FAILURES})</td></tr>
 * </table>
 *
 * <table>
 * <caption>Per backend, tags {@code pool} and {@code backend} (its {@link Backend#key()}, {@code host:port})</caption>
 * <tr><th>name</th><th>type</th><th>extra tag</th><th>value</th></tr>
 * <tr><td>{@value #BACKEND_CONNECTIONS}</td><td>gauge</td><td>{@code state} = {@code idle}, {@code active},
 *     {@code connecting}</td><td>its connections in that state</td></tr>
 * <tr><td>{@value #BACKEND_CLAIMS}</td><td>function counter</td><td></td><td>claims its connections served, counted
 *     by the pool</td></tr>
 * <tr><td>{@value #BACKEND_FAILURES}</td><td>function counter</td><td>{@code kind} = {@code connect}, {@code use}
 *     </td><td>failed connects ({@link BackendStats#connectsFailed()}: what makes a backend dead) and failed uses
 *     ({@link BackendStats#useFailures()}: a discard, a fail, a broken connection or a failed reset: what lowers
 *     its score and can eject it), counted by the pool</td></tr>
 * <tr><td>{@value #BACKEND_STATE}</td><td>gauge</td><td>{@code status} = {@code live}, {@code dead},
 *     {@code ejected}, {@code removed}</td><td>1 for the status it has, 0 for the others: one gauge per status
 *     (a state set, so {@code sum by (status)} counts backends and no numeric code has to be remembered)</td></tr>
 * <tr><td>{@value #BACKEND_SCORE}</td><td>gauge</td><td></td><td>its use score in [0, 1]
 *     ({@link BackendStats#score()})</td></tr>
 * <tr><td>{@value #BACKEND_EJECTIONS}</td><td>function counter</td><td></td><td>times it was ejected as an outlier,
 *     counted by the pool</td></tr>
 * </table>
 *
 * A backend's meters are registered when it comes ({@link PoolListener#backendAdded}, or when a snapshot lists a
 * backend that has none) and removed from the registry when it goes ({@link PoolListener#backendRemoved}, or when
 * a snapshot no longer lists it or lists it as removed), so a fleet that changes does not leave dead series
 * behind. Its {@code removed} state gauge is therefore 1 only in the moment between the two.
 *
 * <table>
 * <caption>pooly's statsd set, and what serves each name here</caption>
 * <tr><th>pooly</th><th>pooly's meaning</th><th>here</th></tr>
 * <tr><td>{@code hosts.count}</td><td>hosts registered</td><td>{@value #BACKENDS}, a gauge per {@code status}
 *     ({@code live}, {@code dead}, {@code ejected}, {@code removed} = draining); pooly's count is the sum of the
 *     first three</td></tr>
 * <tr><td>{@code hosts.score}</td><td>score of the host that served each get, in percent</td><td>{@value
 *     #BACKEND_SCORE} per backend, as a ratio (average it over {@code backend} for pooly's mean)</td></tr>
 * <tr><td>{@code conns.count}</td><td>connections the hosts' pools hold, connecting included</td><td>{@value
 *     #CONNECTIONS} + {@value #CONNECTIONS_CONNECTING}; connections opened ever: the count of {@value
 *     #CONNECTIONS_CREATION}</td></tr>
 * <tr><td>{@code conns.fails}</td><td>connection failures: failed dials and connections found broken</td><td>{@value
 *     #CONNECTIONS_FAILURES}, a counter per {@code kind} ({@code connect}, {@code use}), counted here; pooly's
 *     count is their sum</td></tr>
 * <tr><td>{@code conns.get.count}</td><td>connections got</td><td>the count of {@value #CONNECTIONS_ACQUIRE}</td></tr>
 * <tr><td>{@code conns.put.count}</td><td>connections released</td><td>the count of {@value #CONNECTIONS_USAGE}</td>
 *     </tr>
 * <tr><td>{@code conns.get.delay}</td><td>wait for a connection</td><td>{@value #CONNECTIONS_ACQUIRE}</td></tr>
 * <tr><td>{@code conns.get.fails}</td><td>gets that failed</td><td>{@value #CONNECTIONS_ACQUIRE_FAILURES}, a
 *     counter per {@code reason}: {@code timeout} ({@link ClaimTimeoutException}, also what {@code
 *     targetClaimDelay} sheds), {@code busy} ({@link PoolBusyException}), {@code pool-failed}
 *     ({@link PoolFailedException}), {@code no-backends} ({@link NoBackendsException}), {@code closed}
 *     ({@link PoolClosedException}), {@code other}; counted here. Interrupted claims are not counted.</td></tr>
 * <tr><td>{@code conns.active.period}</td><td>time a connection was held</td><td>{@value #CONNECTIONS_USAGE}</td>
 *     </tr>
 * </table>
 *
 * Besides: {@value #POOL_SUSPENDED} (gauge, 1 while {@link ConnectionPool#isSuspended()}).
 *
 * <h2>Reading the pool</h2>
 *
 * Gauges and function counters are read lazily, when the registry asks. {@link ConnectionPool#stats()} takes the
 * pool's lock, so one snapshot (stats, {@code maxConnections}, {@code spares}, suspended) serves every meter for
 * up to {@link #SNAPSHOT_MAX_AGE}: a scrape of all of this binder's meters takes the pool's lock about three times,
 * not once per meter. Values may therefore be up to that much behind. Timers and counters "counted here" are
 * recorded as things happen, through a {@link MetricsRecorder} the binder adds to the pool.
 *
 * <h2>Threads</h2>
 *
 * <ul>
 * <li>Timers and counters counted here are recorded on the pool's threads, synchronously and outside its lock
 *     ({@link MetricsRecorder}): the acquire timer and acquire failures on the claiming thread, the usage timer and
 *     use failures on the releasing thread, the creation timer and connect failures on the pool's connector
 *     thread. A statsd registry formats and queues one line per timer record on that thread.</li>
 * <li>Gauges and function counters are read on whatever thread the registry reads them (a scrape, a publisher's
 *     thread); that thread may take the pool's lock once per {@link #SNAPSHOT_MAX_AGE}, and may register or remove
 *     a backend's meters (only when a backend's coming or going was missed by the listener).</li>
 * <li>A backend's meters are registered and removed by the thread that delivers the pool's listener events (a
 *     pool thread or an application thread, never under the pool's lock).</li>
 * </ul>
 *
 * The binder is thread-safe: a {@link ReentrantLock} of its own (never held while calling the pool) guards which
 * meters exist; the recording path takes no lock.
 *
 * <h2>Life</h2>
 *
 * The binder attaches to the pool (recorder and listener) the first time it is bound, and may be bound to several
 * registries; binding it twice to one registry does nothing. {@link #close()} detaches it and removes every meter
 * it registered from every registry it was bound to. The meters hold the binder weakly, as Micrometer's meters do:
 * the pool holds it while bound (through its recorder and listener), so it lives as long as the pool does.
 *
 * <p>Percentiles and histograms are the registry's business: configure them with a {@code MeterFilter} on names
 * starting with {@code cueball.connections}, as for HikariCP.
 */
public final class CueballPoolMetrics implements MeterBinder, AutoCloseable {

    /** Tag naming the pool: its {@link ConnectionPool#name()}. On every meter. */
    public static final String TAG_POOL = "pool";
    /** Tag naming a backend: its {@link Backend#key()} ({@code host:port}). On the per-backend meters. */
    public static final String TAG_BACKEND = "backend";
    /** Tag of {@value #BACKEND_CONNECTIONS}: {@code idle}, {@code active} or {@code connecting}. */
    public static final String TAG_STATE = "state";
    /** Tag of {@value #BACKEND_FAILURES} and {@value #CONNECTIONS_FAILURES}: {@code connect} or {@code use}. */
    public static final String TAG_KIND = "kind";
    /** Tag of {@value #BACKEND_STATE} and {@value #BACKENDS}: a {@link BackendStatus} in lower case. */
    public static final String TAG_STATUS = "status";
    /** Tag of {@value #CONNECTIONS_ACQUIRE_FAILURES}: why the claim failed. */
    public static final String TAG_REASON = "reason";

    /** Gauge: open connections, idle + active (HikariCP's {@code hikaricp.connections}). */
    public static final String CONNECTIONS = "cueball.connections";
    /** Gauge: connections held by claims. */
    public static final String CONNECTIONS_ACTIVE = "cueball.connections.active";
    /** Gauge: idle connections. */
    public static final String CONNECTIONS_IDLE = "cueball.connections.idle";
    /** Gauge: claims waiting for a connection. */
    public static final String CONNECTIONS_PENDING = "cueball.connections.pending";
    /** Gauge: the pool's current {@code maxConnections}. */
    public static final String CONNECTIONS_MAX = "cueball.connections.max";
    /** Gauge: the pool's current {@code spares}. */
    public static final String CONNECTIONS_MIN = "cueball.connections.min";
    /** Gauge: connects in flight. */
    public static final String CONNECTIONS_CONNECTING = "cueball.connections.connecting";
    /** Function counter: claims that timed out (or were shed), counted by the pool. */
    public static final String CONNECTIONS_TIMEOUT = "cueball.connections.timeout";
    /** Timer: how long served claims waited. */
    public static final String CONNECTIONS_ACQUIRE = "cueball.connections.acquire";
    /** Timer: how long claims held their connections. */
    public static final String CONNECTIONS_USAGE = "cueball.connections.usage";
    /** Timer: how long successful connects took. */
    public static final String CONNECTIONS_CREATION = "cueball.connections.creation";
    /** Counter: failed connects and failed uses (tag {@code kind}), counted here (pooly's {@code conns.fails}). */
    public static final String CONNECTIONS_FAILURES = "cueball.connections.failures";
    /** Counter: claims that failed (tag {@code reason}), counted here (pooly's {@code conns.get.fails}). */
    public static final String CONNECTIONS_ACQUIRE_FAILURES = "cueball.connections.acquire.failures";
    /** Gauge: backends per status (tag {@code status}; pooly's {@code hosts.count}). */
    public static final String BACKENDS = "cueball.backends";
    /** Gauge: 1 while the pool is suspended, else 0. */
    public static final String POOL_SUSPENDED = "cueball.pool.suspended";

    /** Gauge per backend: its connections in a state (tag {@code state}). */
    public static final String BACKEND_CONNECTIONS = "cueball.backend.connections";
    /** Function counter per backend: claims it served. */
    public static final String BACKEND_CLAIMS = "cueball.backend.claims";
    /** Function counter per backend: its failed connects and uses (tag {@code kind}). */
    public static final String BACKEND_FAILURES = "cueball.backend.failures";
    /** Gauge per backend and status: 1 for its status, else 0 (tag {@code status}). */
    public static final String BACKEND_STATE = "cueball.backend.state";
    /** Gauge per backend: its use score in [0, 1]. */
    public static final String BACKEND_SCORE = "cueball.backend.score";
    /** Function counter per backend: times it was ejected. */
    public static final String BACKEND_EJECTIONS = "cueball.backend.ejections";

    /** How long one snapshot of the pool serves the gauges and function counters that read it: 200 ms. */
    public static final Duration SNAPSHOT_MAX_AGE = Duration.ofMillis(200);

    /** Tag keys this binder sets itself, so the constructor's extra tags may not use them. */
    private static final Set<String> RESERVED = Set.of(TAG_POOL, TAG_BACKEND, TAG_STATE, TAG_KIND, TAG_STATUS,
            TAG_REASON);
    private static final Binding[] NO_BINDINGS = new Binding[0];

    /** Why a claim failed: the {@code reason} tag of {@value #CONNECTIONS_ACQUIRE_FAILURES}. */
    private enum Reason {
        TIMEOUT("timeout"), BUSY("busy"), POOL_FAILED("pool-failed"), NO_BACKENDS("no-backends"), CLOSED("closed"),
        OTHER("other");

        final String tag;

        Reason(String tag) {
            this.tag = tag;
        }

        static Reason of(CueballException e) {
            if (e instanceof ClaimTimeoutException) {
                return TIMEOUT;
            } else if (e instanceof PoolBusyException) {
                return BUSY;
            } else if (e instanceof PoolFailedException) {
                return POOL_FAILED;
            } else if (e instanceof NoBackendsException) {
                return NO_BACKENDS;
            } else if (e instanceof PoolClosedException) {
                return CLOSED;
            }
            return OTHER;
        }
    }

    /**
     * One reading of the pool, shared by every gauge and function counter for up to {@link #SNAPSHOT_MAX_AGE}.
     * {@code events} is the count of backend events handled before it was taken (see {@link #reconcile}).
     */
    private record Snapshot(long takenAt, long events, PoolStats stats, Map<String, BackendStats> backends,
            int max, int spares, boolean suspended) {
        int count(BackendStatus status) {
            int n = 0;
            for (BackendStats b : stats.backends()) {
                if (b.status() == status) {
                    n++;
                }
            }
            return n;
        }
    }

    private final ConnectionPool<?> pool;
    private final Tags tags;
    private final long maxAgeNanos = SNAPSHOT_MAX_AGE.toNanos();
    private final Recorder recorder = new Recorder();
    private final Listener listener = new Listener();

    /**
     * Guards the fields below it. Held only to change which meters exist (never while calling the pool, whose
     * listener delivery may run on the calling thread and come back here).
     */
    private final ReentrantLock lock = new ReentrantLock();
    /** One per registry bound to; copied on write, read without the lock by the recorder. */
    private volatile Binding[] bindings = NO_BINDINGS;
    /** The backends that have meters, by key. */
    private final Map<String, BackendMeters> backends = new HashMap<>();
    /** Backend events handled; written under the lock. */
    private volatile long events;
    private boolean attached;
    private boolean closed;

    /** The latest snapshot; replaced without the lock (two threads may both refresh it: harmless). */
    private volatile Snapshot snapshot;

    /**
     * Meters for a pool, tagged {@code pool=<its name>}.
     *
     * @param pool the pool
     * @throws NullPointerException if it is null
     */
    public CueballPoolMetrics(ConnectionPool<?> pool) {
        this(pool, Tags.empty());
    }

    /**
     * Meters for a pool, tagged {@code pool=<its name>} and with these tags (an application or a region, say).
     *
     * @param pool the pool
     * @param tags extra tags for every meter
     * @throws NullPointerException     if either is null
     * @throws IllegalArgumentException if a tag uses a key this binder sets itself ({@code pool}, {@code backend},
     *                                  {@code state}, {@code kind}, {@code status}, {@code reason})
     */
    public CueballPoolMetrics(ConnectionPool<?> pool, Iterable<Tag> tags) {
        this.pool = Objects.requireNonNull(pool, "pool must not be null");
        Objects.requireNonNull(tags, "tags must not be null");
        for (Tag tag : tags) {
            if (RESERVED.contains(tag.getKey())) {
                throw new IllegalArgumentException("tags: '" + tag.getKey() + "=" + tag.getValue() + "' (expected: "
                        + "a key other than " + String.join(", ", RESERVED.stream().sorted().toList())
                        + ", which the meters set themselves)");
            }
        }
        this.tags = Tags.of(TAG_POOL, pool.name()).and(tags);
    }

    /**
     * Registers the meters with a registry (see the class javadoc for the list). The first call attaches the
     * binder to the pool; a second call with the same registry does nothing.
     *
     * @param registry the registry
     * @throws NullPointerException  if it is null
     * @throws IllegalStateException if the binder was closed
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry must not be null");
        boolean attach;
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("CueballPoolMetrics of pool '" + pool.name() + "' is closed: create "
                        + "a new one to bind the pool again");
            }
            for (Binding b : bindings) {
                if (b.registry == registry) {
                    return;
                }
            }
            Binding binding = new Binding(registry);
            for (BackendMeters m : backends.values()) {
                binding.register(m);
            }
            Binding[] more = Arrays.copyOf(bindings, bindings.length + 1);
            more[more.length - 1] = binding;
            bindings = more;
            attach = !attached;
            attached = true;
        } finally {
            lock.unlock();
        }
        if (attach) {
            // Listener first: a backend that comes or goes after the snapshot below is then seen by the listener.
            pool.addListener(listener);
            pool.addMetricsRecorder(recorder);
            if (isClosed()) { // closed meanwhile: close() may have missed what was just added
                pool.removeMetricsRecorder(recorder);
                pool.removeListener(listener);
                return;
            }
        }
        // Register the backends there are now. A backend event handled meanwhile makes the snapshot stale for
        // reconciling (see reconcile); take another, a few times at most, then leave it to the next scrape.
        for (int i = 0; i < 3 && !reconcile(refresh(), true); i++) {
            // an event came between refresh and reconcile: read the pool again
        }
    }

    /**
     * Detaches the binder from the pool and removes every meter it registered from every registry it was bound
     * to. Idempotent; the binder cannot be bound again. Does not close the pool or the registries.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (Binding b : bindings) {
                b.removeAll();
            }
            bindings = NO_BINDINGS;
            backends.clear();
        } finally {
            lock.unlock();
        }
        pool.removeMetricsRecorder(recorder);
        pool.removeListener(listener);
    }

    @Override
    public String toString() {
        return "CueballPoolMetrics of pool '" + pool.name() + "' (" + bindings.length + " registries)";
    }

    private boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    /** The latest snapshot, or a new one if it is older than {@link #SNAPSHOT_MAX_AGE}. */
    private Snapshot snapshot() {
        Snapshot s = snapshot;
        if (s != null && System.nanoTime() - s.takenAt() < maxAgeNanos) {
            return s;
        }
        s = refresh();
        reconcile(s, false);
        return s;
    }

    /** Reads the pool (its lock, three times) into a new snapshot and makes it the latest. */
    private Snapshot refresh() {
        long now = System.nanoTime();
        long seen = events; // before reading the pool: an event handled after this is newer than the snapshot
        PoolStats stats = pool.stats();
        Map<String, BackendStats> byKey = new HashMap<>();
        for (BackendStats b : stats.backends()) {
            byKey.put(b.backend().key(), b);
        }
        Snapshot s = new Snapshot(now, seen, stats, byKey, pool.maxConnections(), pool.spares(), pool.isSuspended());
        snapshot = s;
        return s;
    }

    /**
     * Brings the backends' meters in line with a snapshot: those it does not list, or lists as removed, lose
     * them; those it lists that have none get them. This catches what the listener could not tell (the backends
     * there were when the binder was bound) and anything missed. It gives way when a backend event was handled
     * after the snapshot was taken (the event is newer than the snapshot, which would undo it) and, unless told to
     * wait, when another thread is changing the meters (a scrape never waits on the listener): then it does
     * nothing and the next snapshot tries again.
     *
     * @return whether it reconciled (or there was nothing to reconcile: closed, not bound)
     */
    private boolean reconcile(Snapshot s, boolean wait) {
        if (wait) {
            lock.lock();
        } else if (!lock.tryLock()) {
            return false;
        }
        try {
            if (closed || bindings.length == 0) {
                return true;
            }
            if (s.events() != events) {
                return false;
            }
            for (String key : List.copyOf(backends.keySet())) {
                BackendStats b = s.backends().get(key);
                if (b == null || b.status() == BackendStatus.REMOVED) {
                    removeLocked(key);
                }
            }
            for (BackendStats b : s.stats().backends()) {
                if (b.status() != BackendStatus.REMOVED && !backends.containsKey(b.backend().key())) {
                    addLocked(b.backend(), b);
                }
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void addLocked(Backend backend, BackendStats initial) {
        if (backends.containsKey(backend.key())) {
            return;
        }
        BackendMeters m = new BackendMeters(backend, initial);
        backends.put(backend.key(), m);
        for (Binding b : bindings) {
            b.register(m);
        }
    }

    private void removeLocked(String key) {
        if (backends.remove(key) != null) {
            for (Binding b : bindings) {
                b.remove(key);
            }
        }
    }

    /** The meters of one registry. Structure changed under {@link #lock}; the recorded meters are final. */
    private final class Binding {
        final MeterRegistry registry;
        final List<Meter> poolMeters = new ArrayList<>();
        final Map<String, List<Meter>> backendMeters = new HashMap<>();
        final Timer acquire;
        final Timer usage;
        final Timer creation;
        final Counter connectFailures;
        final Counter useFailures;
        final Counter[] acquireFailures = new Counter[Reason.values().length];

        Binding(MeterRegistry registry) {
            this.registry = registry;
            gauge(CONNECTIONS, "Total connections", s -> s.stats().idle() + s.stats().claimed());
            gauge(CONNECTIONS_ACTIVE, "Active connections", s -> s.stats().claimed());
            gauge(CONNECTIONS_IDLE, "Idle connections", s -> s.stats().idle());
            gauge(CONNECTIONS_PENDING, "Pending threads: claims waiting for a connection", s -> s.stats().waiting());
            gauge(CONNECTIONS_MAX, "Max connections", Snapshot::max);
            gauge(CONNECTIONS_MIN, "Min connections: spares, the idle connections kept ready", Snapshot::spares);
            gauge(CONNECTIONS_CONNECTING, "Connects in flight", s -> s.stats().connecting());
            gauge(POOL_SUSPENDED, "1 while the pool is suspended", s -> s.suspended() ? 1 : 0);
            for (BackendStatus status : BackendStatus.values()) {
                poolMeters.add(Gauge.builder(BACKENDS, CueballPoolMetrics.this, p -> p.snapshot().count(status))
                        .description("Backends with this status (pooly's hosts.count: live + dead + ejected)")
                        .tags(tags).tag(TAG_STATUS, lower(status)).register(registry));
            }
            poolMeters.add(FunctionCounter.builder(CONNECTIONS_TIMEOUT, CueballPoolMetrics.this,
                            p -> p.snapshot().stats().claimTimeouts())
                    .description("Connection timeout total count").tags(tags).register(registry));
            acquire = timer(CONNECTIONS_ACQUIRE, "Connection acquire time");
            usage = timer(CONNECTIONS_USAGE, "Connection usage time");
            creation = timer(CONNECTIONS_CREATION, "Connection creation time");
            connectFailures = failures("connect", "Failed connects (pooly's conns.fails: connect + use)");
            useFailures = failures("use", "Failed uses: discarded, failed, broken or not reset (pooly's conns.fails: "
                    + "connect + use)");
            for (Reason reason : Reason.values()) {
                Counter c = Counter.builder(CONNECTIONS_ACQUIRE_FAILURES)
                        .description("Claims that failed instead of getting a connection (pooly's conns.get.fails)")
                        .tags(tags).tag(TAG_REASON, reason.tag).register(registry);
                acquireFailures[reason.ordinal()] = c;
                poolMeters.add(c);
            }
        }

        private void gauge(String name, String description, ToDoubleFunction<Snapshot> value) {
            poolMeters.add(Gauge.builder(name, CueballPoolMetrics.this, p -> value.applyAsDouble(p.snapshot()))
                    .description(description).tags(tags).register(registry));
        }

        private Timer timer(String name, String description) {
            Timer t = Timer.builder(name).description(description).tags(tags).register(registry);
            poolMeters.add(t);
            return t;
        }

        private Counter failures(String kind, String description) {
            Counter c = Counter.builder(CONNECTIONS_FAILURES).description(description).tags(tags).tag(TAG_KIND, kind)
                    .register(registry);
            poolMeters.add(c);
            return c;
        }

        /** Registers one backend's meters. Under the lock. */
        void register(BackendMeters m) {
            Tags t = tags.and(TAG_BACKEND, m.backend.key());
            List<Meter> list = new ArrayList<>();
            list.add(Gauge.builder(BACKEND_CONNECTIONS, m, x -> x.stats().idle())
                    .description("The backend's connections in this state").tags(t).tag(TAG_STATE, "idle")
                    .register(registry));
            list.add(Gauge.builder(BACKEND_CONNECTIONS, m, x -> x.stats().claimed())
                    .description("The backend's connections in this state").tags(t).tag(TAG_STATE, "active")
                    .register(registry));
            list.add(Gauge.builder(BACKEND_CONNECTIONS, m, x -> x.stats().connecting())
                    .description("The backend's connections in this state").tags(t).tag(TAG_STATE, "connecting")
                    .register(registry));
            list.add(FunctionCounter.builder(BACKEND_CLAIMS, m, x -> x.stats().claims())
                    .description("Claims the backend's connections served").tags(t).register(registry));
            list.add(FunctionCounter.builder(BACKEND_FAILURES, m, x -> x.stats().connectsFailed())
                    .description("The backend's failed connects (connect) and failed uses (use)").tags(t)
                    .tag(TAG_KIND, "connect").register(registry));
            list.add(FunctionCounter.builder(BACKEND_FAILURES, m, x -> x.stats().useFailures())
                    .description("The backend's failed connects (connect) and failed uses (use)").tags(t)
                    .tag(TAG_KIND, "use").register(registry));
            for (BackendStatus status : BackendStatus.values()) {
                list.add(Gauge.builder(BACKEND_STATE, m, x -> x.stats().status() == status ? 1 : 0)
                        .description("1 if the backend has this status, else 0").tags(t)
                        .tag(TAG_STATUS, lower(status)).register(registry));
            }
            list.add(Gauge.builder(BACKEND_SCORE, m, x -> x.stats().score())
                    .description("The backend's use score, 0 to 1: the recency-weighted mean of its claims' outcomes")
                    .tags(t).register(registry));
            list.add(FunctionCounter.builder(BACKEND_EJECTIONS, m, x -> x.stats().ejections())
                    .description("Times the backend was ejected as an outlier").tags(t).register(registry));
            backendMeters.put(m.backend.key(), list);
        }

        /** Removes one backend's meters. Under the lock. */
        void remove(String key) {
            List<Meter> list = backendMeters.remove(key);
            if (list != null) {
                list.forEach(registry::remove);
            }
        }

        /** Removes every meter. Under the lock. */
        void removeAll() {
            for (String key : List.copyOf(backendMeters.keySet())) {
                remove(key);
            }
            poolMeters.forEach(registry::remove);
            poolMeters.clear();
        }
    }

    /**
     * What one backend's meters read: its stats in the current snapshot, or the last ones seen while the snapshot
     * does not list it (a backend just added, or removed a moment before its meters are), so counters never go
     * back to 0.
     */
    private final class BackendMeters {
        final Backend backend;
        volatile BackendStats last;

        BackendMeters(Backend backend, BackendStats initial) {
            this.backend = backend;
            this.last = initial != null ? initial
                    : new BackendStats(backend, BackendStatus.LIVE, 0, 0, 0, 0, 0, 0, 0, 0, null);
        }

        BackendStats stats() {
            BackendStats b = snapshot().backends().get(backend.key());
            if (b != null) {
                last = b;
                return b;
            }
            return last;
        }
    }

    /** The timings and failures counted here. Called on the pool's threads, outside its lock; takes no lock. */
    private final class Recorder implements MetricsRecorder {
        @Override
        public void claimed(Backend backend, long waitNanos) {
            for (Binding b : bindings) {
                b.acquire.record(waitNanos, TimeUnit.NANOSECONDS);
            }
        }

        @Override
        public void released(Backend backend, long heldNanos, boolean failed) {
            for (Binding b : bindings) {
                b.usage.record(heldNanos, TimeUnit.NANOSECONDS);
                if (failed) {
                    b.useFailures.increment();
                }
            }
        }

        @Override
        public void claimFailed(CueballException error, long waitedNanos) {
            int reason = Reason.of(error).ordinal();
            for (Binding b : bindings) {
                b.acquireFailures[reason].increment();
            }
        }

        @Override
        public void connected(Backend backend, long connectNanos) {
            for (Binding b : bindings) {
                b.creation.record(connectNanos, TimeUnit.NANOSECONDS);
            }
        }

        @Override
        public void connectFailed(Backend backend, long connectNanos, Throwable cause) {
            for (Binding b : bindings) {
                b.connectFailures.increment();
            }
        }
    }

    /**
     * Registers and removes backends' meters as backends come and go. Called one event at a time, off the pool's
     * lock, on the thread delivering the pool's events.
     */
    private final class Listener implements PoolListener {
        @Override
        public void backendAdded(Backend backend) {
            lock.lock();
            try {
                if (!closed) {
                    events++;
                    addLocked(backend, null);
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void backendRemoved(Backend backend) {
            lock.lock();
            try {
                if (!closed) {
                    events++;
                    removeLocked(backend.key());
                }
            } finally {
                lock.unlock();
            }
        }
    }

    private static String lower(BackendStatus status) {
        return status.name().toLowerCase(Locale.ROOT);
    }
}
