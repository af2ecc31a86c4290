package io.cueball;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The Dekker pair of {@link SharedConnection} on real threads: a lease (increment {@code inFlight}, then read
 * {@code draining}) races a drain ({@code draining}, then read {@code inFlight}) many times over, both started at
 * the same instant. Whatever the interleaving, the connection is given back exactly once, and never while a lease
 * holds it.
 */
class SharedConnectionRaceTest {
    private static final int ROUNDS = 200_000;

    private static final class Conn implements Connection {
        @Override
        public void close() {
        }
    }

    private static final BackendState<Conn> BACKEND = new BackendState<>(Backend.of("a.test", 1), 60_000_000_000L);

    @SuppressWarnings("unchecked")
    private final SharedConnection<Conn>[] round = new SharedConnection[1];
    private final AtomicInteger go = new AtomicInteger();
    private final AtomicInteger done = new AtomicInteger();
    private final AtomicInteger cut = new AtomicInteger();
    private final AtomicInteger giveBacks = new AtomicInteger();

    private void giveBack(SharedConnection<Conn> s) {
        if (s.gone.compareAndSet(false, true)) {
            giveBacks.incrementAndGet();
        }
    }

    @Test
    void aLeaseEitherSeesTheDrainOrTheDrainLeavesTheGiveBackToTheLeasesEnd() throws Exception {
        Thread leaser = new Thread(() -> {
            for (int i = 1; i <= ROUNDS; i++) {
                while (go.get() < i) {
                    Thread.onSpinWait();
                }
                SharedConnection<Conn> s = round[0];
                int r = s.tryLease(Integer.MAX_VALUE); // as SetEngine.acquire
                if (r == 2) {
                    giveBack(s);
                } else if (r == 0) {
                    if (s.gone.get()) {
                        cut.incrementAndGet();
                    }
                    if (s.endLease()) { // as SetEngine.leaseEnded
                        giveBack(s);
                    }
                }
                done.incrementAndGet();
            }
        }, "cueball-test-leaser");
        leaser.setDaemon(true);
        leaser.start();
        int lost = 0;
        for (int i = 1; i <= ROUNDS; i++) {
            Slot<Conn> slot = new Slot<>(BACKEND, new Conn(), 0, 0);
            Claim<Conn> claim = new Claim<>(null);
            claim.slot = slot;
            SharedConnection<Conn> s = new SharedConnection<>(claim, "a.test:1." + i, 0);
            round[0] = s;
            int before = giveBacks.get();
            go.set(i);
            s.draining = true; // as SetEngine.drain: then the read of inFlight
            if (s.inFlight.get() == 0) {
                giveBack(s);
            }
            while (done.get() < i) {
                Thread.onSpinWait();
            }
            if (giveBacks.get() != before + 1) {
                lost++;
            }
        }
        leaser.join(10_000);
        assertEquals(0, cut.get(), "rounds in which the drain gave the connection back under a lease in use");
        assertEquals(0, lost, "rounds in which the connection was never given back (or twice)");
    }
}
