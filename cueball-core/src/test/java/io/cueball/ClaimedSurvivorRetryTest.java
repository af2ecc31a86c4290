package io.cueball;

import static io.cueball.EngineHarness.A;
import static io.cueball.EngineHarness.B;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A dead backend's retry that falls due while its one surviving connection is claimed, in a full pool (found while
 * reviewing #15: it explains BackendHealthReproTest.aDeadBackendWithASurvivingConnectionIsRevivedWhenItAcceptsAgain
 * failing about half of its runs on a loaded machine, with and without #15's changes).
 */
class ClaimedSurvivorRetryTest {
    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void tearDown() {
        h.close();
    }

    /*
     * Connector.retry finds no room for a probe beside the survivor (the pool is full) and no idle survivor to close
     * (it is claimed), so it does nothing, and arms no further retry: no failure follows to arm one. The survivor's
     * successful release then revives the backend by its use, UNPROVEN (its monitor slot only until a connect
     * succeeds), but nothing will ever connect to it again: no retry is armed, and its one slot is full. It keeps
     * one connection for good while the others carry its share. Fixed: a probe that can neither connect nor close a
     * survivor arms the next retry (Connector.probeLocked).
     */
    @Test
    void aRetryThatFindsTheSurvivorClaimedStillLeadsToAProbeOnceTheBackendAcceptsAgain() {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A, B).maxConnections(4).threadAffinity(0).deadAfterFailures(2)
                .healthCheckInterval(Duration.ofHours(1)));
        h.advanceTo(Duration.ofSeconds(1));
        h.factory.failAlways(A);
        h.useOnce(A, Claim::discard); // its replacement is refused at 1 s, its retry at 1.1 s: dead, one survivor
        h.advanceTo(Duration.ofMillis(1100));
        assertEquals(BackendStatus.DEAD, h.stats(A).status());
        assertEquals(4, pool.stats().total(), "B took A's share: the pool is full");

        Claim<MemoryConnection> survivor = null;
        var others = new java.util.ArrayList<Claim<MemoryConnection>>();
        while (survivor == null) {
            Claim<MemoryConnection> c = pool.tryClaim().orElseThrow();
            if (c.backend().equals(A)) {
                survivor = c;
            } else {
                others.add(c);
            }
        }
        others.forEach(Claim::close);
        h.advanceTo(Duration.ofMillis(1300)); // the retry falls due while the survivor is claimed
        h.factory.succeed(A); // A accepts again
        survivor.close(); // a successful use: A is live again, unproven

        h.advanceTo(Duration.ofSeconds(60)); // far past the longest backoff
        assertEquals(BackendStatus.LIVE, h.stats(A).status());
        assertEquals(2, h.stats(A).target(), "a connect has proven it: its share is back; " + pool.stats().backends());
        assertEquals(2, h.stats(A).open());
    }
}
