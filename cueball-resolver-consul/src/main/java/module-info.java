/**
 * {@link io.cueball.resolver.consul.ConsulResolver}: the healthy instances of a Consul service, followed with
 * blocking health queries. Its third-party libraries are implementation details: none of their types appears
 * in the API.
 */
module io.cueball.resolver.consul {
    requires transitive io.cueball;
    // consul-api 1.4.5 has neither a module-info nor an Automatic-Module-Name: "consul.api" is derived from
    // its file name (consul-api-1.4.5.jar). It is what Maven and Gradle put on the module path, but it is not
    // a name its authors chose; if a later consul-api declares one, this line must follow it.
    requires consul.api;
    requires org.apache.httpcomponents.httpclient;
    requires org.apache.httpcomponents.httpcore;
    requires com.google.gson;
    requires org.slf4j;

    exports io.cueball.resolver.consul;
}
