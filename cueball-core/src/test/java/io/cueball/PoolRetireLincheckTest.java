package io.cueball;

import java.util.Objects;
import org.jetbrains.lincheck.Lincheck;
import org.junit.jupiter.api.Test;

/**
 * The RETIRE handshake (see the maintainer notes in {@code PoolEngine}) under a model checker: lock-free claims
 * and releases race a backend's removal, whose rebalance retires the backend's connections ({@code
 * slot.retire}) and then drains the idle ring. It is a Dekker pair: a release either sees the retire or is seen
 * by the drain. If neither, a connection of the removed backend stays open in the pool.
 *
 * <p>Each test is one small scenario that Lincheck runs many times, each time in a different interleaving of
 * its threads at their shared-memory accesses ({@code runConcurrentTest}: the pool is built inside the checked
 * code, see {@link ModelPool}). A fixed-size pool of two connections over two backends, with no threads of its
 * own: claims are {@code tryClaim}s that check, while they hold the connection, that no other claim holds it
 * and that it is open; the removal's rebalance runs on the removing thread when it advances the manual clock.
 * Afterwards {@link ModelPool#checkAtRest} checks that no connection of the removed backend is open, that the
 * other backend has both, that stats add up and that close() closes each connection once.
 *
 * <p>Thread affinity on (the default) lets a release keep its connection (STICKY) for its thread's next claim,
 * and lets claims steal kept ones: the retire must reach those too. Off, every release goes through the ring.
 *
 * <p>Reach: it catches a removal that drains the ring before it sets retire. It does not catch a release that
 * skips its re-read of retire after offering (or keeping) the connection: that needs the release preempted
 * inside {@code Claim.close()}, which Lincheck 3.7 never did here in 1000 invocations once the pool was built
 * inside the checked code (a probe with two plain reads around {@code close()} was never preempted either, while
 * the same probe without the pool was at once). Building the pool outside the checked code does not work: the
 * checker makes identity hash codes constant inside it, and the pool keeps its slots in identity-hashed sets.
 * The re-read itself is checked on the rooms' own code by {@link DekkerPairsLincheckTest}, which catches it.
 */
class PoolRetireLincheckTest {
    private static final int INVOCATIONS = 300;

    /**
     * The handshake itself: the connection of backend 1 is claimed and the resolver has reported the backend gone;
     * one thread releases the connection while another runs the rebalance that retires it and drains the ring.
     * Affinity off: the release offers the connection to the ring, then re-reads retire.
     */
    @Test
    void releaseRacesRemoval() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            ModelPool m = new ModelPool(2, 0, 2);
            Claim<ModelPool.TestConn> held = Objects.requireNonNull(m.hold(1));
            m.reportRemoved(1);
            ModelPool.run(held::close, m::rebalanceNow);
            m.checkAtRest();
        });
    }

    /** The same with affinity on: the release keeps the connection for its thread (STICKY), then re-reads retire. */
    @Test
    void keepingReleaseRacesRemoval() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            ModelPool m = new ModelPool(2, PoolOptions.DEFAULT_THREAD_AFFINITY, 2);
            Claim<ModelPool.TestConn> held = Objects.requireNonNull(m.hold(1));
            m.reportRemoved(1);
            ModelPool.run(held::close, m::rebalanceNow);
            m.checkAtRest();
        });
    }

    /** Removed and added back while the release runs: the re-add withdraws the retire; nothing lost or leaked. */
    @Test
    void releaseRacesRemovalAndReadd() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            ModelPool m = new ModelPool(2, 0, 2);
            Claim<ModelPool.TestConn> held = Objects.requireNonNull(m.hold(1));
            ModelPool.run(held::close, () -> {
                m.removeAndRebalance(1);
                m.addAndRebalance(1);
            });
            m.checkAtRest();
        });
    }

    /**
     * Wider and shallower: two claims in a row on one thread (the second may reuse the first's kept connection,
     * or take the other from the ring) while another thread removes the backend.
     */
    @Test
    void claimsRaceRemoval() {
        Lincheck.runConcurrentTest(INVOCATIONS, () -> {
            ModelPool m = new ModelPool(2, PoolOptions.DEFAULT_THREAD_AFFINITY, 2);
            ModelPool.run(() -> {
                m.claimAndRelease();
                m.claimAndRelease();
            }, () -> m.removeAndRebalance(1));
            m.checkAtRest();
        });
    }
}
