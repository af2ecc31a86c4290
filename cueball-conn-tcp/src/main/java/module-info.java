/**
 * {@link io.cueball.conn.tcp.TcpConnectionFactory} and {@link io.cueball.conn.tcp.TcpConnection}: plain TCP
 * connections for the pool.
 */
module io.cueball.conn.tcp {
    requires transitive io.cueball;

    exports io.cueball.conn.tcp;
}
