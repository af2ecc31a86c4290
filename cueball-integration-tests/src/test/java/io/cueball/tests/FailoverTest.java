package io.cueball.tests;

import static io.cueball.tests.Fixture.awaitSettled;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.BackendStats;
import io.cueball.BackendStatus;
import io.cueball.BackoffPolicy;
import io.cueball.testing.RecordingListener.Kind;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A backend killed under load, in real time: only its own connections fail, and the others take its share. */
class FailoverTest {

    @Test
    void killedBackendsShareMovesToTheSurvivorsAndReturnsWhenItDoes() {
        BackoffPolicy fast = new BackoffPolicy(Duration.ofMillis(10), Duration.ofMillis(100), 0.2);
        try (Fixture f = Fixture.withServers(3)) {
            var pool = f.track(f.builder("failover").maxConnections(8).backoff(fast).build());
            awaitSettled(pool, 8);
            String killed = f.backend(2).key();
            try (Workload work = new Workload(pool, 8).start()) {
                work.awaitClaims(500, Duration.ofSeconds(10));
                f.server(2).kill();
                await().atMost(10, TimeUnit.SECONDS).until(() -> pool.stats().backend(killed).orElseThrow()
                        .status() == BackendStatus.DEAD);
                // Back to full size on the survivors: 8 minus the dead backend's monitor slot.
                await().atMost(10, TimeUnit.SECONDS).until(() -> {
                    var s = pool.stats();
                    int survivors = s.backends().stream().filter(b -> !b.backend().key().equals(killed))
                            .mapToInt(BackendStats::open).sum();
                    return survivors == 7 && s.connecting() == 0;
                });
                long afterFailover = work.claims.get();
                work.awaitClaims(afterFailover + 500, Duration.ofSeconds(10));

                f.server(2).resume();
                await().atMost(10, TimeUnit.SECONDS).until(() -> {
                    BackendStats c = pool.stats().backend(killed).orElseThrow();
                    return c.status() == BackendStatus.LIVE && c.open() >= 2;
                });
                work.stop();
                assertTrue(work.claimErrors.isEmpty(), () -> "every claim succeeded: " + work.claimErrors);
                assertTrue(work.unexpected.isEmpty(), () -> "unexpected: " + work.unexpected);
                assertEquals(Set.of(killed), work.discardsPerBackend.keySet(),
                        "only claims holding a connection to the killed backend failed");
                assertTrue(work.discardsPerBackend.get(killed).get() <= 8,
                        "at most one failure per connection it had: " + work.discardsPerBackend);
            }
            f.awaitEvents(Kind.BACKEND_DEAD, killed, 1);
            await().atMost(5, TimeUnit.SECONDS).until(() -> f.events.count(Kind.BACKEND_ALIVE, killed) == 1);
        }
    }
}
