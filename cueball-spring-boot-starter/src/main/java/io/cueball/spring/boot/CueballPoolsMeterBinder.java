package io.cueball.spring.boot;

import io.cueball.ConnectionPool;
import io.cueball.micrometer.CueballPoolMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.List;

/**
 * The meters of every cueball pool in the context: one {@link CueballPoolMetrics} (see its javadoc for the
 * meters) per pool, bound to each registry Boot gives it and closed with the context, which removes the meters and
 * detaches them from the pools. cueball-micrometer is an optional dependency of this starter: this class is
 * loaded only when {@link CueballMetricsAutoConfiguration} found it. Boot calls {@link #bindTo} on the thread
 * that starts the context; thread-safe as the binders are.
 */
final class CueballPoolsMeterBinder implements MeterBinder, AutoCloseable {
    /** Looked up by name, so that the starter runs without cueball-micrometer. */
    static final String POOL_METRICS = "io.cueball.micrometer.CueballPoolMetrics";

    private final List<CueballPoolMetrics> binders = new ArrayList<>();

    /** @param pools the pools to meter */
    CueballPoolsMeterBinder(List<ConnectionPool<?>> pools) {
        for (ConnectionPool<?> pool : pools) {
            binders.add(new CueballPoolMetrics(pool));
        }
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (CueballPoolMetrics binder : binders) {
            binder.bindTo(registry);
        }
    }

    /** Closes every pool's binder: its meters leave the registries. Idempotent. */
    @Override
    public void close() {
        binders.forEach(CueballPoolMetrics::close);
    }
}
