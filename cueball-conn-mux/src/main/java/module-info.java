/**
 * {@link io.cueball.conn.mux.MuxConnection} and {@link io.cueball.conn.mux.MuxConnectionFactory}: many requests at
 * once over one TCP connection, each answered by the response that carries its request id, for a
 * {@link io.cueball.ConnectionSet}. The wire format is pluggable ({@link io.cueball.conn.mux.FrameCodec}).
 */
module io.cueball.conn.mux {
    requires transitive io.cueball;
    requires org.slf4j;

    exports io.cueball.conn.mux;
}
