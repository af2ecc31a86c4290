package io.cueball.server;

import io.cueball.PoolClock;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntFunction;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * MAINTAINER NOTES
 *
 * One lock (`lock`, a ReentrantLock: never `synchronized`, so virtual workers do not pin) guards everything that
 * changes: `state`, `config`, the set of workers alive (`workers`), the idle workers (`idle`, most recently idle
 * first), `busy`, each worker's state, socket and idleSince (Worker), the retire timer, the listener, the threads
 * alive (`threads`) and the counters. Nothing under it blocks or calls out: no socket I/O, no close, no handler,
 * no Thread.start or join (threads are made under it and started after it). Condition waits (an idle worker
 * waiting for work, stop waiting for busy workers) release it. The clock is called under it (nanoTime, schedule,
 * cancel; the default clock's first schedule starts its timer thread): a clock must never call back into the pool
 * while holding a lock of its own (PoolClock's contract: tasks run on the timer thread, or on the thread advancing
 * a manual clock, never inside schedule).
 *
 * INVARIANTS (under the lock):
 *   1. workers.size() == busy + idle.size(); every worker in `idle` is IDLE, every other one in `workers` BUSY.
 *   2. A connection is never queued: submit hands it to a worker at once or throws.
 *   3. While RUNNING, busy <= maxWorkers when bounded, except after a resize lowered it: then no connection is
 *      accepted until busy is below the new bound, and each busy worker over it retires when its connection ends.
 *   4. While RUNNING, workers.size() >= minWorkers, except for the moment between a worker's unexpected death and
 *      its replacement (exited).
 *   5. After `state` leaves RUNNING, no worker becomes BUSY again.
 *
 * GLOSSARY
 *   busy     a worker serving a connection (BUSY).
 *   idle     a worker waiting for a connection (IDLE), in `idle`.
 *   retire   end a worker: RETIRED at once under the lock, its thread exits when it next looks.
 *   surplus  workers above maxWorkers after a resize lowered it (busy ones; idle ones retire at once).
 *   reject   refuse a connection at maxWorkers (counted in `rejected`; serve() answers the busy reply).
 *   stop     refuse new work, wait for busy workers, close what is left, join every thread.
 *
 * TIME. Idle retirement runs on the injected clock as `retireIdleLocked(now)`, which returns how long until it is
 * due next, so tests step it at exact instants with a manual clock. The read deadline is the socket's SO_TIMEOUT
 * (the kernel's real time) and stop's timeout is waited in real time: threads really wait for them.
 */

/**
 * Workers for a server's accepted connections: the server side of what a connection pool does for clients, as Go's
 * pool-manager does it. An accept loop hands each connection over ({@link #submit(Socket)}), or the pool runs its
 * own ({@link #serve(SocketAddress)}); a worker serves it with the {@link ConnectionHandler} until the client is
 * done, then waits for the next.
 *
 * <pre>{@code
 * WorkerPool pool = WorkerPool.builder(ConnectionHandler.lines(request -> reply(request)))
 *         .name("api").minWorkers(4).maxWorkers(64).readDeadline(Duration.ofSeconds(30))
 *         .build();                                    // 4 workers start now
 * InetSocketAddress bound = pool.serve(new InetSocketAddress(7000));
 * ...
 * pool.stop(Duration.ofSeconds(10));                  // refuse, wait for busy workers, close the rest
 * }</pre>
 *
 * <ul>
 *   <li><b>Workers.</b> {@code minWorkers} start at once and stay; more start on demand, one per connection that
 *       finds no idle worker, up to {@code maxWorkers} (0: no bound). An idle worker takes the next connection
 *       (the most recently idle first, so the others age); one that stays idle for {@code idleTimeout} while
 *       there are more than {@code minWorkers} is retired.</li>
 *   <li><b>Busy.</b> At {@code maxWorkers} busy workers, a connection is refused at once, never queued:
 *       {@link #submit} throws {@link WorkerPoolBusyException}, and {@link #serve}'s accept loop writes the busy
 *       reply (default the line {@code BUSY}) and closes the connection.</li>
 *   <li><b>Read deadline.</b> Each connection's {@code SO_TIMEOUT} is {@code readDeadline}
 *       (pool-manager's {@code ClientsDeadline}): a client silent that long is closed and counted as timed
 *       out.</li>
 *   <li><b>Resize</b> while running with {@link #setConfig} or {@link #resize}: a higher minimum starts workers at
 *       once; a lower maximum retires idle workers above it at once and busy ones when their connection ends.</li>
 *   <li><b>Stop.</b> {@link #stop(Duration)} refuses new work, waits for busy workers up to its timeout, then
 *       closes the connections still served and joins every thread the pool started.</li>
 * </ul>
 *
 * <p><b>Threads.</b> Workers are daemon threads named {@code cueball-server-<name>-N} (N counts up from 1 and is
 * never reused), or virtual threads with that name ({@link Builder#virtualThreads(boolean)}, Java 21 and later).
 * {@link #serve} adds {@code cueball-server-<name>-accept}; idle retirement on the default clock uses
 * {@code cueball-server-<name>-timer}, started with the first timer. {@link #stop} ends them all.
 *
 * <p>Thread-safe: every method may be called from any thread, except that {@link #stop} called from a handler
 * waits out its timeout for its own connection.
 */
public final class WorkerPool implements AutoCloseable {
    /** What {@link #serve}'s accept loop writes to a connection it refuses as busy: the line {@code BUSY}. */
    public static final String DEFAULT_BUSY_REPLY = "BUSY\n";
    /** The longest busy reply: the accept loop writes it to a fresh socket, whose buffer takes it without blocking. */
    public static final int MAX_BUSY_REPLY_BYTES = 4096;
    /** How long {@link #close()} waits for busy workers: 30 s. */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);
    /** The listen backlog of {@link #serve}: connections the kernel holds until the accept loop takes them. */
    public static final int BACKLOG = 200;

    private static final Logger log = LoggerFactory.getLogger(WorkerPool.class);
    private static final AtomicInteger POOLS = new AtomicInteger();
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    /** How long stop waits for threads to exit once their connections are closed and they are interrupted. */
    private static final long JOIN_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** The accept loop's pause after an accept error (out of file descriptors), so it does not spin. */
    private static final long ACCEPT_ERROR_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private enum State { RUNNING, STOPPING, STOPPED }

    private final String name;
    private final ConnectionHandler handler;
    private final PoolClock clock;
    /** The clock's timer thread when no clock was injected (ours to stop); null otherwise. */
    private final SystemTimer ownTimer;
    private final WorkerThreads threadMaker;
    private final byte[] busyReply;

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when {@link #busy} drops to zero. */
    private final Condition noneBusy = lock.newCondition();

    // Guarded by lock.
    private State state = State.RUNNING;
    private WorkerPoolConfig config;
    private final Set<Worker> workers = new LinkedHashSet<>();
    private final ArrayDeque<Worker> idle = new ArrayDeque<>();
    private int busy;
    private long served;
    private long rejected;
    private long timedOut;
    private int lastWorkerId;
    private PoolClock.Timer retireTimer;
    private ServerSocketChannel listener;
    /** Every thread started and not yet exited: workers (retired ones too, until they exit) and the acceptor. */
    private final Set<Thread> threads = new LinkedHashSet<>();

    private WorkerPool(Builder b, WorkerPoolConfig config) {
        this.name = b.name;
        this.handler = b.handler;
        this.config = config;
        this.ownTimer = b.clock == null ? new SystemTimer("cueball-server-" + b.name + "-timer") : null;
        this.clock = b.clock == null ? ownTimer : b.clock;
        this.threadMaker = new WorkerThreads(b.virtualThreads);
        this.busyReply = b.busyReply.clone();
    }

    /**
     * Starts building a pool.
     *
     * @param handler serves each connection, on a worker thread; {@link ConnectionHandler#lines(RequestHandler)}
     *                for pool-manager's request-and-reply callback
     * @return a builder
     */
    public static Builder builder(ConnectionHandler handler) {
        return new Builder(Objects.requireNonNull(handler, "handler must not be null"));
    }

    /** @return the pool's name, as in its threads' names, logs and errors */
    public String name() {
        return name;
    }

    /**
     * Hands an accepted connection to a worker: an idle one if there is one, else a new one while there are fewer
     * than {@code maxWorkers}. Never waits and never queues. On success the pool owns the socket and closes it
     * when the handler is done.
     *
     * @param socket a connected socket
     * @throws WorkerPoolBusyException    if {@code maxWorkers} workers are busy (counted in
     *                                    {@link WorkerPoolStats#rejected()}); the socket is still the caller's
     * @throws WorkerPoolStoppedException if the pool is stopping or stopped; the socket is still the caller's
     * @throws NullPointerException       if the socket is null
     */
    public void submit(Socket socket) {
        Objects.requireNonNull(socket, "socket must not be null");
        Worker started = null;
        lock.lock();
        try {
            if (state != State.RUNNING) {
                throw stoppedLocked("cannot take the connection from " + peer(socket));
            }
            int max = config.maxWorkers();
            if (max > 0 && busy >= max) {
                rejected++;
                throw new WorkerPoolBusyException("worker pool '" + name + "' is busy: " + busy + " of " + max
                        + " workers serving connections; refused the connection from " + peer(socket) + " ("
                        + rejected + " refused so far)", busy, max);
            }
            int deadline = (int) config.readDeadline().toMillis();
            Worker w = idle.pollFirst();
            if (w != null) {
                w.idleToBusy(socket, deadline);
            } else {
                started = newWorkerLocked(id -> Worker.bornBusy(this, id, lock.newCondition(), socket, deadline));
            }
            busy++;
        } finally {
            lock.unlock();
        }
        if (started != null) {
            start(started);
        }
    }

    /**
     * Listens on the address and runs an accept loop on its own thread, {@code cueball-server-<name>-accept},
     * that {@linkplain #submit submits} each connection. A connection refused as busy is written the busy reply
     * ({@link Builder#busyReply(byte[])}, default the line {@code BUSY}) and closed. The loop ends
     * when the pool stops. One listener per pool.
     *
     * @param address where to listen, e.g. {@code new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)}
     * @return the address bound, with the port chosen when the address asked for port 0
     * @throws IOException                if it cannot listen there
     * @throws IllegalStateException      if the pool already listens
     * @throws WorkerPoolStoppedException if the pool is stopping or stopped
     */
    public InetSocketAddress serve(SocketAddress address) throws IOException {
        Objects.requireNonNull(address, "address must not be null");
        ServerSocketChannel channel = ServerSocketChannel.open();
        Thread acceptor;
        try {
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true); // listen again while old ones linger
            channel.bind(address, BACKLOG);
            lock.lock();
            try {
                if (state != State.RUNNING) {
                    throw stoppedLocked("cannot listen on " + address);
                }
                if (listener != null) {
                    throw new IllegalStateException("worker pool '" + name + "' already listens on "
                            + listener.socket().getLocalSocketAddress());
                }
                acceptor = threadMaker.newThread("cueball-server-" + name + "-accept", () -> acceptLoop(channel));
                listener = channel;
                threads.add(acceptor);
            } finally {
                lock.unlock();
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
        acceptor.start();
        InetSocketAddress bound = (InetSocketAddress) channel.socket().getLocalSocketAddress();
        log.debug("worker pool '{}' listens on {}", name, bound);
        return bound;
    }

    /** @return the configuration in force */
    public WorkerPoolConfig config() {
        lock.lock();
        try {
            return config;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Changes the configuration while the pool runs (pool-manager's {@code SetConfig}):
     * <ul>
     *   <li>a higher {@code minWorkers} starts workers at once;</li>
     *   <li>a lower {@code maxWorkers} retires idle workers above it at once, and busy ones when their connection
     *       ends (no connection is cut); connections are refused until fewer than the new maximum are busy;</li>
     *   <li>{@code idleTimeout} applies to workers idle now too, from when they became idle;</li>
     *   <li>{@code readDeadline} applies to connections handed to a worker from now on.</li>
     * </ul>
     *
     * @param newConfig the configuration, already validated by its builder
     * @throws WorkerPoolStoppedException if the pool is stopping or stopped
     */
    public void setConfig(WorkerPoolConfig newConfig) {
        Objects.requireNonNull(newConfig, "config must not be null");
        update(old -> newConfig);
    }

    /**
     * Changes the number of workers while the pool runs, keeping the rest of the configuration (see
     * {@link #setConfig} for what happens to the workers).
     *
     * @param minWorkers workers kept even when idle, {@code >= 0}, at most {@code maxWorkers} when that is bounded
     * @param maxWorkers the most workers, {@code >= 0}; 0 for no bound
     * @throws IllegalArgumentException   naming the bad option and its value
     * @throws WorkerPoolStoppedException if the pool is stopping or stopped
     */
    public void resize(int minWorkers, int maxWorkers) {
        update(old -> old.toBuilder().minWorkers(minWorkers).maxWorkers(maxWorkers).build());
    }

    /** Applies a change of configuration computed from the one in force, atomically. */
    private void update(UnaryOperator<WorkerPoolConfig> change) {
        List<Worker> toStart;
        WorkerPoolConfig old;
        WorkerPoolConfig now;
        lock.lock();
        try {
            if (state != State.RUNNING) {
                throw stoppedLocked("cannot change its configuration");
            }
            old = config;
            now = change.apply(old); // our own builders only: no user code under the lock
            config = now;
            int max = now.maxWorkers();
            while (max > 0 && workers.size() > max && !idle.isEmpty()) {
                retireLocked(idle.pollLast()); // the longest idle first
            }
            toStart = topUpLocked();
            rearmRetireTimerLocked(); // minWorkers or idleTimeout may have moved the next retirement
        } finally {
            lock.unlock();
        }
        toStart.forEach(this::start);
        if (!old.equals(now)) {
            log.info("worker pool '{}': {} (was {})", name, now, old);
        }
    }

    /** @return a consistent snapshot of the pool's counts */
    public WorkerPoolStats stats() {
        lock.lock();
        try {
            return new WorkerPoolStats(name, workers.size(), busy, idle.size(), served, rejected, timedOut, config);
        } finally {
            lock.unlock();
        }
    }

    /** @return whether the pool takes work: built and not yet stopping */
    public boolean isRunning() {
        lock.lock();
        try {
            return state == State.RUNNING;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops the pool gracefully (pool-manager's {@code Stop}, with a bound): from the call on, {@link #submit}
     * and {@link #setConfig} throw {@link WorkerPoolStoppedException} and the listener is closed; idle workers
     * end at once; busy workers finish their connections, for up to {@code timeout}. Then the connections still
     * being served are closed (a blocked read throws) and their workers interrupted, and every thread the pool
     * started is joined (for up to 10 s more). Calling it again waits the same way and returns the same kind of
     * answer. Do not call it from a handler: it would wait out its timeout for the handler's own connection.
     *
     * @param timeout how long to wait for busy workers, {@code >= 0}; zero closes their connections at once
     * @return true if every busy worker finished within the timeout and every thread has exited; false if a
     *         connection had to be cut off or a thread is still alive (a handler that ignores both the closed
     *         socket and the interrupt)
     * @throws IllegalArgumentException if the timeout is negative
     */
    public boolean stop(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout must not be null");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: >= 0)");
        }
        ServerSocketChannel closing = null;
        lock.lock();
        try {
            if (state == State.RUNNING) {
                state = State.STOPPING;
                closing = listener;
                listener = null;
                if (retireTimer != null) {
                    retireTimer.cancel();
                    retireTimer = null;
                }
                while (!idle.isEmpty()) {
                    retireLocked(idle.pollFirst());
                }
            }
        } finally {
            lock.unlock();
        }
        if (closing != null) {
            closeQuietly(closing); // the accept loop's accept() throws and it ends
        }
        boolean interrupted = false;
        long deadline = System.nanoTime() + saturatedNanos(timeout);
        List<Worker> cut = new ArrayList<>();
        List<Socket> cutSockets = new ArrayList<>();
        lock.lock();
        try {
            long remaining;
            while (busy > 0 && (remaining = deadline - System.nanoTime()) > 0) {
                try {
                    noneBusy.awaitNanos(remaining);
                } catch (InterruptedException e) {
                    interrupted = true; // stop waiting, cut off what is left, and keep the interrupt
                    break;
                }
            }
            for (Worker w : workers) {
                if (w.state == Worker.State.BUSY) {
                    cut.add(w);
                    cutSockets.add(w.socket);
                }
            }
        } finally {
            lock.unlock();
        }
        for (int i = 0; i < cut.size(); i++) {
            closeQuietly(cutSockets.get(i));
            cut.get(i).thread.interrupt(); // a handler blocked elsewhere than on its socket
        }
        if (!cut.isEmpty()) {
            log.info("worker pool '{}' stopping: closed {} connections still being served after {}", name,
                    cut.size(), timeout);
        }
        boolean joined;
        try {
            joined = joinThreads(JOIN_NANOS);
        } catch (InterruptedException e) {
            interrupted = true;
            joined = false;
        }
        lock.lock();
        try {
            if (threads.isEmpty()) {
                state = State.STOPPED;
            }
        } finally {
            lock.unlock();
        }
        if (!joined) {
            log.warn("worker pool '{}' stopped, but threads are still running: {}", name, liveThreadNames());
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return cut.isEmpty() && joined;
    }

    /** {@link #stop(Duration)} with {@link #DEFAULT_CLOSE_TIMEOUT}. */
    @Override
    public void close() {
        stop(DEFAULT_CLOSE_TIMEOUT);
    }

    @Override
    public String toString() {
        WorkerPoolStats s = stats();
        return "WorkerPool[" + name + ", " + s.workers() + " workers, " + s.busy() + " busy, " + s.idle() + " idle, "
                + s.config() + "]";
    }

    // ---- workers ----

    /** Runs on each worker's thread until the worker is retired. */
    void work(Worker w) {
        boolean retired = false;
        try {
            for (;;) {
                Socket socket;
                int deadlineMillis;
                lock.lock();
                try {
                    while (w.state == Worker.State.IDLE) {
                        w.wakeUp.awaitUninterruptibly(); // stop and retirement signal: no interrupt is needed
                    }
                    if (w.state == Worker.State.RETIRED) {
                        retired = true;
                        return;
                    }
                    socket = w.socket;
                    deadlineMillis = w.readDeadlineMillis;
                } finally {
                    lock.unlock();
                }
                boolean deadlinePassed = serveOne(socket, deadlineMillis);
                lock.lock();
                try {
                    finishLocked(w, deadlinePassed);
                } finally {
                    lock.unlock();
                }
            }
        } finally {
            exited(w, retired);
        }
    }

    /**
     * Runs the handler on one connection, outside the lock, and closes the connection.
     *
     * @return whether the read deadline passed
     */
    private boolean serveOne(Socket socket, int deadlineMillis) {
        Thread.interrupted(); // an interrupt meant for the previous connection (a stop) must not fail this one
        boolean deadlinePassed = false;
        try {
            if (deadlineMillis > 0) {
                socket.setSoTimeout(deadlineMillis);
            }
            handler.handle(socket);
        } catch (IOException | RuntimeException e) {
            deadlinePassed = causedByTimeout(e);
            if (deadlinePassed) {
                log.debug("worker pool '{}': {} silent for the read deadline, closed", name,
                        peer(socket));
            } else if (e instanceof IOException) {
                log.debug("worker pool '{}': connection from {} ended: {}", name, peer(socket),
                        e.toString());
            } else {
                log.warn("worker pool '{}': the handler failed on the connection from {}", name,
                        peer(socket), e);
            }
        } finally {
            closeQuietly(socket);
        }
        return deadlinePassed;
    }

    /** The client's address, for messages that must never say "null". */
    private static String peer(Socket socket) {
        SocketAddress remote = socket.getRemoteSocketAddress();
        return remote != null ? remote.toString() : "an unconnected socket";
    }

    private static boolean causedByTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            // A SocketTimeoutException is an InterruptedIOException; a plain one is an interrupted blocking I/O.
            if (t instanceof SocketTimeoutException) {
                return true;
            }
            if (t instanceof InterruptedIOException) {
                return false;
            }
        }
        return false;
    }

    /** The worker's connection is done: it waits for the next, or retires. */
    private void finishLocked(Worker w, boolean deadlinePassed) {
        busy--;
        served++;
        if (deadlinePassed) {
            timedOut++;
        }
        int max = config.maxWorkers();
        if (state != State.RUNNING) {
            w.busyToRetired();
            workers.remove(w);
        } else if (max > 0 && workers.size() > max) {
            w.busyToRetired(); // surplus after a resize lowered maxWorkers
            workers.remove(w);
            log.debug("worker pool '{}': worker {} retired, {} workers above maxWorkers {}", name, w.id,
                    workers.size() + 1 - max, max);
        } else {
            w.busyToIdle(clock.nanoTime());
            idle.addFirst(w);
            armRetireTimerLocked();
        }
        if (busy == 0) {
            noneBusy.signalAll();
        }
    }

    /** The worker's thread is ending: forget it, and repair the counts if it did not end by retiring. */
    private void exited(Worker w, boolean retired) {
        List<Worker> toStart = List.of();
        lock.lock();
        try {
            threads.remove(w.thread);
            if (!retired) {
                // An Error escaped (the handler's, or ours): the thread dies with it, the pool must not count it.
                if (w.state == Worker.State.BUSY) {
                    busy--;
                    served++;
                    if (busy == 0) {
                        noneBusy.signalAll();
                    }
                }
                w.state = Worker.State.RETIRED;
                w.socket = null;
                workers.remove(w);
                idle.remove(w);
                toStart = topUpLocked();
                log.error("worker pool '{}': worker {} died; {} workers left", name, w.id, workers.size());
            }
        } finally {
            lock.unlock();
        }
        toStart.forEach(this::start);
    }

    /** Makes a worker and its thread (not started: {@link #start} after the lock is released). */
    private Worker newWorkerLocked(IntFunction<Worker> born) {
        int id = ++lastWorkerId;
        Worker w = born.apply(id);
        w.thread = threadMaker.newThread("cueball-server-" + name + "-" + id, w);
        workers.add(w);
        threads.add(w.thread);
        return w;
    }

    /** Starts idle workers until there are {@code minWorkers}; returns them, to be started after the lock. */
    private List<Worker> topUpLocked() {
        List<Worker> made = new ArrayList<>();
        while (state == State.RUNNING && workers.size() < config.minWorkers()) {
            long now = clock.nanoTime();
            Worker w = newWorkerLocked(id -> Worker.bornIdle(this, id, lock.newCondition(), now));
            idle.addLast(w); // the minimum's workers: they are never retired for idleness anyway
            made.add(w);
        }
        return made;
    }

    private void start(Worker w) {
        try {
            w.thread.start();
            log.debug("worker pool '{}': worker {} started", name, w.id);
        } catch (RuntimeException | Error e) {
            // Out of native threads: undo the worker so the counts stay true; a submit's caller keeps its socket.
            lock.lock();
            try {
                threads.remove(w.thread);
                if (w.state == Worker.State.BUSY) {
                    busy--;
                    if (busy == 0) {
                        noneBusy.signalAll();
                    }
                }
                w.state = Worker.State.RETIRED;
                w.socket = null;
                workers.remove(w);
                idle.remove(w);
            } finally {
                lock.unlock();
            }
            throw e;
        }
    }

    private void retireLocked(Worker w) {
        w.idleToRetired();
        workers.remove(w);
    }

    // ---- idle retirement, on the clock ----

    /**
     * Retires the workers idle for {@code idleTimeout} at {@code now}, longest idle first, while more than
     * {@code minWorkers} are alive.
     *
     * @param now the clock's time
     * @return nanoseconds until the next worker falls due, or -1 if none can (no idle worker above the minimum)
     */
    long retireIdleLocked(long now) {
        long idleNanos = saturatedNanos(config.idleTimeout());
        while (state == State.RUNNING && workers.size() > config.minWorkers() && !idle.isEmpty()) {
            Worker oldest = idle.peekLast();
            long idleFor = now - oldest.idleSince;
            if (idleFor < idleNanos) {
                return idleNanos - idleFor;
            }
            idle.pollLast();
            retireLocked(oldest);
            log.debug("worker pool '{}': worker {} retired after {} ms idle; {} workers left", name, oldest.id,
                    TimeUnit.NANOSECONDS.toMillis(idleFor), workers.size());
        }
        return -1;
    }

    /** Schedules the retire timer for the longest idle worker, unless one is scheduled or none is due. */
    private void armRetireTimerLocked() {
        if (retireTimer != null || state != State.RUNNING) {
            return;
        }
        long delay = retireIdleLocked(clock.nanoTime());
        if (delay >= 0) {
            retireTimer = clock.schedule(this::onRetireTimer, delay);
        }
    }

    private void rearmRetireTimerLocked() {
        if (retireTimer != null) {
            retireTimer.cancel();
            retireTimer = null;
        }
        armRetireTimerLocked();
    }

    /** The retire timer fired (on the timer thread, or the thread advancing a manual clock). */
    private void onRetireTimer() {
        lock.lock();
        try {
            retireTimer = null;
            armRetireTimerLocked(); // retires what is due now and schedules the next
        } finally {
            lock.unlock();
        }
    }

    // ---- the accept loop ----

    private void acceptLoop(ServerSocketChannel channel) {
        try {
            while (channel.isOpen()) {
                SocketChannel accepted;
                try {
                    accepted = channel.accept();
                } catch (ClosedChannelException e) { // also AsynchronousCloseException: stop closed it
                    return;
                } catch (IOException e) {
                    if (!channel.isOpen()) {
                        return;
                    }
                    log.warn("worker pool '{}': accept failed", name, e);
                    LockSupport.parkNanos(ACCEPT_ERROR_PAUSE_NANOS); // out of file descriptors: do not spin
                    continue;
                }
                Socket socket = accepted.socket();
                try {
                    submit(socket);
                } catch (WorkerPoolBusyException e) {
                    answerBusy(socket);
                } catch (WorkerPoolStoppedException e) {
                    closeQuietly(socket);
                    return;
                } catch (RuntimeException | Error e) {
                    closeQuietly(socket);
                    throw e;
                }
            }
        } finally {
            lock.lock();
            try {
                threads.remove(Thread.currentThread());
            } finally {
                lock.unlock();
            }
        }
    }

    private void answerBusy(Socket socket) {
        try {
            if (busyReply.length > 0) {
                socket.getOutputStream().write(busyReply); // short: the fresh socket's buffer takes it at once
            }
        } catch (IOException e) {
            // the client has gone already
        } finally {
            closeQuietly(socket);
        }
    }

    // ---- helpers ----

    private WorkerPoolStoppedException stoppedLocked(String what) {
        return new WorkerPoolStoppedException("worker pool '" + name + "' is " + state.name().toLowerCase(Locale.ROOT)
                + ": " + what);
    }

    private boolean joinThreads(long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        for (;;) {
            Thread next = null;
            lock.lock();
            try {
                for (Thread t : threads) {
                    if (t != Thread.currentThread()) {
                        next = t;
                        break;
                    }
                }
            } finally {
                lock.unlock();
            }
            long remaining = deadline - System.nanoTime();
            if (next == null) {
                break;
            }
            if (remaining <= 0) {
                return false;
            }
            if (next.getState() == Thread.State.NEW) {
                // Made under the lock by a submit (or serve) that has not started it yet: it will be started, or
                // forgotten if it cannot be, in a moment. Joining it now would return at once and lose it.
                LockSupport.parkNanos(Math.min(remaining, TimeUnit.MILLISECONDS.toNanos(1)));
                continue;
            }
            TimeUnit.NANOSECONDS.timedJoin(next, remaining);
            if (next.getState() == Thread.State.TERMINATED) {
                lock.lock();
                try {
                    threads.remove(next); // exited (it removes itself too, in its last moments)
                } finally {
                    lock.unlock();
                }
            }
        }
        return ownTimer == null || ownTimer.close(Math.max(0, deadline - System.nanoTime()));
    }

    private List<String> liveThreadNames() {
        lock.lock();
        try {
            return threads.stream().filter(Thread::isAlive).map(Thread::getName).toList();
        } finally {
            lock.unlock();
        }
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            // closing anyway; nothing to tell
        }
    }

    /**
     * Collects a pool's options; {@link #build()} validates them all at once and starts {@code minWorkers}.
     * Not thread-safe.
     */
    public static final class Builder {
        private final ConnectionHandler handler;
        private final WorkerPoolConfig.Builder config = WorkerPoolConfig.builder();
        private String name;
        private PoolClock clock;
        private boolean virtualThreads;
        private byte[] busyReply = DEFAULT_BUSY_REPLY.getBytes(StandardCharsets.US_ASCII);

        private Builder(ConnectionHandler handler) {
            this.handler = handler;
        }

        /**
         * @param name used in thread names ({@code cueball-server-<name>-N}), logs and errors:
         *             1 to 64 of {@code A-Z a-z 0-9 . _ -}. Default {@code workers-<n>}
         * @return this builder
         */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name must not be null");
            return this;
        }

        /**
         * @param minWorkers workers started at build and kept when idle, {@code >= 0}. Default
         *                   {@value WorkerPoolConfig#DEFAULT_MIN_WORKERS}
         * @return this builder
         * @see WorkerPoolConfig.Builder#minWorkers(int)
         */
        public Builder minWorkers(int minWorkers) {
            config.minWorkers(minWorkers);
            return this;
        }

        /**
         * @param maxWorkers the most connections served at once, {@code >= 0}; 0 for no bound. Default
         *                   {@value WorkerPoolConfig#DEFAULT_MAX_WORKERS}
         * @return this builder
         * @see WorkerPoolConfig.Builder#maxWorkers(int)
         */
        public Builder maxWorkers(int maxWorkers) {
            config.maxWorkers(maxWorkers);
            return this;
        }

        /**
         * @param idleTimeout how long a worker above {@code minWorkers} may stay idle, {@code > 0}. Default 60 s
         * @return this builder
         * @see WorkerPoolConfig.Builder#idleTimeout(Duration)
         */
        public Builder idleTimeout(Duration idleTimeout) {
            config.idleTimeout(idleTimeout);
            return this;
        }

        /**
         * @param readDeadline how long one read may wait for a client; zero for none. Default 5 min
         * @return this builder
         * @see WorkerPoolConfig.Builder#readDeadline(Duration)
         */
        public Builder readDeadline(Duration readDeadline) {
            config.readDeadline(readDeadline);
            return this;
        }

        /**
         * @param c all four of the resizable options at once (replaces what the four setters set)
         * @return this builder
         */
        public Builder config(WorkerPoolConfig c) {
            Objects.requireNonNull(c, "config must not be null");
            config.minWorkers(c.minWorkers()).maxWorkers(c.maxWorkers()).idleTimeout(c.idleTimeout())
                    .readDeadline(c.readDeadline());
            return this;
        }

        /**
         * @param clock the time source of idle retirement, e.g. a manual clock in tests; the caller's, not stopped
         *              by the pool. Default: the system's, with a timer thread the pool stops
         * @return this builder
         */
        public Builder clock(PoolClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock must not be null");
            return this;
        }

        /**
         * @param virtualThreads run each worker on a virtual thread instead of a daemon platform thread (Java 21
         *                       and later; {@link #build()} refuses it on an older JVM). Default false
         * @return this builder
         */
        public Builder virtualThreads(boolean virtualThreads) {
            this.virtualThreads = virtualThreads;
            return this;
        }

        /**
         * @param reply what {@link WorkerPool#serve}'s accept loop writes to a connection refused as busy before
         *              closing it, at most {@value WorkerPool#MAX_BUSY_REPLY_BYTES} bytes; empty to just close.
         *              Copied. Default the ASCII line {@code BUSY\n}
         * @return this builder
         */
        public Builder busyReply(byte[] reply) {
            this.busyReply = Objects.requireNonNull(reply, "busyReply must not be null").clone();
            return this;
        }

        /**
         * Validates the options and starts the pool: its {@code minWorkers} workers start now.
         *
         * @return the running pool
         * @throws IllegalArgumentException naming every bad option, its value and what was expected, after the
         *                                  pool's name: {@code worker pool 'api': maxWorkers: -1 (expected: >= 0;
         *                                  0 for unbounded)}
         * @throws NullPointerException     if a duration is null
         */
        public WorkerPool build() {
            if (name == null) {
                name = "workers-" + POOLS.incrementAndGet();
            }
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("name: '" + name
                        + "' (expected: 1 to 64 characters of A-Z a-z 0-9 . _ -)");
            }
            List<String> errors = config.errors();
            if (busyReply.length > MAX_BUSY_REPLY_BYTES) {
                errors.add("busyReply: " + busyReply.length + " bytes (expected: at most " + MAX_BUSY_REPLY_BYTES
                        + ", so that writing it never blocks the accept loop)");
            }
            if (virtualThreads && !WorkerThreads.virtualThreadsAvailable()) {
                errors.add("virtualThreads: true (expected: false on Java " + Runtime.version().feature()
                        + "; virtual threads need Java 21 or later)");
            }
            if (!errors.isEmpty()) {
                throw new IllegalArgumentException("worker pool '" + name + "': " + String.join("; ", errors));
            }
            WorkerPoolConfig initial = config.build();
            WorkerPool pool = new WorkerPool(this, initial);
            List<Worker> toStart;
            pool.lock.lock();
            try {
                toStart = pool.topUpLocked();
            } finally {
                pool.lock.unlock();
            }
            toStart.forEach(pool::start);
            log.debug("worker pool '{}' started: {}", pool.name, initial);
            return pool;
        }
    }
}
