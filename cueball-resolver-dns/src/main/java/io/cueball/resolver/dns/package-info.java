/**
 * {@link io.cueball.resolver.dns.DnsSrvResolver}: backends from DNS SRV records (with their A/AAAA records),
 * refreshed as their TTLs run out.
 */
package io.cueball.resolver.dns;
