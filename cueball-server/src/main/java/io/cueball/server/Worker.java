package io.cueball.server;

import java.net.Socket;
import java.util.concurrent.locks.Condition;

/*
 * ONE WORKER'S LIFE. Every state change is one of the methods below, named after its two ends; each asserts where
 * it starts from (with -ea, as the tests run). All of them run under the pool's lock.
 *
 *            born BUSY [submit: no idle worker, room for one more]
 *            born IDLE [build, or a resize that raised minWorkers]
 *                 |
 *                 v          idleToBusy [submit: takes the most recently idle worker]
 *               IDLE ----------------------------------------------------------> BUSY
 *                 |   <----------------------------------------------------------  |
 *                 |          busyToIdle [the worker thread, its connection done]   |
 *                 |                                                                 |
 *    idleToRetired [the retire timer: idle for idleTimeout        busyToRetired [the worker thread, its
 *                   above minWorkers; a resize below the          connection done: the pool is stopping, or
 *                   workers alive; stop]                           a resize left more workers than maxWorkers]
 *                 |                                                                 |
 *                 +---------------------------> RETIRED <---------------------------+
 *
 * A RETIRED worker's thread returns from WorkerPool.work and exits; the pool forgets the worker at the transition
 * (so the counts drop at once) and its thread when the thread has exited (WorkerPool.exited). An idle worker
 * waits on its own condition, so a submit wakes exactly the worker it chose.
 */

/** One worker: a thread and the pool's bookkeeping for it (see the diagram above the class). */
final class Worker implements Runnable {
    enum State { IDLE, BUSY, RETIRED }

    private final WorkerPool pool;
    /** Its number in the pool, the N of its thread's name. */
    final int id;
    /** Signalled when it is given a connection or retired while idle. */
    final Condition wakeUp;
    /** Set once, under the lock, before the thread starts. */
    Thread thread;

    // Guarded by the pool's lock.
    State state;
    /** The connection it serves while BUSY; null otherwise. */
    Socket socket;
    /** The read deadline for {@link #socket}, in milliseconds (0: none), as configured when it was handed over. */
    int readDeadlineMillis;
    /** When it last became IDLE, on the pool's clock. */
    long idleSince;

    private Worker(WorkerPool pool, int id, Condition wakeUp, State state) {
        this.pool = pool;
        this.id = id;
        this.wakeUp = wakeUp;
        this.state = state;
    }

    static Worker bornBusy(WorkerPool pool, int id, Condition wakeUp, Socket socket, int readDeadlineMillis) {
        Worker w = new Worker(pool, id, wakeUp, State.BUSY);
        w.socket = socket;
        w.readDeadlineMillis = readDeadlineMillis;
        return w;
    }

    static Worker bornIdle(WorkerPool pool, int id, Condition wakeUp, long now) {
        Worker w = new Worker(pool, id, wakeUp, State.IDLE);
        w.idleSince = now;
        return w;
    }

    void idleToBusy(Socket s, int deadlineMillis) {
        assert state == State.IDLE : state;
        state = State.BUSY;
        socket = s;
        readDeadlineMillis = deadlineMillis;
        wakeUp.signal();
    }

    void busyToIdle(long now) {
        assert state == State.BUSY : state;
        state = State.IDLE;
        socket = null;
        idleSince = now;
    }

    void busyToRetired() {
        assert state == State.BUSY : state;
        state = State.RETIRED;
        socket = null;
    }

    void idleToRetired() {
        assert state == State.IDLE : state;
        state = State.RETIRED;
        wakeUp.signal();
    }

    @Override
    public void run() {
        pool.work(this);
    }

    @Override
    public String toString() {
        return "worker " + id + " (" + state + ")";
    }
}
