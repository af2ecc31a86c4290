package io.cueball.spring.boot;

import io.cueball.ConnectionPool;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The meters of every cueball pool in the context: one {@code io.cueball.micrometer.CueballPoolMetrics} (from
 * cueball-micrometer; see its javadoc for the meters) per pool, bound to each registry Boot gives it and closed
 * with the context, which removes the meters and detaches them from the pools.
 *
 * <p>cueball-micrometer is an optional dependency of this starter, found by class name: its binder is created
 * reflectively through its public {@code (ConnectionPool)} constructor, so this starter compiles and runs without
 * it. Boot calls {@link #bindTo} on the thread that starts the context; thread-safe as the binders are.
 */
final class CueballPoolsMeterBinder implements MeterBinder, AutoCloseable {
    static final String POOL_METRICS = "io.cueball.micrometer.CueballPoolMetrics";

    private final List<MeterBinder> binders = new ArrayList<>();

    /**
     * @param pools       the pools to meter
     * @param classLoader where cueball-micrometer is
     * @throws IllegalStateException if cueball-micrometer's binder cannot be created (a version without the
     *                               constructor this starter calls)
     */
    CueballPoolsMeterBinder(List<ConnectionPool<?>> pools, ClassLoader classLoader) {
        Constructor<?> constructor;
        try {
            constructor = Class.forName(POOL_METRICS, true, classLoader).getConstructor(ConnectionPool.class);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(POOL_METRICS + "(ConnectionPool) not found: cueball-micrometer must be "
                    + "the version of this starter", e);
        }
        for (ConnectionPool<?> pool : pools) {
            try {
                binders.add((MeterBinder) constructor.newInstance(Objects.requireNonNull(pool, "pool")));
            } catch (InvocationTargetException e) {
                close();
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            } catch (ReflectiveOperationException e) {
                close();
                throw new IllegalStateException("cannot create " + POOL_METRICS, e);
            }
        }
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (MeterBinder binder : binders) {
            binder.bindTo(registry);
        }
    }

    /** Closes every pool's binder: its meters leave the registries. Idempotent. */
    @Override
    public void close() {
        for (MeterBinder binder : binders) {
            if (binder instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    // CueballPoolMetrics.close() throws nothing; another binder's failure must not stop the rest.
                }
            }
        }
    }

    /** @return how many pools are metered */
    int size() {
        return binders.size();
    }
}
