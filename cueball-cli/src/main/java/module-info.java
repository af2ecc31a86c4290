/**
 * The {@code cueball} command: {@code demo}, {@code resolve}, {@code watch}. An application, so it exports
 * nothing; its package is open to picocli, which reads the commands' annotated fields and methods by
 * reflection and sets them.
 */
module io.cueball.cli {
    requires io.cueball;
    requires io.cueball.resolver.fixed;
    requires io.cueball.resolver.dns;
    requires io.cueball.resolver.consul;
    requires io.cueball.conn.tcp;
    requires io.cueball.conn.jdbc;
    requires io.cueball.testing;
    requires info.picocli;

    opens io.cueball.cli to info.picocli;
}
