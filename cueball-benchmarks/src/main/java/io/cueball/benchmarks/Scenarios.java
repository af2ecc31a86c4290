package io.cueball.benchmarks;

import io.cueball.Backend;
import io.cueball.BackendStats;
import io.cueball.BackendStatus;
import io.cueball.Claim;
import io.cueball.ConnectionPool;
import io.cueball.CueballException;
import io.cueball.PoolListener;
import io.cueball.PoolStats;
import io.cueball.conn.tcp.TcpConnection;
import io.cueball.conn.tcp.TcpConnectionFactory;
import io.cueball.resolver.fixed.StaticResolver;
import io.cueball.testing.TestTcpServer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * Failover and convergence on real loopback TCP backends, with the pool's default timings (rebalanceDelay
 * 100 ms, backoff from 100 ms). Prints Markdown tables.
 *
 * <ul>
 *   <li>failover: 3 backends, a pool of 9, 8 workers echoing a byte per claim; one backend is killed. Counts
 *       the failed claims (and on which backend they failed) and times kill to dead, and dead to full size on
 *       the survivors (8 connections: 9 less the dead backend's monitor slot).</li>
 *   <li>convergence: the same pool; a fourth backend is added. Times until it holds its share (2 of 9).</li>
 * </ul>
 */
public final class Scenarios {
    private static final int RUNS = 5;
    private static final int MAX = 9;

    private Scenarios() {
    }

    /**
     * Runs both scenarios {@value #RUNS} times.
     *
     * @param args ignored
     * @throws Exception if a scenario cannot run
     */
    public static void main(String[] args) throws Exception {
        System.out.println("| run | failed claims | of them on the killed backend | kill → dead (ms) "
                + "| dead → full size on survivors (ms) | of which dead → rebalance | and rebalance → full |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (int run = 1; run <= RUNS; run++) {
            failover(run);
        }
        System.out.println();
        connectTime();
        System.out.println();
        System.out.println("| run | backend added → it holds its share (ms) |");
        System.out.println("|---|---|");
        for (int run = 1; run <= RUNS; run++) {
            convergence(run);
        }
    }

    /** Workers that claim, echo a byte, release; a failed echo is discarded and counted. */
    private static final class Workers implements AutoCloseable {
        final AtomicLong served = new AtomicLong();
        final Map<String, AtomicInteger> failedOn = new ConcurrentHashMap<>();
        final AtomicInteger claimErrors = new AtomicInteger();
        private final List<Thread> threads = new ArrayList<>();
        private volatile boolean stop;

        Workers(ConnectionPool<TcpConnection> pool, int n) {
            for (int i = 0; i < n; i++) {
                Thread t = new Thread(() -> {
                    while (!stop) {
                        try (Claim<TcpConnection> claim = pool.claim()) {
                            try {
                                TcpConnection c = claim.connection();
                                c.output().write(7);
                                c.output().flush();
                                if (c.input().read() != 7) {
                                    throw new IOException("no echo");
                                }
                                served.incrementAndGet();
                            } catch (IOException e) {
                                claim.discard();
                                failedOn.computeIfAbsent(claim.backend().key(), k -> new AtomicInteger())
                                        .incrementAndGet();
                            }
                        } catch (CueballException e) {
                            claimErrors.incrementAndGet();
                        }
                    }
                }, "scenario-worker-" + i);
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            for (Thread t : threads) {
                t.join(5_000);
            }
        }
    }

    private static void failover(int run) throws Exception {
        List<TestTcpServer> servers = List.of(TestTcpServer.start(), TestTcpServer.start(), TestTcpServer.start());
        Backend killed = servers.get(2).backend();
        AtomicLong deadAt = new AtomicLong();
        AtomicLong replannedAt = new AtomicLong();
        AtomicLong lastOpenAt = new AtomicLong();
        PoolListener listener = new PoolListener() {
            @Override
            public void backendDead(Backend b, Throwable lastError) {
                deadAt.compareAndSet(0, System.nanoTime());
            }

            @Override
            public void rebalanced(Map<Backend, Integer> targets) {
                if (deadAt.get() != 0) {
                    replannedAt.compareAndSet(0, System.nanoTime());
                }
            }

            @Override
            public void connectionOpened(Backend b) {
                if (deadAt.get() != 0 && !b.equals(killed)) {
                    lastOpenAt.set(System.nanoTime()); // the pool's own moment, not the poller's
                }
            }
        };
        try (ConnectionPool<TcpConnection> pool = pool(servers, listener);
                Workers workers = new Workers(pool, 8)) {
            awaitFor(pool, s -> s.idle() + s.claimed() == MAX && s.connecting() == 0, 10_000);
            long warm = workers.served.get() + 20_000;
            while (workers.served.get() < warm) {
                LockSupport.parkNanos(1_000_000);
            }
            long killAt = System.nanoTime();
            servers.get(2).kill();
            awaitFor(pool, s -> deadAt.get() != 0 && s.connecting() == 0
                    && s.backends().stream().filter(b -> !b.backend().equals(killed))
                            .mapToInt(BackendStats::open).sum() == MAX - 1, 10_000);
            // The pool's own moment: the survivors' last connection opened after the death. Its event can reach
            // the listener a moment after the stats show it, so wait for it.
            long polledAt = System.nanoTime();
            while (lastOpenAt.get() < replannedAt.get() && System.nanoTime() - polledAt < 1_000_000_000L) {
                LockSupport.parkNanos(100_000);
            }
            long fullAt = lastOpenAt.get() >= replannedAt.get() ? lastOpenAt.get() : polledAt;
            workers.close();
            int failed = workers.failedOn.values().stream().mapToInt(AtomicInteger::get).sum()
                    + workers.claimErrors.get();
            int onKilled = workers.failedOn.getOrDefault(killed.key(), new AtomicInteger()).get();
            System.out.printf(Locale.ROOT, "| %d | %d | %d | %.1f | %.1f | %.1f | %.1f |%n", run, failed, onKilled,
                    (deadAt.get() - killAt) / 1e6, (fullAt - deadAt.get()) / 1e6,
                    (replannedAt.get() - deadAt.get()) / 1e6, (fullAt - replannedAt.get()) / 1e6);
        } finally {
            servers.forEach(TestTcpServer::close);
        }
    }

    private static void convergence(int run) throws Exception {
        List<TestTcpServer> servers = List.of(TestTcpServer.start(), TestTcpServer.start(), TestTcpServer.start(),
                TestTcpServer.start());
        StaticResolver resolver = new StaticResolver(servers.subList(0, 3).stream().map(TestTcpServer::backend)
                .toList());
        Backend added = servers.get(3).backend();
        try (ConnectionPool<TcpConnection> pool = ConnectionPool.builder(resolver, TcpConnectionFactory.create())
                        .name("converge").maxConnections(MAX).build();
                Workers workers = new Workers(pool, 8)) {
            awaitFor(pool, s -> s.idle() + s.claimed() == MAX && s.connecting() == 0, 10_000);
            long addAt = System.nanoTime();
            resolver.add(added);
            long shareAt = awaitFor(pool, s -> s.backend(added.key()).map(b -> b.status() == BackendStatus.LIVE
                    && b.open() >= MAX / 4).orElse(false), 10_000); // 2, or 3 if it is first in the pool's preference
            System.out.printf(Locale.ROOT, "| %d | %.1f |%n", run, (shareAt - addAt) / 1e6);
        } finally {
            servers.forEach(TestTcpServer::close);
        }
    }

    /**
     * What "one connect" costs here, the yardstick for the target "full size within rebalanceDelay plus one
     * connect": a TcpConnectionFactory connect to a loopback backend, timed 20 times (after 5 to warm up) on an
     * idle machine, and again while the failover scenario's 8 workers keep both cores busy, as they do while
     * the pool reconnects. Like the pool's, each connect runs on a thread that was parked and must be woken
     * (handed to an executor, timed until it returns), so the time includes waiting for a core.
     */
    private static void connectTime() throws Exception {
        List<TestTcpServer> servers = List.of(TestTcpServer.start(), TestTcpServer.start(), TestTcpServer.start(),
                TestTcpServer.start());
        try {
            TestTcpServer target = servers.get(3);
            String idle = connects(target);
            String busy;
            try (ConnectionPool<TcpConnection> pool = pool(servers.subList(0, 3), null);
                    Workers workers = new Workers(pool, 8)) {
                awaitFor(pool, s -> s.idle() + s.claimed() == MAX && s.connecting() == 0, 10_000);
                busy = connects(target);
            }
            System.out.printf(Locale.ROOT, "One connect to a loopback backend (TcpConnectionFactory, 20 in a row): "
                    + "%s on an idle machine; %s while 8 workers run. The target: dead → full size within "
                    + "rebalanceDelay (100 ms) plus one connect.%n", idle, busy);
        } finally {
            servers.forEach(TestTcpServer::close);
        }
    }

    private static String connects(TestTcpServer server) throws Exception {
        TcpConnectionFactory factory = TcpConnectionFactory.create();
        long[] nanos = new long[20];
        java.util.concurrent.ExecutorService connector = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            for (int i = -5; i < nanos.length; i++) {
                LockSupport.parkNanos(2_000_000); // let the connector thread park
                long start = System.nanoTime();
                TcpConnection c = connector.submit(() -> factory.connect(server.backend())).get();
                long took = System.nanoTime() - start;
                c.close();
                if (i >= 0) {
                    nanos[i] = took;
                }
            }
        } finally {
            connector.shutdown();
        }
        java.util.Arrays.sort(nanos);
        return String.format(Locale.ROOT, "median %.2f ms, slowest %.2f ms", nanos[nanos.length / 2] / 1e6,
                nanos[nanos.length - 1] / 1e6);
    }

    private static ConnectionPool<TcpConnection> pool(List<TestTcpServer> servers, PoolListener listener) {
        return ConnectionPool.builder(new StaticResolver(servers.stream().map(TestTcpServer::backend).toList()),
                TcpConnectionFactory.create()).name("failover").maxConnections(MAX).listener(listener).build();
    }

    /** Polls the pool's stats every 100 µs until the condition holds; returns when it first did. */
    private static long awaitFor(ConnectionPool<?> pool, Predicate<PoolStats> condition, long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < deadline) {
            if (condition.test(pool.stats())) {
                return System.nanoTime();
            }
            LockSupport.parkNanos(100_000);
        }
        throw new IllegalStateException("condition not reached within " + timeoutMs + " ms: " + pool.stats());
    }
}
