package io.cueball.tests;

import static io.cueball.tests.Fixture.awaitSettled;
import static io.cueball.tests.Fixture.openPerLiveBackend;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.Backend;
import io.cueball.HostSelection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IntSummaryStatistics;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * 16 threads claiming and releasing against a pool of 8 over real TCP backends for at least 10 000 claims,
 * while backends are added and removed.
 */
class StressTest {

    /**
     * Round-robin claims lock-free from the shared ring; the others choose each claim's backend under the lock
     * (Choice), with idle connections kept per backend: both paths under the same churn.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"round-robin", "least-in-use", "softmax:0.2"})
    void sixteenThreadsOnAPoolOfEightWhileBackendsComeAndGo(String strategy) {
        Duration claimTimeout = Duration.ofSeconds(5);
        try (Fixture f = Fixture.withServers(6, 4)) {
            var pool = f.builder("stress").maxConnections(8).claimTimeout(claimTimeout)
                    .hostSelection(HostSelection.parse(strategy)).build();
            awaitSettled(pool, 8);
            Random random = new Random(Fixture.SEED);
            List<Backend> reported = new ArrayList<>(f.resolver.backends());
            int changes = 0;
            try (Workload work = new Workload(pool, 16).start()) {
                while (work.claims.get() < 10_000 || changes < 40) {
                    Backend b = f.backend(random.nextInt(6));
                    if (reported.contains(b) && reported.size() > 2) {
                        f.resolver.remove(b);
                        reported.remove(b);
                        changes++;
                    } else if (!reported.contains(b)) {
                        f.resolver.add(b);
                        reported.add(b);
                        changes++;
                    }
                    long next = work.claims.get() + 100;
                    await().atMost(30, TimeUnit.SECONDS).until(() -> work.claims.get() >= next);
                }
                work.stop();
                assertEquals(0, work.doubleHolders.get(), "never two holders of one connection");
                assertTrue(work.unexpected.isEmpty(), () -> "unexpected: " + work.unexpected);
                assertTrue(work.claimErrors.isEmpty(), () -> "claims failed: " + work.claimErrors);
                assertTrue(work.maxClaimNanos.get() < claimTimeout.toNanos(),
                        "no claim outlived its timeout: longest " + work.maxClaimNanos.get() / 1_000_000 + " ms");
                assertTrue(work.claims.get() >= 10_000, "claims: " + work.claims.get());
            }

            // Settled: counts per live backend within one of each other, all of the pool in use.
            await().atMost(10, TimeUnit.SECONDS).until(() -> {
                var open = openPerLiveBackend(pool);
                IntSummaryStatistics s = open.values().stream().mapToInt(Integer::intValue).summaryStatistics();
                return open.size() == reported.size() && s.getSum() == 8 && s.getMax() - s.getMin() <= 1
                        && pool.stats().connecting() == 0 && pool.stats().closing() == 0;
            });
            assertEquals(reported.size(), pool.stats().backendsLive());

            pool.close();
            assertTrue(f.factory.made().size() > 8, "churn replaced connections: " + f.factory.made().size());
            assertEquals(List.of(), f.factory.open(), "every connection the factory opened is closed");
            assertEquals(List.of(), f.factory.closedMoreThanOnce(), "and closed exactly once");
        }
    }
}
