package io.cueball;

import static io.cueball.EngineHarness.A;
import static io.cueball.EngineHarness.B;
import static io.cueball.EngineHarness.C;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Per-claim spread under round-robin, the bound the README states: a thread's claims come in runs of at most
 * threadAffinity + 1 on one connection, and over any window of N claims from one thread each backend's count is
 * within (threadAffinity + 1) * C of N times its share of the C connections (exact, one per connection per turn,
 * with threadAffinity 0).
 */
class ClaimSpreadTest {
    private static final int MAX = 6;

    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void tearDown() {
        h.close();
    }

    @ParameterizedTest(name = "threadAffinity {0}")
    @ValueSource(ints = {0, 1, 8, 64})
    void aThreadsClaimsStayWithinTheStatedBound(int affinity) {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A, B, C).maxConnections(MAX).threadAffinity(affinity));
        int claims = 5000;
        List<String> hosts = new ArrayList<>(claims);
        List<MemoryConnection> used = new ArrayList<>(claims);
        for (int i = 0; i < claims; i++) {
            var claim = pool.tryClaim().orElseThrow();
            hosts.add(claim.backend().host());
            used.add(claim.connection());
            claim.close();
        }
        int longestRun = 1;
        for (int i = 1, run = 1; i < claims; i++) {
            run = used.get(i) == used.get(i - 1) ? run + 1 : 1;
            longestRun = Math.max(longestRun, run);
        }
        assertTrue(longestRun <= affinity + 1, "longest run on one connection: " + longestRun);
        int bound = (affinity + 1) * MAX;
        for (int n : new int[] {60, 200, 1000}) {
            for (int start = 0; start + n <= claims; start += 7) {
                for (String host : new String[] {"a.test", "b.test", "c.test"}) {
                    long count = hosts.subList(start, start + n).stream().filter(host::equals).count();
                    double expected = n / 3.0; // two connections of six each
                    assertTrue(Math.abs(count - expected) <= bound, host + " in claims " + start + ".." + (start + n)
                            + ": " + count + ", expected " + expected + " within " + bound);
                    if (affinity == 0 && n % MAX == 0) {
                        assertEquals(n / 3, count, "strict FIFO: one claim per connection per turn");
                    }
                }
            }
        }
    }
}
