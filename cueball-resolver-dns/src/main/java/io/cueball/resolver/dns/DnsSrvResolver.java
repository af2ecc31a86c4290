package io.cueball.resolver.dns;

import io.cueball.Backend;
import io.cueball.BackoffPolicy;
import io.cueball.PoolClock;
import io.cueball.ReportedBackends;
import io.cueball.Resolver;
import io.cueball.ResolverListener;
import io.cueball.internal.SystemClock;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * Finds backends through DNS SRV records: {@code _service._proto.domain} SRV, then the A/AAAA records of each
 * target (taken from the answer's additional section when the server sends them as glue). Each
 * {@link Backend} is an IP address and the SRV port, and carries the SRV weight and priority; its metadata
 * holds the target's name under {@code dns.target}.
 *
 * <ul>
 *   <li><b>Priority:</b> only the lowest-numbered priority group with at least one usable target is used;
 *       higher-numbered groups are fallbacks for while it is empty (RFC 2782).</li>
 *   <li><b>Weight:</b> carried on each backend; the pool spreads connections in proportion. A target with
 *       several addresses gives each the target's weight, as if each were a target of its own (with the
 *       default {@link AddressFamily#PREFER_IPV4} a dual-stack target counts once).</li>
 *   <li><b>Fallback:</b> an NXDOMAIN or empty SRV answer falls back to the A/AAAA records of the domain
 *       itself with {@code defaultPort}, as node-cueball does; SRV is asked again at the next refresh.</li>
 *   <li><b>Refresh:</b> when the shortest TTL of what was used runs out, clamped to
 *       [{@code minRefresh}, {@code maxRefresh}] and stretched by up to 20 % of jitter so that many pools do
 *       not ask in step. A TTL of 0 (Consul's default) means {@code minRefresh}, never a spin.</li>
 *   <li><b>Failures:</b> a timeout, SERVFAIL, REFUSED, a malformed answer or a network error keeps the last
 *       known backends, calls {@link ResolverListener#resolverFailed}, and retries with capped backoff.</li>
 *   <li><b>Empty answers:</b> an authoritative empty answer after a non-empty one keeps the backends
 *       ({@link EmptyAnswer#KEEP}, the default, as node-cueball does) or removes them
 *       ({@link EmptyAnswer#REMOVE}).</li>
 * </ul>
 *
 * <p>It reports only differences. All its work runs on one daemon thread, {@code cueball-dns-<name>-timer-1}
 * (or on the thread that advances a {@link PoolClock} given to the builder), so reports never overlap;
 * {@link #close()} stops it, interrupting a query in flight.
 */
public final class DnsSrvResolver implements Resolver {
    private static final Logger log = LoggerFactory.getLogger(DnsSrvResolver.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    /** Which address records to use for a target. */
    public enum AddressFamily {
        /** A records; AAAA only for a target without any. */
        PREFER_IPV4,
        /** AAAA records; A only for a target without any. */
        PREFER_IPV6,
        /** A records only. */
        IPV4_ONLY,
        /** AAAA records only. */
        IPV6_ONLY,
        /** Both: a target with both kinds becomes one backend per address. */
        BOTH
    }

    /** What an authoritative empty answer does to backends reported before. */
    public enum EmptyAnswer {
        /** Keep them: an empty answer is more often a mistake than an intent (node-cueball's choice). */
        KEEP,
        /** Remove them: the zone is the truth. */
        REMOVE
    }

    /** The default query timeout. */
    public static final Duration DEFAULT_QUERY_TIMEOUT = Duration.ofSeconds(2);
    /** The default shortest refresh interval. */
    public static final Duration DEFAULT_MIN_REFRESH = Duration.ofSeconds(1);
    /** The default longest refresh interval. */
    public static final Duration DEFAULT_MAX_REFRESH = Duration.ofMinutes(5);
    /** The default retry delays after failed resolutions: 1 s doubling to 1 min, ±20 %. */
    public static final BackoffPolicy DEFAULT_RETRY =
            new BackoffPolicy(Duration.ofSeconds(1), Duration.ofMinutes(1), 0.2);

    private final String spec;
    private final Name srvName;
    private final Name domain;
    private final int defaultPort;
    private final DnsClient client;
    private final AddressFamily family;
    private final EmptyAnswer onEmpty;
    private final long minRefresh;
    private final long maxRefresh;
    private final BackoffPolicy retry;
    private final RandomGenerator random;
    private final PoolClock clock;
    private final SystemClock ownClock;

    private final ReentrantLock lock = new ReentrantLock();
    // guarded by lock
    private ResolverListener listener;
    private boolean closed;
    private PoolClock.Timer timer;
    // used only by the refresh task, which never runs twice at once
    private final ReportedBackends reported = new ReportedBackends();
    private int failures;

    private DnsSrvResolver(Builder b) {
        this.spec = b.name;
        this.srvName = b.srvName;
        this.domain = b.domain;
        this.defaultPort = b.defaultPort;
        this.client = new DnsClient(b.nameservers, b.queryTimeout.toNanos(), b.tcpOnTruncation);
        this.family = b.family;
        this.onEmpty = b.onEmpty;
        this.minRefresh = b.minRefresh.toNanos();
        this.maxRefresh = b.maxRefresh.toNanos();
        this.retry = b.retry;
        this.random = b.random != null ? b.random : new Random();
        this.ownClock = b.clock == null ? new SystemClock("dns-" + INSTANCES.incrementAndGet()) : null;
        this.clock = b.clock != null ? b.clock : ownClock;
    }

    /**
     * Starts configuring a resolver.
     *
     * @param name an SRV name ({@code _postgres._tcp.db.internal}: service and protocol labels, then the
     *             domain) or a plain domain ({@code db.internal}, which needs {@link Builder#defaultPort})
     * @return a builder
     */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /**
     * A resolver from a command-line spec:
     * {@code [dns:]NAME[@SERVER[:PORT][,SERVER...]][?port=N&family=...&empty=keep|remove&timeout=2s]}, for
     * example {@code dns:_pg._tcp.db.internal@127.0.0.1:5353?port=5432}. Servers default to the system's, ports
     * to 53; an IPv6 server goes in brackets. {@code timeout} (one server's answer, {@code > 0}) is a duration as
     * {@link io.cueball.Durations} reads it: {@code 500ms}, {@code 2s}, {@code PT0.5S}.
     *
     * @param spec the spec
     * @return a resolver (not started)
     * @throws IllegalArgumentException quoting the bad part
     */
    public static DnsSrvResolver parse(String spec) {
        return DnsSpec.parse(spec).build();
    }

    @Override
    public void start(ResolverListener l) {
        Objects.requireNonNull(l, "listener must not be null");
        lock.lock();
        try {
            if (listener != null || closed) {
                throw new IllegalStateException("DnsSrvResolver for " + spec
                        + " was already started or closed; use one resolver per pool");
            }
            listener = l;
            timer = clock.schedule(this::refresh, 0);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            if (timer != null) {
                timer.cancel();
            }
        } finally {
            lock.unlock();
        }
        if (ownClock != null) {
            ownClock.close(); // interrupts a query in flight: our channels stop at once
        }
    }

    @Override
    public String toString() {
        return "DnsSrvResolver[" + spec + "]";
    }

    /** One resolution: what it found, and how long that may be trusted. */
    private record Answer(List<Backend> backends, long ttlSeconds) {
    }

    /** Resolves, reports the differences, and schedules the next refresh. Runs on the clock's thread. */
    private void refresh() {
        long delay;
        try {
            Answer answer = resolve();
            failures = 0;
            apply(answer.backends());
            long ttl = Math.max(0, answer.ttlSeconds()) * 1_000_000_000L;
            long base = Math.min(maxRefresh, Math.max(minRefresh, ttl));
            delay = (long) (base * (1 + 0.2 * random.nextDouble()));
        } catch (IOException | RuntimeException e) {
            if (isClosed()) {
                return;
            }
            failures++;
            delay = retry.delayNanos(failures, random);
            log.warn("DNS resolution of {} failed ({} in a row); keeping {} backends, retrying in {} ms: {}",
                    spec, failures, reported.size(), delay / 1_000_000, e.toString());
            ResolverListener l = listener();
            if (l != null) {
                l.resolverFailed(e);
            }
        }
        lock.lock();
        try {
            if (!closed) {
                timer = clock.schedule(this::refresh, delay);
            }
        } finally {
            lock.unlock();
        }
    }

    private Answer resolve() throws IOException {
        if (srvName == null) {
            return addressesOf(domain, defaultPort, 0, 0, List.of());
        }
        Message srv = client.query(srvName, Type.SRV);
        List<SRVRecord> records = new ArrayList<>();
        for (Record r : srv.getSection(Section.ANSWER)) {
            if (r instanceof SRVRecord s && r.getName().equals(srvName)) {
                records.add(s);
            }
        }
        if (records.isEmpty()) {
            if (defaultPort > 0) {
                log.debug("no SRV records for {} ({}); falling back to A/AAAA of {}", srvName,
                        Rcode.string(srv.getRcode()), domain);
                return addressesOf(domain, defaultPort, 0, 0, List.of());
            }
            return new Answer(List.of(), negativeTtl(srv));
        }
        List<Record> glue = srv.getSection(Section.ADDITIONAL);
        long ttl = Long.MAX_VALUE;
        for (SRVRecord r : records) {
            ttl = Math.min(ttl, r.getTTL());
        }
        TreeMap<Integer, List<SRVRecord>> groups = new TreeMap<>();
        for (SRVRecord r : records) {
            groups.computeIfAbsent(r.getPriority(), p -> new ArrayList<>()).add(r);
        }
        for (List<SRVRecord> group : groups.values()) {
            List<Backend> backends = new ArrayList<>();
            for (SRVRecord r : group) {
                if (r.getTarget().equals(Name.root)) {
                    continue; // "." : decidedly not available here (RFC 2782)
                }
                Answer a = addressesOf(r.getTarget(), r.getPort(), r.getWeight(), r.getPriority(), glue);
                backends.addAll(a.backends());
                if (!a.backends().isEmpty()) {
                    ttl = Math.min(ttl, a.ttlSeconds());
                }
            }
            if (!backends.isEmpty()) {
                return new Answer(backends, ttl);
            }
        }
        return new Answer(List.of(), ttl);
    }

    /** The backends of one target: its addresses (glue first, else a query per family) and one port. */
    private Answer addressesOf(Name target, int port, int weight, int priority, List<Record> glue)
            throws IOException {
        List<Record> v4 = family == AddressFamily.IPV6_ONLY ? List.of() : records(target, Type.A, glue);
        List<Record> v6 = List.of();
        if (family == AddressFamily.IPV6_ONLY || family == AddressFamily.BOTH || family == AddressFamily.PREFER_IPV6
                || (family == AddressFamily.PREFER_IPV4 && v4.isEmpty())) {
            v6 = records(target, Type.AAAA, glue);
        }
        if (family == AddressFamily.PREFER_IPV6 && !v6.isEmpty()) {
            v4 = List.of();
        }
        List<Backend> backends = new ArrayList<>();
        long ttl = Long.MAX_VALUE;
        String targetName = target.toString(true);
        for (Record r : concat(v4, v6)) {
            InetAddress address = r instanceof ARecord a ? a.getAddress() : ((AAAARecord) r).getAddress();
            backends.add(new Backend(address.getHostAddress(), port, weight, priority,
                    Map.of("dns.target", targetName)));
            ttl = Math.min(ttl, r.getTTL());
        }
        return new Answer(backends, ttl == Long.MAX_VALUE ? 0 : ttl);
    }

    private List<Record> records(Name target, int type, List<Record> glue) throws IOException {
        List<Record> found = new ArrayList<>();
        for (Record r : glue) {
            if (r.getType() == type && r.getName().equals(target)) {
                found.add(r);
            }
        }
        if (!found.isEmpty()) {
            return found;
        }
        Message m = client.query(target, type);
        for (Record r : m.getSection(Section.ANSWER)) {
            if (r.getType() == type && r.getName().equals(target)) {
                found.add(r);
            }
        }
        return found; // NXDOMAIN or no records: a target without addresses contributes nothing
    }

    private static List<Record> concat(List<Record> a, List<Record> b) {
        List<Record> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** The negative-caching TTL of an empty answer: the SOA's minimum (RFC 2308), if the server sent one. */
    private static long negativeTtl(Message m) {
        for (Record r : m.getSection(Section.AUTHORITY)) {
            if (r instanceof SOARecord soa) {
                return Math.min(soa.getTTL(), soa.getMinimum());
            }
        }
        return 0;
    }

    /** Reports what changed since the last answer, unless it is an empty answer to keep through. */
    private void apply(List<Backend> found) {
        ResolverListener l = listener();
        if (l == null) {
            return;
        }
        if (found.isEmpty() && reported.size() > 0 && onEmpty == EmptyAnswer.KEEP) {
            log.warn("DNS answer for {} is empty; keeping the {} backends it had (EmptyAnswer.KEEP)", spec,
                    reported.size());
            return;
        }
        reported.apply(found, l);
    }

    private ResolverListener listener() {
        lock.lock();
        try {
            return closed ? null : listener;
        } finally {
            lock.unlock();
        }
    }

    private boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    /** Configures a {@link DnsSrvResolver}; {@link #build()} validates. */
    public static final class Builder {
        private final String name;
        private Name srvName;
        private Name domain;
        private List<InetSocketAddress> nameservers;
        private int defaultPort;
        private Duration queryTimeout = DEFAULT_QUERY_TIMEOUT;
        private boolean tcpOnTruncation = true;
        private AddressFamily family = AddressFamily.PREFER_IPV4;
        private EmptyAnswer onEmpty = EmptyAnswer.KEEP;
        private Duration minRefresh = DEFAULT_MIN_REFRESH;
        private Duration maxRefresh = DEFAULT_MAX_REFRESH;
        private BackoffPolicy retry = DEFAULT_RETRY;
        private PoolClock clock;
        private RandomGenerator random;

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "name must not be null");
        }

        /**
         * @param servers name servers as {@code host:port} ({@code [::1]:53} for IPv6; the port defaults to
         *                53); default: the system's
         * @return this builder
         */
        public Builder nameservers(String... servers) {
            List<InetSocketAddress> list = new ArrayList<>();
            for (String s : servers) {
                list.add(DnsSpec.server(s, s));
            }
            this.nameservers = list;
            return this;
        }

        /**
         * @param servers name servers; default: the system's
         * @return this builder
         */
        public Builder nameservers(List<InetSocketAddress> servers) {
            this.nameservers = List.copyOf(servers);
            return this;
        }

        /**
         * @param port the port for backends found by the A/AAAA fallback (and for a plain domain); 0 (the
         *             default) disables the fallback
         * @return this builder
         */
        public Builder defaultPort(int port) {
            this.defaultPort = port;
            return this;
        }

        /**
         * @param timeout how long to wait for one server's answer, {@code > 0}; default 2 s
         * @return this builder
         */
        public Builder queryTimeout(Duration timeout) {
            this.queryTimeout = timeout;
            return this;
        }

        /** The query timeout set so far: for the spec's tests. */
        Duration queryTimeout() {
            return queryTimeout;
        }

        /**
         * @param retry whether to ask again over TCP when a UDP answer is truncated; default true
         * @return this builder
         */
        public Builder tcpOnTruncation(boolean retry) {
            this.tcpOnTruncation = retry;
            return this;
        }

        /**
         * @param family which address records to use; default {@link AddressFamily#PREFER_IPV4}
         * @return this builder
         */
        public Builder addressFamily(AddressFamily family) {
            this.family = family;
            return this;
        }

        /**
         * @param onEmpty what an authoritative empty answer does; default {@link EmptyAnswer#KEEP}
         * @return this builder
         */
        public Builder onEmptyAnswer(EmptyAnswer onEmpty) {
            this.onEmpty = onEmpty;
            return this;
        }

        /**
         * @param min the shortest interval between refreshes, {@code > 0}; default 1 s
         * @param max the longest, {@code >= min}; default 5 min
         * @return this builder
         */
        public Builder refreshBounds(Duration min, Duration max) {
            this.minRefresh = min;
            this.maxRefresh = max;
            return this;
        }

        /**
         * @param retry delays between attempts after failed resolutions; default 1 s doubling to 1 min, ±20 %
         * @return this builder
         */
        public Builder retryBackoff(BackoffPolicy retry) {
            this.retry = retry;
            return this;
        }

        /**
         * @param clock the timer for refreshes; default a daemon thread of the resolver's own. Tests pass a
         *              manual clock (refreshes then run on the thread that advances it).
         * @return this builder
         */
        public Builder clock(PoolClock clock) {
            this.clock = clock;
            return this;
        }

        /**
         * @param random the source of jitter; tests pass a seeded one
         * @return this builder
         */
        public Builder random(RandomGenerator random) {
            this.random = random;
            return this;
        }

        /**
         * @return the resolver (not started: a pool starts it)
         * @throws IllegalArgumentException naming a bad setting and its value
         */
        public DnsSrvResolver build() {
            String trimmed = name.trim();
            if (trimmed.isEmpty()) {
                throw new IllegalArgumentException("name: '' (expected: an SRV name such as _pg._tcp.db.internal"
                        + " or a domain)");
            }
            Name parsed;
            try {
                parsed = Name.fromString(trimmed.endsWith(".") ? trimmed : trimmed + ".");
            } catch (TextParseException e) {
                throw new IllegalArgumentException("name: '" + name + "' is not a valid DNS name: " + e.getMessage());
            }
            int underscore = 0;
            while (underscore < parsed.labels() - 1 && parsed.getLabelString(underscore).startsWith("_")) {
                underscore++;
            }
            if (underscore > 0) {
                srvName = parsed;
                domain = new Name(parsed, underscore);
            } else {
                srvName = null;
                domain = parsed;
                if (defaultPort == 0) {
                    throw new IllegalArgumentException("name: '" + name + "' has no _service._proto labels, so it "
                            + "is looked up as A/AAAA and needs a port: defaultPort(...) or ?port= in a spec");
                }
            }
            if (defaultPort < 0 || defaultPort > 65535) {
                throw new IllegalArgumentException("defaultPort: " + defaultPort + " (expected: 1..65535, or 0 for "
                        + "no A/AAAA fallback)");
            }
            Objects.requireNonNull(queryTimeout, "queryTimeout must not be null");
            if (queryTimeout.isNegative() || queryTimeout.isZero()) {
                throw new IllegalArgumentException("queryTimeout: " + queryTimeout + " (expected: > 0)");
            }
            Objects.requireNonNull(minRefresh, "minRefresh must not be null");
            Objects.requireNonNull(maxRefresh, "maxRefresh must not be null");
            if (minRefresh.isNegative() || minRefresh.isZero()) {
                throw new IllegalArgumentException("minRefresh: " + minRefresh + " (expected: > 0)");
            }
            if (maxRefresh.compareTo(minRefresh) < 0) {
                throw new IllegalArgumentException("maxRefresh: " + maxRefresh + " (expected: >= minRefresh "
                        + minRefresh + ")");
            }
            Objects.requireNonNull(family, "addressFamily must not be null");
            Objects.requireNonNull(onEmpty, "onEmptyAnswer must not be null");
            Objects.requireNonNull(retry, "retryBackoff must not be null");
            if (nameservers == null) {
                nameservers = ResolverConfig.getCurrentConfig().servers();
            }
            if (nameservers.isEmpty()) {
                throw new IllegalArgumentException("nameservers: none given and none found in the system's "
                        + "configuration");
            }
            return new DnsSrvResolver(this);
        }
    }
}
