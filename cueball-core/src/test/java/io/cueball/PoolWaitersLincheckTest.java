package io.cueball;

import java.time.Duration;
import java.util.Objects;
import org.jetbrains.lincheck.Lincheck;
import org.junit.jupiter.api.Test;

/**
 * The WAITERS handshake (see the maintainer notes in {@code PoolEngine}) under a model checker: a claim that
 * finds no connection enqueues itself, publishes {@code waiting} and looks once more; a lock-free release puts
 * its connection in the ring (or keeps it, AFFINITY) and then reads {@code waiting}. It is a Dekker pair: either
 * the waiter's second look finds the connection, or the release sees the waiter and wakes it.
 *
 * <p>One connection (a fixed-size pool of one, {@link ModelPool}), held at the start; one thread releases it
 * while another claims with a real blocking {@code claim(timeout)}, which parks with {@code LockSupport.parkNanos}
 * and reads {@code System.nanoTime()}. Lincheck runs these as they are (it models parking, and makes time
 * deterministic). Checked: every blocking claim gets the connection (no timeout, no hang), no two claims hold it
 * at once, and afterwards {@link ModelPool#checkAtRest}.
 *
 * <p>What it cannot check: a lost wake-up. Lincheck 3.7's model checker lets a parked thread wake spuriously
 * (ModelCheckingStrategy builds its parking tracker with spurious wake-ups allowed), and a waiting claim re-polls
 * after every park, so in the model a missed wake-up is only a later wake-up. Removing the release's re-read of
 * {@code waiting}, or the claim's publication of it, passes this test; a release that loses the connection
 * fails it. The pair itself (the release sees the queued claim, or the claim's second look finds the
 * connection) is checked on the rooms' own code by {@link DekkerPairsLincheckTest}, which catches both.
 */
class PoolWaitersLincheckTest {
    private static final int INVOCATIONS = 300;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** The handshake itself: the only connection is claimed; one thread releases it as another claims and waits. */
    @Test
    void releaseRacesWaitingClaim() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            ModelPool m = new ModelPool(1, 0, 1);
            Claim<ModelPool.TestConn> held = Objects.requireNonNull(m.hold(0));
            ModelPool.run(held::close, () -> m.claimWaitingAndRelease(TIMEOUT));
            m.checkAtRest();
        });
    }

    /** The same with affinity on: the release would keep the connection for its thread unless a claim waits. */
    @Test
    void keepingReleaseRacesWaitingClaim() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            ModelPool m = new ModelPool(1, PoolOptions.DEFAULT_THREAD_AFFINITY, 1);
            Claim<ModelPool.TestConn> held = Objects.requireNonNull(m.hold(0));
            ModelPool.run(() -> {
                held.close();
                m.claimWaitingAndRelease(TIMEOUT);
            }, () -> m.claimWaitingAndRelease(TIMEOUT));
            m.checkAtRest();
        });
    }
}
