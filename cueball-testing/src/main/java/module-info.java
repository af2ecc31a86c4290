/**
 * Test fixtures for code that uses cueball: loopback TCP and DNS servers, a manual clock, a manual resolver,
 * recording listeners and a tracking factory. For tests only.
 */
module io.cueball.testing {
    requires transitive io.cueball;
    requires org.dnsjava;
    requires io.cueball.server; // TestTcpServer's workers

    exports io.cueball.testing;
}
