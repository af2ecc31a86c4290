/**
 * {@link io.cueball.resolver.dns.DnsSrvResolver}: backends from DNS SRV (and A/AAAA) records, refreshed by
 * their TTLs. dnsjava and slf4j are implementation details: no type of theirs appears in the API.
 */
module io.cueball.resolver.dns {
    requires transitive io.cueball;
    requires org.dnsjava;
    requires org.slf4j;

    exports io.cueball.resolver.dns;
}
