package io.cueball.server;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Makes a pool's threads: daemon platform threads, or virtual threads on Java 21 and later. The build targets
 * Java 17, so {@code Thread.ofVirtual()} is reached through method handles found once (as cueball-core's
 * {@code IdleSet} finds {@code Thread.isVirtual()}); on 17 they are absent and virtual threads are refused at
 * build.
 */
final class WorkerThreads {
    /** {@code Thread.ofVirtual()}, {@code OfVirtual.name(String)}, {@code Builder.unstarted(Runnable)}; or null. */
    private static final MethodHandle OF_VIRTUAL;
    private static final MethodHandle NAME;
    private static final MethodHandle UNSTARTED;

    static {
        MethodHandle of = null;
        MethodHandle name = null;
        MethodHandle unstarted = null;
        try {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            Class<?> builder = Class.forName("java.lang.Thread$Builder");
            Class<?> ofVirtual = Class.forName("java.lang.Thread$Builder$OfVirtual");
            of = lookup.findStatic(Thread.class, "ofVirtual", MethodType.methodType(ofVirtual))
                    .asType(MethodType.methodType(Object.class));
            name = lookup.findVirtual(ofVirtual, "name", MethodType.methodType(ofVirtual, String.class))
                    .asType(MethodType.methodType(Object.class, Object.class, String.class));
            unstarted = lookup.findVirtual(builder, "unstarted", MethodType.methodType(Thread.class, Runnable.class))
                    .asType(MethodType.methodType(Thread.class, Object.class, Runnable.class));
        } catch (ReflectiveOperationException e) {
            of = null; // Java 17..20: no virtual threads
        }
        OF_VIRTUAL = of;
        NAME = of == null ? null : name;
        UNSTARTED = of == null ? null : unstarted;
    }

    private final boolean virtual;

    WorkerThreads(boolean virtual) {
        this.virtual = virtual;
    }

    /** @return whether this JVM has virtual threads (Java 21 and later) */
    static boolean virtualThreadsAvailable() {
        return OF_VIRTUAL != null;
    }

    /**
     * @param name the thread's name
     * @param task what it runs
     * @return an unstarted thread: a daemon platform thread, or a virtual thread (always a daemon)
     */
    Thread newThread(String name, Runnable task) {
        if (!virtual) {
            Thread t = new Thread(task, name);
            t.setDaemon(true);
            return t;
        }
        try {
            Object builder = NAME.invokeExact(OF_VIRTUAL.invokeExact(), name);
            return (Thread) UNSTARTED.invokeExact(builder, task);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cannot make virtual thread " + name, t); // none of these throw checked
        }
    }
}
