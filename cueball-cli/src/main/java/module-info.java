/**
 * The {@code cueball} command: {@code demo}, {@code resolve}, {@code watch}, {@code simulate}. An application,
 * so it exports nothing; its package is open to picocli, which reads the commands' annotated fields and methods
 * by reflection and sets them.
 */
@SuppressWarnings("requires-automatic") // JFreeChart names itself in its manifest only
module io.cueball.cli {
    requires io.cueball;
    requires io.cueball.resolver.fixed;
    requires io.cueball.resolver.dns;
    requires io.cueball.resolver.consul;
    requires io.cueball.conn.tcp;
    requires io.cueball.conn.mux;
    requires io.cueball.conn.jdbc;
    requires io.cueball.testing;
    requires io.cueball.micrometer;
    requires micrometer.registry.statsd; // --statsd
    requires io.cueball.server; // LoopbackServer's workers
    requires info.picocli;
    requires org.jfree.jfreechart; // simulate's plots
    requires java.desktop; // the images the plots are drawn into

    opens io.cueball.cli to info.picocli;
}
