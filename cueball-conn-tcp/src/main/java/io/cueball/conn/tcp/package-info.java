/** Plain TCP connections for a {@link io.cueball.ConnectionPool}. */
package io.cueball.conn.tcp;
