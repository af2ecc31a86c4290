package io.cueball.spring.boot;

import io.cueball.Resolver;
import io.cueball.resolver.dns.DnsSrvResolver;
import io.cueball.resolver.fixed.StaticResolver;
import java.util.Locale;
import java.util.function.Supplier;
import org.springframework.util.ClassUtils;

/**
 * {@code cueball.datasource.resolver}: a spec as the command line writes it ({@code static:...}, {@code dns:...},
 * {@code consul:...}), read by each resolver module's own public parser ({@link StaticResolver#parse},
 * {@link DnsSrvResolver#parse}, {@code ConsulResolver.parse}); this class only picks the parser by the scheme.
 * cueball-resolver-consul is optional: a {@code consul:} spec without it on the class path fails naming the
 * artifact to add.
 */
final class ResolverSpecs {
    static final String PROPERTY = "resolver";
    static final String FORMS = "static:host:port[,host:port...], dns:_service._tcp.name[@server:port][?port=N]"
            + " or consul:service[?tag=..&dc=..][@host:port]";
    private static final String CONSUL_RESOLVER = "io.cueball.resolver.consul.ConsulResolver";

    private ResolverSpecs() {
    }

    /**
     * @param spec        the spec
     * @param consulToken the Consul token, read at each request (a {@code consul:} spec only)
     * @param classLoader the application's, where cueball-resolver-consul may be
     * @return the resolver, not started
     * @throws org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException naming
     *         {@code cueball.datasource.resolver}, its value and what is wrong with it
     */
    static Resolver parse(String spec, Supplier<String> consulToken, ClassLoader classLoader) {
        if (spec == null || spec.isBlank()) {
            throw PropertyErrors.invalid(PROPERTY, spec, "expected: a resolver spec, " + FORMS);
        }
        int colon = spec.indexOf(':');
        String scheme = colon < 0 ? "" : spec.substring(0, colon).trim().toLowerCase(Locale.ROOT);
        return switch (scheme) {
            case "static" ->
                    PropertyErrors.value(PROPERTY, spec, () -> StaticResolver.parse(spec.substring(colon + 1)));
            case "dns" -> PropertyErrors.value(PROPERTY, spec, () -> DnsSrvResolver.parse(spec));
            case "consul" -> {
                if (!ClassUtils.isPresent(CONSUL_RESOLVER, classLoader)) {
                    throw PropertyErrors.invalid(PROPERTY, spec,
                            "a consul: spec needs io.cueball:cueball-resolver-consul on the class path");
                }
                yield PropertyErrors.value(PROPERTY, spec, () -> Consul.parse(spec, consulToken));
            }
            default -> throw PropertyErrors.invalid(PROPERTY, spec, "expected: " + FORMS);
        };
    }

    /** Apart, so that ConsulResolver is loaded only when a consul: spec is used and the module is there. */
    private static final class Consul {
        static Resolver parse(String spec, Supplier<String> token) {
            return io.cueball.resolver.consul.ConsulResolver.parse(spec).token(token).build();
        }
    }
}
