package io.cueball;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Choice on its own: backends out of service are chosen only when no backend in service has an idle connection. */
class ChoiceTest {
    private static final long DECAY = 60_000_000_000L;

    private static Slot<MemoryConnection> slot(BackendState<MemoryConnection> b) {
        Slot<MemoryConnection> s = new Slot<>(b, null, 0, 0);
        b.slots.add(s);
        return s;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"weighted", "epsilon-greedy:1", "softmax:100", "least-in-use"})
    void deadAndEjectedBackendsServeOnlyWhenNoBackendInServiceCan(String strategy) {
        Choice<MemoryConnection> choice = new Choice<>(HostSelection.parse(strategy), new SplittableRandom(5));
        BackendState<MemoryConnection> live = new BackendState<>(Backend.of("live.test", 1), DECAY);
        BackendState<MemoryConnection> dead = new BackendState<>(Backend.of("dead.test", 1), DECAY);
        BackendState<MemoryConnection> ejected = new BackendState<>(Backend.of("ejected.test", 1), DECAY);
        dead.dead = true;
        ejected.ejected = true;
        List<Slot<MemoryConnection>> liveSlots = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            choice.offer(slot(dead));
            choice.offer(slot(ejected));
            Slot<MemoryConnection> s = slot(live);
            liveSlots.add(s);
            choice.offer(s);
        }
        for (int i = 0; i < 50; i++) {
            assertSame(liveSlots.get(i), choice.poll(0), "the live backend's oldest idle connection first");
        }
        int fromDead = 0;
        for (int i = 0; i < 100; i++) {
            Slot<MemoryConnection> s = choice.poll(0);
            fromDead += s.backend == dead ? 1 : 0;
        }
        assertEquals(50, fromDead, "then the out-of-service ones: 50 dead and 50 ejected");
        assertNull(choice.poll(0));
        assertEquals(0, choice.size());
    }
}
