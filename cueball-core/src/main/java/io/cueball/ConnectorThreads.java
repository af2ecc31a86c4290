package io.cueball;

import io.cueball.internal.NamedThreadFactory;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The pool's default executor for blocking work (connects, closes, health checks): up to
 * {@code min(max(2, maxConnections), 16)} daemon threads named {@code cueball-<pool>-connect-N}, which exit
 * after 30 s without work and are stopped and joined when the pool closes. A pool given an executor by its
 * builder (tests) uses that one instead and stops nothing.
 */
final class ConnectorThreads implements Executor {
    private final NamedThreadFactory threads;
    private final ThreadPoolExecutor executor;

    ConnectorThreads(String poolName, int maxConnections) {
        this.threads = new NamedThreadFactory(poolName, "connect");
        int n = Math.max(2, Math.min(maxConnections, 16));
        this.executor = new ThreadPoolExecutor(n, n, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), threads);
        executor.allowCoreThreadTimeOut(true);
    }

    /** @throws java.util.concurrent.RejectedExecutionException once {@link #shutdownAndJoin} has run */
    @Override
    public void execute(Runnable task) {
        executor.execute(task);
    }

    /**
     * Refuses new work, lets queued work finish, and waits up to 5 s for every thread to exit, unless called on
     * one of them (a thread cannot wait for itself).
     *
     * @throws InterruptedException if interrupted while waiting
     */
    void shutdownAndJoin() throws InterruptedException {
        executor.shutdown();
        if (!threads.owns(Thread.currentThread())) {
            executor.awaitTermination(5, TimeUnit.SECONDS);
            threads.joinAll(5, TimeUnit.SECONDS);
        }
    }
}
