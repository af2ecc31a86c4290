package io.cueball.cli;

import io.cueball.Backend;
import io.cueball.BackoffPolicy;
import io.cueball.ConnectionSet;
import io.cueball.ConnectionSetListener;
import io.cueball.ConnectionSetStats;
import io.cueball.PoolListener;
import io.cueball.conn.mux.MuxConnection;
import io.cueball.conn.mux.MuxConnectionFactory;
import io.cueball.resolver.fixed.StaticResolver;
import io.cueball.testing.TestMuxServer;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code cueball demo --mux}: a {@link ConnectionSet} of two multiplexed connections per backend over embedded
 * {@link TestMuxServer}s, workers keeping requests in flight on shared connections, and a story: a backend added,
 * one killed and restarted, one removed (its connections drain: the requests on them finish first). The view shows
 * requests in flight per backend and per connection.
 */
final class MuxDemo {
    private static final int PER_BACKEND = 2;
    /** Requests each worker keeps in flight at once (asynchronously, on leases of the set). */
    private static final int PIPELINE = 4;
    private static final String CLEAR = "\033[H\033[2J";

    private final PrintWriter out;
    private final boolean terminal;
    private final Duration length;
    private final int workers;
    private final long seed;
    private final ReentrantLock lock = new ReentrantLock();
    /** Recent events, newest last; guarded by lock. */
    private final Deque<String> recent = new ArrayDeque<>();
    private final long start = System.nanoTime();
    private final LongAdder served = new LongAdder();
    private final LongAdder failed = new LongAdder();

    MuxDemo(PrintWriter out, boolean plain, Duration length, int workers, long seed) {
        this.out = out;
        this.terminal = !plain && LiveView.isTerminal();
        this.length = length;
        this.workers = workers;
        this.seed = seed;
    }

    private record Step(double at, String label, Runnable action) {
    }

