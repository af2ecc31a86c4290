package io.cueball;

import static io.cueball.EngineHarness.A;
import static io.cueball.EngineHarness.B;
import static io.cueball.EngineHarness.C;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A dead backend's surviving connection is handed out only when no live backend has an idle one: in elastic and
 * fixed-size pools, under round-robin and the choosing strategies (found by review: an elastic round-robin pool
 * handed it out while live connections were idle, and the use then revived the dead backend).
 */
class DeadSurvivorChoiceTest {
    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void tearDown() {
        h.close();
    }

    static Stream<Object[]> cases() {
        return Stream.of(new Object[] {HostSelection.roundRobin(), 6}, new Object[] {HostSelection.roundRobin(), 3},
                new Object[] {HostSelection.leastInUse(), 6}, new Object[] {HostSelection.epsilonGreedy(0.5), 6},
                new Object[] {HostSelection.weighted(), 3});
    }

    @ParameterizedTest
    @MethodSource("cases")
    void aDeadBackendsSurvivorIsNotChosenWhileLiveConnectionsAreIdle(HostSelection sel, int spares) {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A, B, C).maxConnections(6).spares(spares).hostSelection(sel)
                .threadAffinity(0).deadAfterFailures(1).healthCheckInterval(Duration.ofSeconds(30)));
        // grow an elastic pool to 6
        var held = new java.util.ArrayList<Claim<MemoryConnection>>();
        for (int i = 0; i < 6; i++) {
            held.add(pool.claim(Duration.ofSeconds(1)));
        }
        h.factory.failAlways(B);
        Claim<MemoryConnection> victim = null;
        Claim<MemoryConnection> survivor = null;
        for (var c : held) {
            if (victim == null && c.backend().equals(B)) {
                victim = c;
            } else if (survivor == null && c.backend().equals(B)) {
                survivor = c;
            }
        }
        survivor.close();
        victim.discard();
        for (var c : held) {
            if (c != victim && c != survivor) {
                c.close();
            }
        } // its refill fails: B dead, its other connection survives, idle
        h.executor.runAll();
        assertEquals(BackendStatus.DEAD, h.stats(B).status());
        Map<String, Integer> count = new TreeMap<>();
        for (int i = 0; i < 100; i++) {
            var c = pool.tryClaim().orElseThrow();
            count.merge(c.backend().host(), 1, Integer::sum);
            c.close();
        }
        assertEquals(null, count.get("b.test"), "dead B's survivor chosen while A and C had idle connections: " + count);
    }
}
