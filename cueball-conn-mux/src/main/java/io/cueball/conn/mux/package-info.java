/**
 * Request/response multiplexing over one TCP connection (the MindAlpha pool's {@code PutRequest(id)}, done without
 * its race): {@link io.cueball.conn.mux.MuxConnection#send(byte[])} returns a future that the response carrying the
 * same request id completes. Meant to be shared by the leases of a {@link io.cueball.ConnectionSet}.
 */
package io.cueball.conn.mux;
