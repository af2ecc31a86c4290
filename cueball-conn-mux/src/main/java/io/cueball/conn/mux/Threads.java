package io.cueball.conn.mux;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Reader threads: virtual where the JDK has them (21 and later), found by method handles so that this module still
 * compiles and runs on 17; platform daemon threads otherwise.
 */
final class Threads {
    private static final MethodHandle OF_VIRTUAL;
    private static final MethodHandle NAME;
    private static final MethodHandle UNSTARTED;

    static {
        MethodHandle ofVirtual = null;
        MethodHandle name = null;
        MethodHandle unstarted = null;
        try {
            Class<?> builder = Class.forName("java.lang.Thread$Builder");
            Class<?> virtual = Class.forName("java.lang.Thread$Builder$OfVirtual");
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            ofVirtual = lookup.findStatic(Thread.class, "ofVirtual", MethodType.methodType(virtual));
            name = lookup.findVirtual(builder, "name", MethodType.methodType(builder, String.class));
            unstarted = lookup.findVirtual(builder, "unstarted", MethodType.methodType(Thread.class, Runnable.class));
            Object probe = ofVirtual.invoke(); // JDK 19 and 20 have it as a preview: it throws unless enabled
            if (probe == null) {
                ofVirtual = null;
            }
        } catch (Throwable notAvailable) {
            ofVirtual = null;
        }
        OF_VIRTUAL = ofVirtual;
        NAME = name;
        UNSTARTED = unstarted;
    }

    private Threads() {
    }

    /** @return whether this JDK makes virtual threads */
    static boolean virtualAvailable() {
        return OF_VIRTUAL != null;
    }

    /**
     * An unstarted thread: virtual if asked for and available, else a platform daemon thread.
     *
     * @param name    its name
     * @param task    what it runs
     * @param virtual whether a virtual thread is wanted
     */
    static Thread newThread(String name, Runnable task, boolean virtual) {
        if (virtual && OF_VIRTUAL != null) {
            try {
                Object builder = OF_VIRTUAL.invoke();
                builder = NAME.invoke(builder, name);
                return (Thread) UNSTARTED.invoke(builder, task);
            } catch (Throwable e) {
                // fall through to a platform thread
            }
        }
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        return t;
    }
}
