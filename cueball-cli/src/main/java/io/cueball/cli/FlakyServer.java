package io.cueball.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.SplittableRandom;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The tcp scenario's backend: a TCP server on 127.0.0.1 that answers every byte it is sent with {@link #SUCCESS}
 * with probability p and {@link #FAILURE} otherwise, on a connection that stays sound either way (an application
 * error, not a broken connection). Its draws come from one seeded source shared by its connections, so a run
 * whose requests come one at a time is reproducible ({@link #reseed(long)} before each run).
 *
 * <p>Its threads are daemons named {@code cueball-server-simulate-backend-<n>-...}; {@link #close()} stops them.
 */
final class FlakyServer extends LoopbackServer {
    /** The answer to a request that succeeded. */
    static final int SUCCESS = 'Y';
    /** The answer to a request that failed. */
    static final int FAILURE = 'N';

    private final double p;
    /** Guards {@link #random}. */
    private final ReentrantLock lock = new ReentrantLock();
    private SplittableRandom random = new SplittableRandom(0);

    private FlakyServer(double p) {
        super("simulate-backend");
        this.p = p;
    }

    /**
     * @param p the probability that a request succeeds, in [0, 1]
     * @return a server listening on 127.0.0.1 and an ephemeral port
     */
    static FlakyServer start(double p) {
        FlakyServer s = new FlakyServer(p);
        s.startAccepting();
        return s;
    }

    /** Restarts its draws from this seed. */
    void reseed(long seed) {
        lock.lock();
        try {
            random = new SplittableRandom(seed);
        } finally {
            lock.unlock();
        }
    }

    private boolean draw() {
        lock.lock();
        try {
            return random.nextDouble() < p;
        } finally {
            lock.unlock();
        }
    }

    /** Answers each byte until the client closes. */
    @Override
    void serve(InputStream in, OutputStream out) throws IOException {
        while (in.read() >= 0) {
            out.write(draw() ? SUCCESS : FAILURE);
            out.flush();
        }
    }
}
