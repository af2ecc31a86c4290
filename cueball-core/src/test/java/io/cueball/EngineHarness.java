package io.cueball;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One pool under test with everything around it in memory: a manual clock, a manual executor, an in-memory
 * factory and resolver and a recording listener. A test makes one in a field and calls {@link #close()} from
 * {@code @AfterEach}; that runs the pool's work inline first, so closing never waits in real time.
 */
final class EngineHarness implements AutoCloseable {
    static final long SEED = 20240611L;

    static final Backend A = Backend.of("a.test", 5432);
    static final Backend B = Backend.of("b.test", 5432);
    static final Backend C = Backend.of("c.test", 5432);

    static final Duration REBALANCE_DELAY = Duration.ofMillis(100);

    final ManualPoolClock clock = new ManualPoolClock();
    final ManualExecutor executor = new ManualExecutor();
    final MemoryFactory factory = new MemoryFactory(clock);
    final RecordingPoolListener listener = new RecordingPoolListener(clock);
    MemoryResolver resolver;
    ConnectionPool<MemoryConnection> pool;
    /** The clock's reading when the pool was built: the instant its timers count from. */
    long t0;

    /**
     * A builder with the test seams and deterministic defaults: a seeded random, backoff 100 ms doubling to
     * 30 s with no jitter, rebalance delay 100 ms, and closeTimeout 0 so that closing never waits for claims a
     * test still holds.
     */
    ConnectionPool.Builder<MemoryConnection> builder(Backend... initial) {
        resolver = new MemoryResolver(initial);
        return ConnectionPool.builder(resolver, factory)
                .name("engine-test")
                .clock(clock)
                .executor(executor)
                .random(new Random(SEED))
                .listener(listener)
                .rebalanceDelay(REBALANCE_DELAY)
                .backoff(new BackoffPolicy(Duration.ofMillis(100), Duration.ofSeconds(30), 0))
                .closeTimeout(Duration.ZERO);
    }

    ConnectionPool<MemoryConnection> start(ConnectionPool.Builder<MemoryConnection> builder) {
        t0 = clock.nanoTime();
        pool = builder.build();
        return pool;
    }

    /** Builds the pool and brings it up: the first rebalance, with every connect run. */
    ConnectionPool<MemoryConnection> startAndSettle(ConnectionPool.Builder<MemoryConnection> builder) {
        start(builder);
        clock.advance(REBALANCE_DELAY);
        executor.runAll();
        return pool;
    }

    /** Moves the clock to {@code sinceStart} after the pool was built. */
    void advanceTo(Duration sinceStart) {
        long target = t0 + sinceStart.toNanos();
        long now = clock.nanoTime();
        if (target < now) {
            throw new IllegalArgumentException("already " + Duration.ofNanos(now - t0) + " since start, not going back to "
                    + sinceStart);
        }
        clock.advanceNanos(target - now);
    }

    /** @return how long since the pool was built, by the manual clock */
    Duration sinceStart() {
        return Duration.ofNanos(clock.nanoTime() - t0);
    }

    /** What invariant 1 limits (PoolEngine's countable), read under the pool's lock. */
    int countable() {
        pool.engine().lock();
        try {
            return pool.engine().countable;
        } finally {
            pool.engine().unlock();
        }
    }

    BackendStats stats(Backend b) {
        return pool.stats().backend(b.key()).orElseThrow(() -> new AssertionError(b.key() + " unknown to the pool: "
                + pool.stats().backends()));
    }

    boolean knows(Backend b) {
        return pool.stats().backend(b.key()).isPresent();
    }

    /** Claims every idle connection, oldest first, without waiting. */
    List<Claim<MemoryConnection>> claimAll() {
        List<Claim<MemoryConnection>> claims = new ArrayList<>();
        Optional<Claim<MemoryConnection>> c;
        while ((c = pool.tryClaim()).isPresent()) {
            claims.add(c.get());
        }
        return claims;
    }

    /**
     * One use of {@code b}: claims in queue order until it gets a connection of {@code b}, holding the others;
     * ends that claim with {@code end} (close, discard, fail, report...); then releases the others, which records
     * a success for their backends. With threadAffinity 0 each call is exactly one outcome of {@code b}.
     *
     * @return the connection of {@code b} that was used
     */
    MemoryConnection useOnce(Backend b, Consumer<Claim<MemoryConnection>> end) {
        List<Claim<MemoryConnection>> others = new ArrayList<>();
        try {
            for (;;) {
                Claim<MemoryConnection> claim = pool.tryClaim().orElseThrow(() -> new AssertionError(
                        "no idle connection of " + b.key() + ": " + pool.stats()));
                if (claim.backend().key().equals(b.key())) {
                    MemoryConnection c = claim.connection();
                    end.accept(claim);
                    return c;
                }
                others.add(claim);
            }
        } finally {
            others.forEach(Claim::close);
        }
    }

    /**
     * The hosts the idle queue serves, oldest first: claims every idle connection, then releases them in the
     * same order, which leaves the queue as it was (with threadAffinity 0).
     */
    List<String> claimOrder() {
        List<Claim<MemoryConnection>> claims = claimAll();
        List<String> order = new ArrayList<>();
        for (Claim<MemoryConnection> c : claims) {
            order.add(c.backend().host());
        }
        for (Claim<MemoryConnection> c : claims) {
            c.close();
        }
        return order;
    }

    @Override
    public void close() {
        if (pool == null) {
            return;
        }
        executor.inline(); // close() waits in real time for work in flight: let none be
        pool.close();
        assertEquals(PoolState.CLOSED, pool.state());
        assertTrue(factory.closedMoreThanOnce().isEmpty(),
                "connections closed more than once (invariant 4): " + factory.closedMoreThanOnce());
    }

    /** A daemon thread, not yet started, that claims (30 s timeout) and completes {@code got} with what it held. */
    static Thread claimingThread(ConnectionPool<MemoryConnection> pool, String name,
            CompletableFuture<MemoryConnection> got) {
        Thread t = new Thread(() -> {
            try (Claim<MemoryConnection> c = pool.claim(Duration.ofSeconds(30))) {
                got.complete(c.connection());
            } catch (RuntimeException e) {
                got.completeExceptionally(e);
            }
        }, name);
        t.setDaemon(true);
        return t;
    }
}
