/**
 * {@link io.cueball.resolver.consul.ConsulResolver}: the healthy instances of a Consul service, followed with
 * blocking queries, weighted by Consul's service weights.
 */
package io.cueball.resolver.consul;
