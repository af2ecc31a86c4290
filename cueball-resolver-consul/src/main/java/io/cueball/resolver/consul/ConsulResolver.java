package io.cueball.resolver.consul;

import com.ecwid.consul.SingleUrlParameters;
import com.ecwid.consul.UrlParameters;
import com.ecwid.consul.transport.HttpResponse;
import com.ecwid.consul.v1.ConsulRawClient;
import io.cueball.BackoffPolicy;
import io.cueball.ReportedBackends;
import io.cueball.Resolver;
import io.cueball.ResolverListener;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.apache.http.HttpRequestInterceptor;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClientBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds backends in Consul: the healthy instances of a service, from {@code /v1/health/service/<name>}, and
 * reports only the differences.
 *
 * <ul>
 *   <li><b>Blocking queries:</b> each request carries the last {@code X-Consul-Index} and a {@code wait}
 *       (default 5 min, at most 9 min), so a change arrives as soon as Consul knows it and an unchanged service
 *       costs one request per wait. A return is no proof of change: the answer is diffed. An index that goes
 *       backwards restarts from 0, and so does the first request after a failure (the agent may have restarted
 *       with a shorter history); after an answer it is never below 1. Requests are spaced by at least
 *       {@code minInterval} (default 100 ms) so that a flapping service cannot make the loop spin, and after a
 *       failure the loop backs off (1 s doubling to 1 min, with jitter).</li>
 *   <li><b>Health:</b> passing instances only (Consul's {@code ?passing}), unless {@code acceptWarning}: then
 *       instances whose worst check is warning count too, with their {@code Weights.Warning}.</li>
 *   <li><b>Filters:</b> tags (all must match), datacenter, consistency mode. The ACL token goes in the
 *       {@code X-Consul-Token} header, never in the URL.</li>
 *   <li><b>Backends:</b> the service address (the node's when the service has none) and port, the weight from
 *       {@code Service.Weights.Passing} (read from the raw JSON: consul-api's model has no weights). Metadata:
 *       {@code consul.id}, {@code consul.node}, {@code consul.tags} (comma-separated), and each
 *       {@code Service.Meta} entry as {@code meta.<key>}. An IPv6 address becomes one spelling
 *       ({@link io.cueball.Backend#host()}), so two spellings of one address are one backend.</li>
 *   <li><b>Malformed instances:</b> an instance that cannot be read as a backend (a port outside 1..65535,
 *       which a real agent sends for a service registered without one; a negative weight or one beyond the int
 *       range, never truncated; a tag that is not a string; no address; no {@code Service}...) is skipped and
 *       logged at WARN with the service, the instance, its node and what is wrong (at DEBUG while the following
 *       answers repeat it); the other instances of the answer are reported as usual. An answer that lists
 *       instances but yields no backend because at least one of them was malformed is a failure (below), not
 *       an empty set: the unreadable instance may be the healthy one, and a failure never removes a backend.
 *       An answer that is well formed and empty, or whose instances are all well formed but unhealthy, removes
 *       every backend.</li>
 *   <li><b>Failures:</b> an unreachable agent, an HTTP error, a response that is not a JSON array, an
 *       answer with instances but nothing usable among them (above): the last set is kept,
 *       {@link ResolverListener#resolverFailed} is called, the loop backs off, and recovers when the agent
 *       answers again.</li>
 * </ul>
 *
 * <p>The loop runs on one daemon thread, {@code cueball-consul-N}. {@link #close()} does not wait for a
 * blocking request to return: it closes the HTTP client under it.
 */
public final class ConsulResolver implements Resolver {
    private static final Logger log = LoggerFactory.getLogger(ConsulResolver.class);
    private static final AtomicInteger THREADS = new AtomicInteger();

    /** The default blocking-query wait. */
    public static final Duration DEFAULT_WAIT = Duration.ofMinutes(5);
    /** The longest wait accepted (Consul caps at 10 min and adds up to 1/16 of jitter). */
    public static final Duration MAX_WAIT = Duration.ofMinutes(9);
    /** The default shortest spacing between two requests. */
    public static final Duration DEFAULT_MIN_INTERVAL = Duration.ofMillis(100);
    /** The default retry delays after failures. */
    public static final BackoffPolicy DEFAULT_RETRY =
            new BackoffPolicy(Duration.ofSeconds(1), Duration.ofMinutes(1), 0.2);

    /** Consul's consistency modes. */
    public enum Consistency {
        /** The leader answers (Consul's default). */
        DEFAULT,
        /** Any server answers, possibly slightly stale: cheaper for large clusters. */
        STALE,
        /** The leader answers after confirming it still leads. */
        CONSISTENT
    }

    private final String service;
    private final String agent;
    private final List<String> tags;
    private final String datacenter;
    private final Consistency consistency;
    private final boolean acceptWarning;
    private final long waitSeconds;
    private final long minIntervalNanos;
    private final BackoffPolicy retry;
    private final Random random;
    private final CloseableHttpClient http;
    private final ConsulRawClient client;
    private final ConsulHealthParser parser;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private ResolverListener listener;
    private Thread thread;
    private volatile boolean closed;

    private final AtomicLong requests = new AtomicLong();
    // used only by the loop's thread
    private final ReportedBackends reported = new ReportedBackends();
    private long index;
    private Set<String> warnedMalformed = Set.of();

    private ConsulResolver(Builder b) {
        this.service = b.service;
        this.agent = b.host + ":" + b.port;
        this.tags = List.copyOf(b.tags);
        this.datacenter = b.datacenter;
        this.consistency = b.consistency;
        this.acceptWarning = b.acceptWarning;
        this.waitSeconds = b.wait.toSeconds();
        this.minIntervalNanos = b.minInterval.toNanos();
        this.retry = b.retry;
        this.random = b.seed == null ? new Random() : new Random(b.seed);
        this.parser = new ConsulHealthParser(acceptWarning);
        // The read timeout must outlast a blocking query: wait, plus Consul's jitter of up to wait/16, plus a
        // margin for the network; consul-api's default (10 min) is shorter than a 10 min wait with jitter.
        int readTimeoutMs = (int) Math.min(Integer.MAX_VALUE,
                TimeUnit.SECONDS.toMillis(waitSeconds + waitSeconds / 16) + b.readTimeoutMargin.toMillis());
        RequestConfig config = RequestConfig.custom()
                .setConnectTimeout((int) b.connectTimeout.toMillis())
                .setConnectionRequestTimeout((int) b.connectTimeout.toMillis())
                .setSocketTimeout(readTimeoutMs)
                .build();
        HttpClientBuilder http = HttpClientBuilder.create().setDefaultRequestConfig(config)
                .setMaxConnTotal(2).setMaxConnPerRoute(2).disableAutomaticRetries();
        Supplier<String> tokens = b.token;
        if (tokens != null) {
            // Asked on every request, so that a rotated token is sent from the next query on.
            http.addInterceptorLast((HttpRequestInterceptor) (request, context) -> {
                String token;
                try {
                    token = tokens.get();
                } catch (RuntimeException e) {
                    throw new IOException("the Consul token supplier failed: " + e, e);
                }
                if (token != null && !token.isEmpty()) {
                    request.setHeader("X-Consul-Token", token);
                }
            });
        }
        this.http = http.build();
        this.client = new ConsulRawClient(this.http, b.scheme + "://" + b.host, b.port, "");
    }

    /**
     * Starts configuring a resolver.
     *
     * @param service the Consul service name
     * @return a builder
     */
    public static Builder builder(String service) {
        return new Builder(service);
    }

    /**
     * A resolver from a command-line spec: {@code [consul:]SERVICE[?tag=T&tag=U&dc=DC&warning=true&
     * consistency=stale&wait=60s][@HOST[:PORT]]}, for example {@code consul:postgres?tag=primary&dc=dc1@127.0.0.1:8500}.
     * The agent defaults to {@code 127.0.0.1:8500}. {@code wait} is a duration as {@link io.cueball.Durations}
     * reads it ({@code 90s}, {@code 2m}, {@code PT2M}), 1 s to 9 min. Tokens are not part of a spec (they would
     * land in shell histories): pass one to {@link Builder#token}.
     *
     * @param spec the spec
     * @return a builder, for a token and other settings
     * @throws IllegalArgumentException quoting the bad part
     */
    public static Builder parse(String spec) {
        return ConsulSpec.parse(spec);
    }

    @Override
    public void start(ResolverListener l) {
        Objects.requireNonNull(l, "listener must not be null");
        lock.lock();
        try {
            if (listener != null || closed) {
                throw new IllegalStateException("ConsulResolver for " + service
                        + " was already started or closed; use one resolver per pool");
            }
            listener = l;
            thread = new Thread(this::loop, "cueball-consul-" + THREADS.incrementAndGet());
            thread.setDaemon(true);
            thread.start();
        } finally {
            lock.unlock();
        }
    }

    /** Stops the loop; a blocking request in flight is aborted by closing the HTTP client. */
    @Override
    public void close() {
        Thread t;
        lock.lock();
        try {
            closed = true;
            wake.signalAll();
            t = thread;
        } finally {
            lock.unlock();
        }
        try {
            http.close();
        } catch (IOException e) {
            log.debug("closing the Consul HTTP client failed", e);
        }
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** @return HTTP requests made so far (for operators, and to check that an idle service costs little) */
    public long requests() {
        return requests.get();
    }

    @Override
    public String toString() {
        return "ConsulResolver[" + service + (tags.isEmpty() ? "" : " tags=" + tags)
                + (datacenter == null ? "" : " dc=" + datacenter) + " @" + agent + "]";
    }

    private void loop() {
        int failures = 0;
        long lastRequest = System.nanoTime() - minIntervalNanos;
        while (!closed) {
            long spacing = minIntervalNanos - (System.nanoTime() - lastRequest);
            if (spacing > 0 && sleep(spacing)) {
                return;
            }
            lastRequest = System.nanoTime();
            try {
                poll();
                failures = 0;
            } catch (RuntimeException | IOException e) {
                if (closed) {
                    return;
                }
                failures++;
                // The agent that answers next may not be the one that gave us the index (a restart, a dev agent,
                // a load balancer in front of several): blocking on an index from another agent's history can
                // wait out the whole wait while the service changes. One plain read after a failure costs little.
                index = 0;
                long delay = retry.delayNanos(failures, random);
                log.warn("Consul query for service '{}' at {} failed ({} in a row); keeping {} backends, retrying in "
                        + "{} ms: {}", service, agent, failures, reported.size(), delay / 1_000_000, e.toString());
                listener.resolverFailed(e);
                if (sleep(delay)) {
                    return;
                }
            }
        }
    }

    /** One blocking query: report the differences, move the index on. */
    private void poll() throws IOException {
        List<UrlParameters> params = new ArrayList<>();
        if (!acceptWarning) {
            params.add(new SingleUrlParameters("passing"));
        }
        for (String tag : tags) {
            params.add(new SingleUrlParameters("tag", tag));
        }
        if (datacenter != null) {
            params.add(new SingleUrlParameters("dc", datacenter));
        }
        if (consistency != Consistency.DEFAULT) {
            params.add(new SingleUrlParameters(consistency == Consistency.STALE ? "stale" : "consistent"));
        }
        params.add(new SingleUrlParameters("index", Long.toString(index)));
        params.add(new SingleUrlParameters("wait", waitSeconds + "s"));
        requests.incrementAndGet();
        HttpResponse response = client.makeGetRequest("/v1/health/service/" + service, params);
        if (response.getStatusCode() != 200) {
            throw new IOException("Consul agent " + agent + " answered HTTP " + response.getStatusCode() + " "
                    + response.getStatusMessage() + ": " + abbreviate(response.getContent()));
        }
        ConsulHealthParser.Answer answer = parser.parse(response.getContent());
        warnMalformed(answer.malformed());
        if (answer.backends().isEmpty() && !answer.malformed().isEmpty()) {
            // Reporting this empty set would remove every backend on the strength of garbage: the instance we
            // could not read may be the one healthy one. Invariant 6: a failure never removes a backend.
            throw new IOException("the Consul answer for service '" + service + "' has no usable instance: "
                    + answer.malformed().size() + " of " + answer.instances() + " malformed, first "
                    + answer.malformed().get(0));
        }
        Long next = response.getConsulIndex();
        if (next == null || next < 1) {
            index = 1; // never block on 0 after an answer (it would return at once, forever)
        } else if (next < index) {
            log.info("Consul index for '{}' went backwards ({} -> {}); starting over", service, index, next);
            index = 0;
        } else {
            index = next;
        }
        reported.apply(answer.backends(), listener);
    }

    /**
     * One WARN per malformed instance, naming the service, the instance, its node and what is wrong; DEBUG
     * while the next answers repeat it, so that an instance that stays broken does not flood the log each time
     * some other instance changes.
     */
    private void warnMalformed(List<String> malformed) {
        for (String m : malformed) {
            if (warnedMalformed.contains(m)) {
                log.debug("Consul service '{}' at {}: still skipping malformed {}", service, agent, m);
            } else {
                log.warn("Consul service '{}' at {}: skipping malformed {}", service, agent, m);
            }
        }
        warnedMalformed = Set.copyOf(malformed);
    }

    /** Sleeps unless closed first; true if closed. */
    private boolean sleep(long nanos) {
        lock.lock();
        try {
            long remaining = nanos;
            while (!closed && remaining > 0) {
                remaining = wake.awaitNanos(remaining);
            }
            return closed;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        } finally {
            lock.unlock();
        }
    }

    private static String abbreviate(String s) {
        if (s == null) {
            return "";
        }
        String flat = s.replaceAll("\\s+", " ").trim();
        return flat.length() > 200 ? flat.substring(0, 200) + "..." : flat;
    }

    /** Configures a {@link ConsulResolver}; {@link #build()} validates and names what is wrong. */
    public static final class Builder {
        private final String service;
        private String scheme = "http";
        private String host = "127.0.0.1";
        private int port = 8500;
        private final List<String> tags = new ArrayList<>();
        private String datacenter;
        private Consistency consistency = Consistency.DEFAULT;
        private boolean acceptWarning;
        private Supplier<String> token;
        private Duration wait = DEFAULT_WAIT;
        private Duration minInterval = DEFAULT_MIN_INTERVAL;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration readTimeoutMargin = Duration.ofSeconds(15);
        private BackoffPolicy retry = DEFAULT_RETRY;
        private Long seed;

        private Builder(String service) {
            this.service = service;
        }

        /**
         * @param host the agent's host; default 127.0.0.1
         * @param port the agent's HTTP port; default 8500
         * @return this builder
         */
        public Builder agent(String host, int port) {
            this.host = host;
            this.port = port;
            return this;
        }

        /**
         * @param https whether to speak HTTPS to the agent (with the JVM's trust store); default false
         * @return this builder
         */
        public Builder https(boolean https) {
            this.scheme = https ? "https" : "http";
            return this;
        }

        /**
         * @param tag a tag every instance must have; may be given several times
         * @return this builder
         */
        public Builder tag(String tag) {
            this.tags.add(tag);
            return this;
        }

        /**
         * @param datacenter the datacenter to ask about; default the agent's
         * @return this builder
         */
        public Builder datacenter(String datacenter) {
            this.datacenter = datacenter;
            return this;
        }

        /**
         * @param consistency Consul's consistency mode; default {@link Consistency#DEFAULT}
         * @return this builder
         */
        public Builder consistency(Consistency consistency) {
            this.consistency = consistency;
            return this;
        }

        /**
         * @param accept whether instances whose worst check is {@code warning} count (with their warning
         *               weight); default false: passing only
         * @return this builder
         */
        public Builder acceptWarning(boolean accept) {
            this.acceptWarning = accept;
            return this;
        }

        /**
         * @param token the ACL token, sent in the {@code X-Consul-Token} header; asked for on every request (once
         *              per blocking query), so a rotated token is used from the next query on. Null or empty:
         *              no header. If it throws, that request fails like any other and is retried.
         * @return this builder
         */
        public Builder token(Supplier<String> token) {
            this.token = token;
            return this;
        }

        /**
         * @param wait how long a blocking query may wait for a change, 1 s to 9 min; default 5 min
         * @return this builder
         */
        public Builder wait(Duration wait) {
            this.wait = wait;
            return this;
        }

        /**
         * @param interval the shortest spacing between requests, {@code > 0}; default 100 ms
         * @return this builder
         */
        public Builder minInterval(Duration interval) {
            this.minInterval = interval;
            return this;
        }

        /**
         * @param timeout how long connecting to the agent may take, {@code > 0}; default 5 s
         * @return this builder
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /**
         * @param margin added to wait and Consul's jitter to make the read timeout, {@code >= 0}; default 15 s
         * @return this builder
         */
        public Builder readTimeoutMargin(Duration margin) {
            this.readTimeoutMargin = margin;
            return this;
        }

        /**
         * @param retry delays between attempts after failures; default 1 s doubling to 1 min, ±20 %
         * @return this builder
         */
        public Builder retryBackoff(BackoffPolicy retry) {
            this.retry = retry;
            return this;
        }

        /**
         * @param seed seeds the jitter, for tests
         * @return this builder
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * @return the resolver (not started: a pool starts it)
         * @throws IllegalArgumentException naming a bad setting and its value
         */
        public ConsulResolver build() {
            if (service == null || service.isBlank() || !service.matches("[A-Za-z0-9._-]+")) {
                throw new IllegalArgumentException("service: '" + service
                        + "' (expected: a Consul service name of A-Z a-z 0-9 . _ -)");
            }
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("agent host: '" + host + "' (expected: a host name or address)");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("agent port: " + port + " (expected: 1..65535)");
            }
            for (String tag : tags) {
                if (tag == null || tag.isBlank()) {
                    throw new IllegalArgumentException("tag: '" + tag + "' (expected: a non-empty tag)");
                }
            }
            if (datacenter != null && datacenter.isBlank()) {
                throw new IllegalArgumentException("datacenter: '' (expected: a datacenter name, or none)");
            }
            Objects.requireNonNull(consistency, "consistency must not be null");
            Objects.requireNonNull(retry, "retryBackoff must not be null");
            Objects.requireNonNull(wait, "wait must not be null");
            if (wait.toSeconds() < 1 || wait.compareTo(MAX_WAIT) > 0) {
                throw new IllegalArgumentException("wait: " + wait + " (expected: 1 s to 9 min; Consul caps it at "
                        + "10 min and adds up to 1/16 of jitter)");
            }
            positive("minInterval", minInterval, false);
            positive("connectTimeout", connectTimeout, false);
            positive("readTimeoutMargin", readTimeoutMargin, true);
            return new ConsulResolver(this);
        }

        private static void positive(String name, Duration d, boolean zeroOk) {
            Objects.requireNonNull(d, name + " must not be null");
            if (d.isNegative() || (!zeroOk && d.isZero())) {
                throw new IllegalArgumentException(name + ": " + d + " (expected: " + (zeroOk ? ">= 0" : "> 0") + ")");
            }
        }
    }
}
