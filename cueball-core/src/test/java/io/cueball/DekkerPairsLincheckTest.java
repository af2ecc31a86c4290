package io.cueball;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.jetbrains.lincheck.Lincheck;
import org.junit.jupiter.api.Test;

/**
 * The two Dekker pairs of the engine's notes, model-checked on the rooms' own code (IdleSet, Waiters, Slot)
 * rather than through a whole pool, so that the model checker interleaves exactly the accesses that matter.
 * Each pair is a volatile write then a volatile read on both sides; the promise is that at least one side sees
 * the other: either the lock finds the slot, or the releasing thread sees that it must take the lock.
 *
 * <ul>
 *   <li>RETIRE: a release ({@link IdleSet#offerReleased}, or {@link IdleSet#keep} with thread affinity) races the
 *       lock's request for the slot back (what {@code Backends.retireAllLocked} does: {@code slot.retire = true},
 *       then {@link IdleSet#takeAllLocked}).
 *   <li>WAITERS: a release races a claim that queues ({@link Waiters#addLocked}) and then looks once more
 *       ({@link IdleSet#pollFast}), as a waiting claim's first {@code serveSelf} does.
 * </ul>
 *
 * <p>Lincheck's model checker explores interleavings under sequential consistency, so it proves the order of the
 * steps (dropping a re-read fails these tests); whether each access is volatile enough is a question of the Java
 * memory model that it does not model. Lincheck generates its schedules from a fixed seed.
 */
class DekkerPairsLincheckTest {
    private static final int INVOCATIONS = 2_000;

    private static final class Conn implements Connection {
        @Override
        public void close() {
        }
    }

    private static final BackendState<Conn> BACKEND = new BackendState<>(Backend.of("a.test", 1), 60_000_000_000L);

    /** A fixed-size pool's idle set holding one slot, which a claim now holds. */
    private static Slot<Conn> claimedSlot(IdleSet<Conn> idle) {
        Slot<Conn> slot = new Slot<>(BACKEND, new Conn(), 0, 0);
        idle.addLocked(slot);
        slot.idleToClaimed();
        return slot;
    }

    /** The lock's side of RETIRE, as Backends.retireAllLocked and then a pass over the idle connections. */
    private static List<Slot<Conn>> retireAndTakeAll(Slot<Conn> slot, IdleSet<Conn> idle) {
        slot.retire = true;
        return idle.takeAllLocked();
    }

    private static void assertSeenOrFound(boolean mustLock, List<Slot<Conn>> held, Slot<Conn> slot) {
        assertTrue(mustLock || held.contains(slot),
                "the retired slot was neither seen by the release nor found by the lock: " + slot);
    }

    @Test
    void aReleaseEitherSeesTheRetireOrIsFoundByTheLocksPass() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            IdleSet<Conn> idle = new IdleSet<>(2, false, 0);
            Waiters<Conn> waiters = new Waiters<>(null);
            Slot<Conn> slot = claimedSlot(idle);
            boolean[] mustLock = new boolean[1];
            @SuppressWarnings("unchecked")
            List<Slot<Conn>>[] held = new List[1];
            ModelPool.run(
                    () -> mustLock[0] = idle.offerReleased(slot, waiters),
                    () -> held[0] = retireAndTakeAll(slot, idle));
            assertSeenOrFound(mustLock[0], held[0], slot);
        });
    }

    @Test
    void aKeepingReleaseEitherSeesTheRetireOrIsFoundByTheLocksPass() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            IdleSet<Conn> idle = new IdleSet<>(2, false, PoolOptions.DEFAULT_THREAD_AFFINITY);
            Waiters<Conn> waiters = new Waiters<>(null);
            Slot<Conn> slot = claimedSlot(idle);
            boolean[] mustLock = new boolean[1];
            @SuppressWarnings("unchecked")
            List<Slot<Conn>>[] held = new List[1];
            ModelPool.run(
                    () -> {
                        // As PoolEngine.release: keep it for this thread, or else into the ring.
                        if (!idle.keep(slot, waiters)) {
                            mustLock[0] = idle.offerReleased(slot, waiters);
                        }
                    },
                    () -> held[0] = retireAndTakeAll(slot, idle));
            assertSeenOrFound(mustLock[0], held[0], slot);
        });
    }

    @Test
    void aReleaseEitherSeesTheWaitingClaimOrTheClaimFindsTheConnection() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            IdleSet<Conn> idle = new IdleSet<>(2, false, 0);
            Waiters<Conn> waiters = new Waiters<>(null);
            Slot<Conn> slot = claimedSlot(idle);
            Claim<Conn> claim = new Claim<>(null);
            boolean[] mustLock = new boolean[1];
            Object[] found = new Object[1];
            ModelPool.run(
                    () -> mustLock[0] = idle.offerReleased(slot, waiters),
                    () -> {
                        waiters.addLocked(claim, 0, Long.MAX_VALUE);
                        found[0] = idle.pollFast(false);
                    });
            assertTrue(mustLock[0] || found[0] == slot,
                    "lost wake-up: the release did not see the waiting claim, and the claim did not find the slot");
        });
    }
}
