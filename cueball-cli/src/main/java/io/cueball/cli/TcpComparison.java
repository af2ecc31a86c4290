package io.cueball.cli;

import io.cueball.Claim;
import io.cueball.ConnectionPool;
import io.cueball.HostSelection;
import io.cueball.PoolStats;
import io.cueball.conn.tcp.TcpConnection;
import io.cueball.conn.tcp.TcpConnectionFactory;
import io.cueball.resolver.fixed.StaticResolver;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code cueball simulate --scenario tcp}: the strategies compared on real sockets. One {@link FlakyServer} per
 * backend on loopback; per strategy and run a fresh {@link ConnectionPool} over them, built with
 * {@code hostSelection(strategy)}, {@value #PER_BACKEND} connections per backend, no thread affinity (every claim
 * goes through the pool's choice), no outlier ejection (which would take the failing backends away and compare
 * something else) and a score decay of {@link #SCORE_DECAY} (200 ms). The pool then acts on the strategy twice:
 * each claim picks its backend among those with an idle connection, and the shares are re-planned from the
 * scores at every score tick, here every 10 ms (with the default minute it would tick every 3 s, after a run).
 *
 * <p>One thread makes {@code horizon} requests in turn, started at {@code rate} per second (or as soon as the
 * previous one ends, if it ran late): claim, send a byte, read the answer. The pool learns each outcome the way
 * an application tells it: a plain {@link Claim#close()} for a success; {@link Claim#report(double) report(0)}
 * then close for a failure the backend answered (the connection is sound, so it is kept, as an application error
 * should be); {@link Claim#fail(Throwable)} if the connection itself broke. Which backend served a trial is
 * {@link Claim#backend()}.
 *
 * <p>Seeded like the model: run r of every strategy gives the servers the same seeds and the pool the same
 * random source. The pool's ticks follow the real clock, so the numbers vary a little from one run to the next.
 */
final class TcpComparison {
    /** Connections per backend in each pool. */
    static final int PER_BACKEND = 3;
    /** The pools' score decay: short, so that the pool learns within a run of a few hundred milliseconds. */
    static final Duration SCORE_DECAY = Duration.ofMillis(200);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration IO_TIMEOUT = Duration.ofSeconds(2);

    private TcpComparison() {
    }

    /**
     * Runs every strategy.
     *
     * @param backends   the backends (their p only)
     * @param strategies the strategies
     * @param horizon    requests per run
     * @param runs       runs per strategy
     * @param seed       the seed
     * @param rate       requests started per second, {@code > 0}
     * @return one result per strategy, in order
     * @throws IllegalStateException if a pool does not open its connections within 10 s, or a claim fails
     */
    static List<Tally.Result> run(List<SimBackend> backends, List<HostSelection> strategies, int horizon, int runs,
            long seed, double rate) throws InterruptedException {
        List<FlakyServer> servers = new ArrayList<>();
        try {
            Map<String, Integer> index = new HashMap<>();
            for (SimBackend b : backends) {
                FlakyServer server = FlakyServer.start(b.p());
                index.put(server.backend().key(), servers.size());
                servers.add(server);
            }
            double bestP = backends.stream().mapToDouble(SimBackend::p).max().orElseThrow();
            List<Tally.Result> results = new ArrayList<>();
            for (HostSelection strategy : strategies) {
                Tally tally = new Tally(strategy, backends.size(), horizon);
                SplittableRandom root = new SplittableRandom(seed);
                for (int r = 0; r < runs; r++) {
                    SplittableRandom world = root.split();
                    SplittableRandom choices = root.split();
                    for (FlakyServer s : servers) {
                        s.reseed(world.nextLong());
                    }
                    oneRun(strategy, servers, index, horizon, rate, choices, tally);
                    tally.endRun();
                }
                results.add(tally.result(bestP));
            }
            return results;
        } finally {
            servers.forEach(FlakyServer::close);
        }
    }

    private static void oneRun(HostSelection strategy, List<FlakyServer> servers, Map<String, Integer> index,
            int horizon, double rate, SplittableRandom choices, Tally tally) throws InterruptedException {
        int max = PER_BACKEND * servers.size();
        StaticResolver resolver = new StaticResolver(servers.stream().map(FlakyServer::backend).toList());
        TcpConnectionFactory factory = TcpConnectionFactory.builder().connectTimeout(IO_TIMEOUT)
                .readTimeout(IO_TIMEOUT).build();
        ConnectionPool<TcpConnection> pool = ConnectionPool.builder(resolver, factory)
                .name("simulate-" + strategy.toString().replace(':', '_'))
                .maxConnections(max)
                .hostSelection(strategy)
                .threadAffinity(0)
                .rebalanceDelay(Duration.ZERO) // the backends are all there at once: open at once
                .maxEjectionPercent(0)
                .scoreDecay(SCORE_DECAY)
                .claimTimeout(IO_TIMEOUT)
                .random(choices)
                .build();
        try {
            awaitOpen(pool, max);
            long start = System.nanoTime();
            for (int i = 0; i < horizon; i++) {
                long due = start + (long) (i * 1e9 / rate);
                for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                    LockSupport.parkNanos(wait);
                }
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                Claim<TcpConnection> claim = pool.claim();
                int backend = index.get(claim.backend().key());
                double outcome;
                try {
                    TcpConnection c = claim.connection();
                    c.output().write('?');
                    c.output().flush();
                    int answer = c.input().read();
                    if (answer == FlakyServer.SUCCESS) {
                        outcome = 1;
                    } else if (answer == FlakyServer.FAILURE) {
                        outcome = 0;
                        claim.report(0);
                    } else {
                        throw new IOException(answer < 0 ? "connection closed by the backend"
                                : "unexpected answer " + answer);
                    }
                } catch (IOException e) {
                    claim.fail(e); // before close: the connection is closed and replaced, not handed out again
                    outcome = 0;
                } finally {
                    claim.close();
                }
                tally.record(i, backend, outcome, false);
            }
        } finally {
            pool.close();
        }
    }

    /** Waits, polling its stats, until the pool has opened all its connections, so no run starts lopsided. */
    private static void awaitOpen(ConnectionPool<TcpConnection> pool, int max) throws InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        PoolStats stats = pool.stats();
        while (stats.idle() < max) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("tcp scenario: the pool opened " + stats.idle() + " of its "
                        + Words.count(max, "connection") + " to the loopback servers in " + READY_TIMEOUT.toSeconds()
                        + " s: " + stats);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            stats = pool.stats();
        }
    }
}
