package io.cueball.tests;

import static org.awaitility.Awaitility.await;

import io.cueball.Backend;
import io.cueball.BackendStats;
import io.cueball.BackendStatus;
import io.cueball.ConnectionPool;
import io.cueball.PoolStats;
import io.cueball.conn.tcp.TcpConnection;
import io.cueball.conn.tcp.TcpConnectionFactory;
import io.cueball.testing.ManualResolver;
import io.cueball.testing.RecordingListener;
import io.cueball.testing.TestTcpServer;
import io.cueball.testing.TrackingFactory;
import java.io.IOException;
import org.awaitility.Awaitility;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Real loopback TCP backends, a manual resolver over them, a tracking TCP factory and a recording listener:
 * what most engine tests start from.
 */
final class Fixture implements AutoCloseable {
    static final long SEED = 20261124L;

    static {
        // Conditions here flip within milliseconds; Awaitility's defaults (100 ms delay and interval) would make
        // the suite mostly waiting.
        Awaitility.setDefaultPollDelay(Duration.ZERO);
        Awaitility.setDefaultPollInterval(Duration.ofMillis(5));
    }

    final List<TestTcpServer> servers = new ArrayList<>();
    final ManualResolver resolver = new ManualResolver();
    final TrackingFactory<TcpConnection> factory = new TrackingFactory<>(
            TcpConnectionFactory.builder().connectTimeout(Duration.ofSeconds(2)).build());
    final RecordingListener events = new RecordingListener();
    final List<ConnectionPool<?>> pools = new ArrayList<>();
    /**
     * Threads for a test's concurrent steps (a waiting claim, a close). Not the common ForkJoinPool: on two
     * cores it has a single worker, and a blocked claim there would starve the close meant to release it.
     */
    final ExecutorService async = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "test-async");
        t.setDaemon(true);
        return t;
    });

    /** Starts {@code n} servers; the resolver reports the first {@code reported} of them. */
    static Fixture withServers(int n, int reported) {
        Fixture f = new Fixture();
        for (int i = 0; i < n; i++) {
            TestTcpServer s = TestTcpServer.start();
            f.servers.add(s);
            if (i < reported) {
                f.resolver.add(s.backend());
            }
        }
        return f;
    }

    static Fixture withServers(int n) {
        return withServers(n, n);
    }

    TestTcpServer server(int i) {
        return servers.get(i);
    }

    Backend backend(int i) {
        return servers.get(i).backend();
    }

    /** A builder with the fixture's resolver, factory, listener, a seeded random and a short rebalance delay. */
    ConnectionPool.Builder<TrackingFactory.Tracked<TcpConnection>> builder(String name) {
        return ConnectionPool.builder(resolver, factory)
                .name(name)
                .listener(events)
                .random(new Random(SEED))
                .rebalanceDelay(Duration.ofMillis(20))
                .claimTimeout(Duration.ofSeconds(5))
                .closeTimeout(Duration.ofSeconds(5));
    }

    <P extends ConnectionPool<?>> P track(P pool) {
        pools.add(pool);
        return pool;
    }

    /** Waits until nothing is connecting or closing and the pool holds {@code total} connections. */
    static void awaitSettled(ConnectionPool<?> pool, int total) {
        await().atMost(10, TimeUnit.SECONDS).until(() -> {
            PoolStats s = pool.stats();
            return s.connecting() == 0 && s.closing() == 0 && s.idle() + s.claimed() == total;
        });
    }

    /**
     * Waits until the test servers themselves have accepted what the pool holds: a client's connect can
     * complete before the server's accept loop has seen it, and a server cannot drop what it has not seen.
     */
    void awaitServersHold(int... perServer) {
        await().atMost(10, TimeUnit.SECONDS).until(() -> {
            for (int i = 0; i < perServer.length; i++) {
                if (servers.get(i).openConnections() != perServer[i]) {
                    return false;
                }
            }
            return true;
        });
    }

    /**
     * Waits until the listener has seen exactly {@code n} events of a kind (for a backend, if not null).
     * Listener calls are delivered after the pool's lock is released, possibly by another thread, so a test
     * awaits them rather than asserting at once.
     */
    void awaitEvents(RecordingListener.Kind kind, String backend, int n) {
        await().atMost(10, TimeUnit.SECONDS)
                .until(() -> (backend == null ? events.count(kind) : events.count(kind, backend)) == n);
    }

    /** Claims (and at once releases) on another thread; completes with what the claim threw, or null. */
    CompletableFuture<Throwable> claimInBackground(ConnectionPool<?> pool, Duration timeout) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                pool.claim(timeout).close();
                return null;
            } catch (RuntimeException e) {
                return e;
            }
        }, async);
    }

    /** Open connections per live backend key, from the pool's stats. */
    static Map<String, Integer> openPerLiveBackend(ConnectionPool<?> pool) {
        Map<String, Integer> m = new TreeMap<>();
        for (BackendStats b : pool.stats().backends()) {
            if (b.status() == BackendStatus.LIVE) {
                m.put(b.backend().key(), b.open());
            }
        }
        return m;
    }

    /** Writes a byte and reads the echo: proves the connection works end to end. */
    static void roundTrip(TcpConnection c, int value) {
        try {
            c.output().write(value);
            c.output().flush();
            int echoed = c.input().read();
            if (echoed != value) {
                throw new IOException("echo " + echoed + " for " + value);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean threadsOfPoolAlive(String poolName) {
        String prefix = "cueball-" + poolName + "-";
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.isAlive() && t.getName().startsWith(prefix));
    }

    @Override
    public void close() {
        pools.forEach(ConnectionPool::close);
        servers.forEach(TestTcpServer::close);
        async.shutdownNow();
    }
}
