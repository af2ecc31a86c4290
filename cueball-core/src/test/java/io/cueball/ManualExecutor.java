package io.cueball;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;

/**
 * The pool's blocking work (connects, closes, health checks) held until the test runs it, so that a test
 * decides when each connect "finishes". In inline mode a task runs at once on the thread that hands it over;
 * that is safe because the engine hands work over only after it has unlocked.
 *
 * <p>Thread-safe: a claim waiting on another thread may hand work over too.
 */
final class ManualExecutor implements Executor {
    private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
    private volatile boolean inline;

    @Override
    public void execute(Runnable task) {
        if (inline) {
            task.run();
        } else {
            queue.add(task);
        }
    }

    /** From now on, runs every task at once on the handing thread; first runs what is queued. */
    ManualExecutor inline() {
        inline = true;
        runAll();
        return this;
    }

    /** Queues tasks again from now on. */
    ManualExecutor queueing() {
        inline = false;
        return this;
    }

    /** Runs the queued tasks and what they queue, on this thread, oldest first. @return how many ran */
    int runAll() {
        int n = 0;
        Runnable task;
        while ((task = queue.poll()) != null) {
            task.run();
            n++;
        }
        return n;
    }

    /** Runs the oldest queued task only. @return false if there was none */
    boolean runNext() {
        Runnable task = queue.poll();
        if (task == null) {
            return false;
        }
        task.run();
        return true;
    }

    /** @return how many tasks wait to be run */
    int pending() {
        return queue.size();
    }
}
