/**
 * Micrometer metrics for a cueball pool: {@link io.cueball.micrometer.CueballPoolMetrics} registers HikariCP's
 * pool meters under {@code cueball.*}, one set of meters per backend, and the rest of pooly's statsd set, with any
 * Micrometer registry (Prometheus, statsd, JMX, OTLP...). The README's "Metrics and operations" section has the
 * table of meters.
 */
package io.cueball.micrometer;
