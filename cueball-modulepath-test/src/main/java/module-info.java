/**
 * A user's application, as small as it gets: it names the cueball modules it uses and nothing else, so that
 * running it with {@code --module-path} alone proves their descriptors are complete.
 */
module app.module {
    requires io.cueball;
    requires io.cueball.resolver.fixed;
    requires io.cueball.conn.tcp;
}
