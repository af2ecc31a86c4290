/**
 * The pool and its public API: {@link io.cueball.ConnectionPool}, {@link io.cueball.Claim},
 * {@link io.cueball.Backend}, the {@link io.cueball.Resolver} and {@link io.cueball.ConnectionFactory} SPIs,
 * {@link io.cueball.ReportedBackends} for resolvers, stats, listener and exceptions.
 *
 * <p>{@code io.cueball.internal} holds helpers shared by cueball's own modules; it is exported to them alone
 * and is not API. slf4j is used for logging only: no slf4j type appears in the API, so it is not transitive.
 */
@SuppressWarnings("module") // the qualified exports name modules built after this one
module io.cueball {
    requires org.slf4j;
    requires java.management; // ConnectionPoolMXBean (registerMbeans)

    exports io.cueball;
    exports io.cueball.internal to
            io.cueball.resolver.fixed,
            io.cueball.resolver.dns,
            io.cueball.resolver.consul,
            io.cueball.cli; // simulate plans fleets with RebalancePlan and Preference
}
