/**
 * {@link io.cueball.server.WorkerPool}: workers for a server's accepted connections, with a minimum and a
 * maximum, idle workers above the minimum retired, "busy" answered at the maximum, a per-connection read
 * deadline, resizing while running and a graceful stop (the job of Go's pool-manager, server side).
 *
 * <p>It needs {@link io.cueball.PoolClock} from the core (the injected time source), and its exceptions are
 * {@link io.cueball.CueballException}s, so the core is transitive. slf4j is for logging only.
 */
module io.cueball.server {
    requires transitive io.cueball;
    requires org.slf4j;

    exports io.cueball.server;
}
