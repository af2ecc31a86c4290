/**
 * {@link io.cueball.resolver.fixed.StaticResolver}: a fixed list of backends, changeable at runtime.
 */
module io.cueball.resolver.fixed {
    requires transitive io.cueball;

    exports io.cueball.resolver.fixed;
}
