/**
 * JDBC connections for a {@link io.cueball.ConnectionPool}: opened and <em>bound</em> (authenticated, set up,
 * validated) before the pool hands them out, reset when released, and a {@link javax.sql.DataSource} view of
 * a pool for code and frameworks that take one.
 */
package io.cueball.conn.jdbc;
