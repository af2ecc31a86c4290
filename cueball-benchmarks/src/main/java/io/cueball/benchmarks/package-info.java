/** JMH benchmarks and failover scenarios; see the module's README for how to run them. */
package io.cueball.benchmarks;
