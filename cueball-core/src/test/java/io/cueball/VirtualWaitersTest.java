package io.cueball;

import static io.cueball.EngineHarness.A;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A virtual thread's waiting claim is urgent from its start (Waiters.await): handed connections in queue order
 * under the lock, never left racing, yielding or waking itself. JDK 21 and later; skipped on 17.
 */
class VirtualWaitersTest {
    private static final int WAITERS = 40;

    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void tearDown() {
        h.close();
    }

    /** Thread.ofVirtual().unstarted(task), or null before JDK 21. */
    private static Thread virtualThread(Runnable task) throws Throwable {
        MethodHandle ofVirtual;
        try {
            ofVirtual = MethodHandles.publicLookup().findStatic(Thread.class, "ofVirtual",
                    MethodType.methodType(Class.forName("java.lang.Thread$Builder$OfVirtual")));
        } catch (ReflectiveOperationException e) {
            return null;
        }
        Object builder = ofVirtual.invoke();
        MethodHandle unstarted = MethodHandles.publicLookup().findVirtual(Class.forName("java.lang.Thread$Builder"),
                "unstarted", MethodType.methodType(Thread.class, Runnable.class));
        return (Thread) unstarted.invoke(builder, task);
    }

    @Test
    void virtualThreadsWaitUrgentAndAreServedInQueueOrder() throws Throwable {
        var pool = h.startAndSettle(h.builder(A).maxConnections(1).claimTimeout(Duration.ofSeconds(30)));
        PoolEngine<MemoryConnection> engine = pool.engine();
        Claim<MemoryConnection> held = pool.claim();
        List<Integer> served = new CopyOnWriteArrayList<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < WAITERS; i++) {
            int id = i;
            Thread t = virtualThread(() -> {
                try (Claim<MemoryConnection> c = pool.claim()) {
                    served.add(id);
                    c.connection();
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            assumeTrue(t != null, "virtual threads need JDK 21 or later");
            threads.add(t);
            t.start();
            int queued = i + 1;
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1)).until(() -> waiting(engine) == queued);
            // Urgent at once: a platform thread's claim stays WAITING for its first 200 µs of racing.
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1)).until(() -> lastQueuedIsUrgent(engine));
        }
        held.close();
        for (Thread t : threads) {
            t.join(Duration.ofSeconds(30).toMillis());
            assertTrue(!t.isAlive(), "a waiter was never served");
        }
        assertEquals(List.of(), failures);
        List<Integer> inOrder = new ArrayList<>();
        for (int i = 0; i < WAITERS; i++) {
            inOrder.add(i);
        }
        assertEquals(inOrder, served, "handed over in queue order");
    }

    private static int waiting(PoolEngine<MemoryConnection> engine) {
        engine.lock();
        try {
            return engine.waiters.sizeLocked();
        } finally {
            engine.unlock();
        }
    }

    private static boolean lastQueuedIsUrgent(PoolEngine<MemoryConnection> engine) {
        engine.lock();
        try {
            Claim<MemoryConnection> last = null;
            for (Claim<MemoryConnection> c : engine.waiters.queueLocked()) {
                last = c;
            }
            return last != null && last.isUrgent();
        } finally {
            engine.unlock();
        }
    }
}