    int run() throws InterruptedException {
        List<TestMuxServer> servers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            servers.add(TestMuxServer.start());
        }
        List<Backend> backends = servers.stream().map(TestMuxServer::backend).toList();
        StaticResolver resolver = new StaticResolver(backends.subList(0, 3));
        ConnectionSet<MuxConnection> set = ConnectionSet.builder(resolver, MuxConnectionFactory.builder()
                        .connectTimeout(Duration.ofSeconds(1)).requestTimeout(Duration.ofSeconds(2)).build())
                .name("demo-mux")
                .connectionsPerBackend(PER_BACKEND)
                .backoff(new BackoffPolicy(Duration.ofMillis(100), Duration.ofMillis(500), 0.2))
                .drainTimeout(Duration.ofSeconds(5))
                .random(new Random(seed))
                .listener(new ConnectionSetListener() {
                    @Override
                    public void connectionDraining(String id, Backend backend, String reason) {
                        note("connection " + id + " draining: " + reason);
                    }

                    @Override
                    public void connectionClosed(String id, Backend backend, long leasesServed, int leasesCut) {
                        // "cut": leases still open when the drain timeout closed it; a connection that broke
                        // failed its requests in flight, which the draining line said
                        note("connection " + id + " closed after " + leasesServed + " requests"
                                + (leasesCut > 0 ? ", " + leasesCut + " leases cut by the drain timeout" : ""));
                    }
                })
                .poolListener(new PoolListener() {
                    @Override
                    public void backendDead(Backend backend, Throwable lastError) {
                        note("backend " + backend.key() + " dead");
                    }

                    @Override
                    public void backendAlive(Backend backend) {
                        note("backend " + backend.key() + " alive again");
                    }
                })
                .build();
        List<Step> steps = List.of(
                new Step(0.15, "added backend " + backends.get(3).key(), () -> resolver.add(backends.get(3))),
                new Step(0.35, "killed backend " + backends.get(1).key(), () -> servers.get(1).kill()),
                new Step(0.55, "restarted backend " + backends.get(1).key(), () -> servers.get(1).resume()),
                new Step(0.75, "removed backend " + backends.get(0).key() + " (its requests in flight finish first)",
                        () -> resolver.remove(backends.get(0))));
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            Random random = new Random(seed * 31 + w);
            Thread t = new Thread(() -> work(set, random, running), "cueball-demo-mux-worker-" + (w + 1));
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        try {
            long end = length.toNanos();
            long frame = TimeUnit.MILLISECONDS.toNanos(terminal ? 500 : 1000);
            long nextFrame = frame;
            int next = 0;
            String story = "three backends, " + PER_BACKEND + " connections each, " + workers + " workers with "
                    + PIPELINE + " requests in flight each";
            long lastServed = 0;
            long lastAt = System.nanoTime();
            while (elapsed() < end) {
                long now = elapsed();
                while (next < steps.size() && now >= (long) (steps.get(next).at() * end)) {
                    Step step = steps.get(next++);
                    step.action().run();
                    story = String.format(Locale.ROOT, "%.1fs %s", now / 1e9, step.label());
                    note(step.label());
                }
                if (now >= nextFrame) {
                    long s = served.sum();
                    long t = System.nanoTime();
                    double rate = (s - lastServed) * 1e9 / Math.max(1, t - lastAt);
                    lastServed = s;
                    lastAt = t;
                    draw(set.stats(), story, rate);
                    nextFrame += frame;
                }
                long sleep = Math.min(nextFrame, next < steps.size() ? (long) (steps.get(next).at() * end) : end)
                        - elapsed();
                if (sleep > 0) {
                    TimeUnit.NANOSECONDS.sleep(Math.min(sleep, frame));
                }
            }
        } finally {
            running.set(false);
            for (Thread t : threads) {
                t.join(5_000);
            }
            ConnectionSetStats last = set.stats();
            set.close();
            servers.forEach(TestMuxServer::close);
            out.printf(Locale.ROOT, "%nsummary after %.1f s: %,d requests served, %,d failed (the demo kills %s on "
                    + "purpose), %,d leases over %d connections at the end%n", length.toMillis() / 1e3, served.sum(),
                    failed.sum(), backends.get(1).key(), last.leasesServed(), last.connections());
            out.flush();
        }
        return 0;
    }

    /** A worker: keeps PIPELINE requests in flight, each on its own lease, with a delay of 0 to 20 ms each. */
    private void work(ConnectionSet<MuxConnection> set, Random random, AtomicBoolean running) {
        List<CompletableFuture<byte[]>> batch = new ArrayList<>(PIPELINE);
        while (running.get()) {
            batch.clear();
            for (int i = 0; i < PIPELINE; i++) {
                String request = "sleep " + random.nextInt(21) + " hello";
                try {
                    batch.add(MuxConnection.sendOn(set.acquire(Duration.ofSeconds(2)),
                            request.getBytes(StandardCharsets.UTF_8)));
                } catch (RuntimeException e) {
                    failed.increment();
                }
            }
            for (CompletableFuture<byte[]> f : batch) {
                try {
                    f.get(5, TimeUnit.SECONDS);
                    served.increment();
                } catch (Exception e) {
                    failed.increment();
                }
            }
        }
    }

    private void draw(ConnectionSetStats s, String story, double rate) {
        StringBuilder b = new StringBuilder();
        if (terminal) {
            b.append(CLEAR);
            b.append(String.format(Locale.ROOT, "cueball demo --mux   set '%s' %s   %.1f s%n%n", s.name(), s.state(),
                    elapsed() / 1e9));
            b.append(String.format(Locale.ROOT, "requests/s %,8.0f   in flight %d   failed %d%n%n", rate,
                    s.leasesInFlight(), failed.sum()));
            b.append(String.format(Locale.ROOT, "%-22s %-8s %5s %8s %9s  %s%n", "backend", "state", "conns",
                    "draining", "in flight", "per connection (requests in flight)"));
            for (ConnectionSetStats.BackendLoad l : s.backends()) {
                StringBuilder per = new StringBuilder();
                for (ConnectionSetStats.ConnectionLoad c : s.connectionLoads()) {
                    if (c.backend().equals(l.backend())) {
                        per.append(c.id().substring(c.id().lastIndexOf('.') + 1)).append(':')
                                .append(c.leasesInFlight()).append(c.draining() ? "(draining) " : " ");
                    }
                }
                b.append(String.format(Locale.ROOT, "%-22s %-8s %5d %8d %9d  %s%n", l.backend().key(),
                        l.status().name().toLowerCase(Locale.ROOT), l.connections(), l.draining(),
                        l.leasesInFlight(), per.toString().trim()));
            }
            b.append(String.format("%nevents:%n"));
            lock.lock();
            try {
                recent.forEach(e -> b.append("  ").append(e).append('\n'));
            } finally {
                lock.unlock();
            }
            b.append("story: ").append(story).append('\n');
        } else {
            b.append(String.format(Locale.ROOT, "%6.1fs requests/s %.0f in-flight %d failed %d |", elapsed() / 1e9,
                    rate, s.leasesInFlight(), failed.sum()));
            for (ConnectionSetStats.BackendLoad l : s.backends()) {
                StringBuilder per = new StringBuilder();
                for (ConnectionSetStats.ConnectionLoad c : s.connectionLoads()) {
                    if (c.backend().equals(l.backend())) { // requests in flight per connection; * draining
                        per.append(per.length() == 0 ? "" : " ").append(c.leasesInFlight())
                                .append(c.draining() ? "*" : "");
                    }
                }
                b.append(String.format(Locale.ROOT, " %s %s conns %d in-flight %d [%s]%s;", l.backend().key(),
                        l.status().name().toLowerCase(Locale.ROOT), l.connections(), l.leasesInFlight(), per,
                        l.draining() > 0 ? " draining " + l.draining() : ""));
            }
            b.append('\n');
        }
        out.print(b);
        out.flush();
    }

    private void note(String what) {
        String line = String.format(Locale.ROOT, "%6.1fs %s", elapsed() / 1e9, what);
        lock.lock();
        try {
            recent.addLast(line);
            while (recent.size() > 8) {
                recent.removeFirst();
            }
        } finally {
            lock.unlock();
        }
        if (!terminal) {
            out.println("        event: " + line.trim());
            out.flush();
        }
    }

    private long elapsed() {
        return System.nanoTime() - start;
    }
}
