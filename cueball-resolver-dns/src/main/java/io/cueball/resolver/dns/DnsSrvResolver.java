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
import java.net.UnknownHostException;
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
import org.xbill.DNS.NameTooLongException;
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
 * holds the target's name under {@code dns.target} and the name that answered (the SRV name, or the domain for
 * the A/AAAA fallback, as completed by the search list) under {@code dns.name}.
 *
 * <ul>
 *   <li><b>Priority:</b> only the lowest-numbered priority group with at least one usable target is used;
 *       higher-numbered groups are fallbacks for while it is empty (RFC 2782).</li>
 *   <li><b>Weight:</b> carried on each backend; the pool spreads connections in proportion. A target with
 *       several addresses gives each the target's weight, as if each were a target of its own (with the
 *       default {@link AddressFamily#PREFER_IPV4} a dual-stack target counts once).</li>
 *   <li><b>Search list:</b> a relative name (no trailing dot: {@code _postgres._tcp.db}) is completed as the
 *       system's resolver completes it (resolv.conf(5)): with {@code ndots} or more dots it is tried as it is
 *       first and then with each search domain appended, with fewer (Kubernetes pods have {@code ndots:5}) with
 *       each search domain first and as it is last. The first name with records of the asked type answers; an
 *       NXDOMAIN or an empty answer moves on to the next name, and so does an error code (SERVFAIL, REFUSED),
 *       remembered; a timeout or network error ends the resolution as a failure. An absolute name (trailing
 *       dot: {@code _postgres._tcp.db.internal.}) is asked as it is, alone. The search list and {@code ndots} are
 *       the system's (what dnsjava's {@code ResolverConfig} reads: resolv.conf on Unix) unless the builder sets
 *       them.</li>
 *   <li><b>Fallback:</b> an NXDOMAIN or empty SRV answer (for every name of the search) falls back to the A/AAAA
 *       records of the domain itself with {@code defaultPort}, as node-cueball does; SRV is asked again at the
 *       next refresh.</li>
 *   <li><b>No such name:</b> when every name asked was NXDOMAIN, the answer is empty (see below) and is also
 *       reported as {@link ResolverListener#resolverFailed} with an {@link java.net.UnknownHostException} whose
 *       message starts with {@code NXDOMAIN} and lists the names asked, so that a misspelt name shows in the
 *       pool's events and logs instead of leaving it silently without backends. It is refreshed by the negative
 *       TTL, like any answer, not retried with backoff.</li>
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
    /** The SRV names to ask, in order (the name as completed by the search list); null for a plain domain. */
    private final List<Name> srvNames;
    /** The domain's names for the A/AAAA lookup, in the same order. */
    private final List<Name> domains;
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
        this.srvNames = b.srvName == null ? null : completions(b.srvName, b.search, b.ndots);
        this.domains = completions(b.domain, b.search, b.ndots);
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
     * A resolver from a command-line spec: {@code [dns:]NAME[@SERVER[:PORT][,SERVER...]][?OPTION=VALUE&...]}, for
     * example {@code dns:_pg._tcp.db.internal@127.0.0.1:5353?port=5432}. Servers default to the system's, ports
     * to 53; an IPv6 server goes in brackets. The options: {@code port=N} ({@link Builder#defaultPort}),
     * {@code family=prefer-ipv4|prefer-ipv6|ipv4-only|ipv6-only|both}, {@code empty=keep|remove},
     * {@code timeout=2s} (one server's answer, {@code > 0}: a duration as {@link io.cueball.Durations} reads it,
     * {@code 500ms}, {@code 2s}, {@code PT0.5S}), and {@code search=DOMAIN,DOMAIN} (empty for none) and
     * {@code ndots=N}, which replace the system's search list and ndots: to try from a workstation what a pod's
     * resolv.conf would do, {@code ?search=ns1.svc.cluster.local,svc.cluster.local&ndots=5}.
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

    /**
     * The names a relative name stands for, in the order the system's resolver tries them (resolv.conf(5), and
     * dnsjava's {@code LookupSession}): as it is first when it has at least {@code ndots} dots, else last; with
     * each search domain in between. An absolute name stands for itself alone. A completion longer than DNS
     * allows (255 octets) is left out.
     */
    static List<Name> completions(Name name, List<Name> search, int ndots) {
        if (name.isAbsolute()) {
            return List.of(name);
        }
        List<Name> names = new ArrayList<>();
        for (Name domain : search) {
            Name completed = concatenate(name, domain);
            if (completed != null && !names.contains(completed)) {
                names.add(completed);
            }
        }
        Name asIs = concatenate(name, Name.root);
        if (asIs != null) {
            names.remove(asIs);
            // labels() of a relative name counts its labels, so "labels > ndots" is "dots >= ndots"
            names.add(name.labels() > ndots ? 0 : names.size(), asIs);
        }
        return List.copyOf(names);
    }

    private static Name concatenate(Name name, Name suffix) {
        try {
            return Name.concatenate(name, suffix);
        } catch (NameTooLongException e) {
            return null;
        }
    }

    /**
     * One resolution: what it found, how long that may be trusted, and, when every name asked was NXDOMAIN, those
     * names (else null).
     */
    private record Answer(List<Backend> backends, long ttlSeconds, List<String> nxdomain) {
        Answer(List<Backend> backends, long ttlSeconds) {
            this(backends, ttlSeconds, null);
        }
    }

    /** What one resolution asked, and whether any name asked exists (answered NOERROR). */
    private static final class Trail {
        final List<String> asked = new ArrayList<>();
        boolean exists;

        void heard(Name name, int type, Message m) {
            asked.add(name.toString(true) + " " + Type.string(type));
            exists |= m.getRcode() == Rcode.NOERROR;
        }
    }

    /** Resolves, reports the differences, and schedules the next refresh. Runs on the clock's thread. */
    private void refresh() {
        long delay;
        try {
            Answer answer = resolve();
            failures = 0;
            apply(answer.backends());
            if (answer.nxdomain() != null) {
                reportNoSuchName(answer.nxdomain());
            }
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
        Trail trail = new Trail();
        long negativeTtl = 0;
        if (srvNames != null) {
            IOException serverError = null;
            for (Name srvName : srvNames) {
                Message srv;
                try {
                    srv = client.query(srvName, Type.SRV);
                } catch (DnsClient.DnsServerException e) {
                    // SERVFAIL, REFUSED, a malformed answer: the next name, as the system's resolver does
                    serverError = serverError == null ? e : serverError;
                    continue;
                }
                trail.heard(srvName, Type.SRV, srv);
                List<SRVRecord> records = new ArrayList<>();
                for (Record r : srv.getSection(Section.ANSWER)) {
                    if (r instanceof SRVRecord s && r.getName().equals(srvName)) {
                        records.add(s);
                    }
                }
                if (!records.isEmpty()) {
                    return fromSrv(srvName, srv, records);
                }
                negativeTtl = negativeTtl(srv);
            }
            if (serverError != null) {
                throw serverError; // maybe the name that failed has the records: keep what we have, retry
            }
            if (defaultPort == 0) {
                return new Answer(List.of(), negativeTtl, trail.exists ? null : trail.asked);
            }
            log.debug("no SRV records for {} (asked {}); falling back to A/AAAA of {}", spec, trail.asked,
                    domains);
        }
        for (Name domain : domains) {
            Answer a = addressesOf(domain, defaultPort, 0, 0, List.of(), domain, trail);
            if (!a.backends().isEmpty()) {
                return a;
            }
        }
        return new Answer(List.of(), negativeTtl, trail.exists ? null : trail.asked);
    }

    /** The backends of an SRV answer: the lowest priority group with usable targets. */
    private Answer fromSrv(Name srvName, Message srv, List<SRVRecord> records) throws IOException {
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
                Answer a = addressesOf(r.getTarget(), r.getPort(), r.getWeight(), r.getPriority(), glue, srvName,
                        null);
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

    /**
     * The backends of one target: its addresses (glue first, else a query per family) and one port.
     *
     * @param answered the name whose answer led here (the SRV name, or the domain itself), for the metadata
     * @param trail    where to note the queries (the fallback's, which decide an NXDOMAIN), or null
     */
    private Answer addressesOf(Name target, int port, int weight, int priority, List<Record> glue, Name answered,
            Trail trail) throws IOException {
        List<Record> v4 = family == AddressFamily.IPV6_ONLY ? List.of() : records(target, Type.A, glue, trail);
        List<Record> v6 = List.of();
        if (family == AddressFamily.IPV6_ONLY || family == AddressFamily.BOTH || family == AddressFamily.PREFER_IPV6
                || (family == AddressFamily.PREFER_IPV4 && v4.isEmpty())) {
            v6 = records(target, Type.AAAA, glue, trail);
        }
        if (family == AddressFamily.PREFER_IPV6 && !v6.isEmpty()) {
            v4 = List.of();
        }
        List<Backend> backends = new ArrayList<>();
        long ttl = Long.MAX_VALUE;
        Map<String, String> metadata = Map.of("dns.target", target.toString(true), "dns.name",
                answered.toString(true));
        for (Record r : concat(v4, v6)) {
            InetAddress address = r instanceof ARecord a ? a.getAddress() : ((AAAARecord) r).getAddress();
            backends.add(new Backend(address.getHostAddress(), port, weight, priority, metadata));
            ttl = Math.min(ttl, r.getTTL());
        }
        return new Answer(backends, ttl == Long.MAX_VALUE ? 0 : ttl);
    }

    private List<Record> records(Name target, int type, List<Record> glue, Trail trail) throws IOException {
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
        if (trail != null) {
            trail.heard(target, type, m);
        }
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

    /** Tells the listener that no name asked exists: an answer, but one that a misspelt name gives. */
    private void reportNoSuchName(List<String> asked) {
        String names = String.join(", ", asked);
        log.warn("DNS resolution of {}: NXDOMAIN for every name asked ({}); {} backends", spec, names,
                reported.size());
        ResolverListener l = listener();
        if (l != null) {
            l.resolverFailed(new UnknownHostException("NXDOMAIN: no such name " + spec + " (asked " + names
                    + ")"));
        }
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
        private List<Name> search;
        private int ndots = -1;
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
         * Sets the search list that completes a relative name (see the class comment), in the order to try.
         *
         * @param domains search domains ({@code ns1.svc.cluster.local}; a trailing dot is optional), none to ask a
         *                relative name only as it is; default: the system's (resolv.conf's {@code search} or
         *                {@code domain})
         * @return this builder
         * @throws IllegalArgumentException naming a domain that is not a valid DNS name
         */
        public Builder searchDomains(List<String> domains) {
            List<Name> names = new ArrayList<>();
            for (String d : domains) {
                try {
                    names.add(Name.fromString(Objects.requireNonNull(d, "search domain must not be null").trim(),
                            Name.root));
                } catch (TextParseException e) {
                    throw new IllegalArgumentException("searchDomains: '" + d + "' is not a valid DNS name: "
                            + e.getMessage());
                }
            }
            this.search = List.copyOf(names);
            return this;
        }

        /**
         * Sets how many dots make a relative name worth trying as it is before the search list (see the class
         * comment).
         *
         * @param ndots 0 to 15, as resolv.conf's {@code options ndots:N}; default: the system's (1 unless set;
         *              Kubernetes pods have 5)
         * @return this builder
         */
        public Builder ndots(int ndots) {
            this.ndots = ndots;
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
                parsed = Name.fromString(trimmed); // relative unless it ends with a dot: the search list completes it
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
            if (ndots != -1 && (ndots < 0 || ndots > 15)) {
                throw new IllegalArgumentException("ndots: " + ndots + " (expected: 0..15, as in resolv.conf)");
            }
            if (nameservers == null || search == null || ndots == -1) {
                ResolverConfig system = ResolverConfig.getCurrentConfig();
                nameservers = nameservers == null ? system.servers() : nameservers;
                search = search == null ? List.copyOf(system.searchPath()) : search;
                ndots = ndots == -1 ? system.ndots() : ndots;
            }
            if (nameservers.isEmpty()) {
                throw new IllegalArgumentException("nameservers: none given and none found in the system's "
                        + "configuration");
            }
            return new DnsSrvResolver(this);
        }
    }
}
