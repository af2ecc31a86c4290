/**
 * Pre-bound JDBC connections for the pool, and {@link io.cueball.conn.jdbc.CueballDataSource}, a
 * {@link javax.sql.DataSource} over a pool. {@code java.sql} is transitive: the API hands out
 * {@link java.sql.Connection}s and takes {@link java.sql.SQLException}s.
 *
 * <p>No driver is required: drivers are found by {@link java.sql.DriverManager} as services, so an
 * application on the module path only needs the driver's jar there (PostgreSQL's is the automatic module
 * {@code org.postgresql.jdbc}), or on the class path.
 */
module io.cueball.conn.jdbc {
    requires transitive io.cueball;
    requires transitive java.sql;
    // Optional: with pgjdbc present, reset() also notices a transaction opened by a plain BEGIN. Compiled
    // against it, never required at run time (a static requires); JdbcConnection checks it is there.
    requires static org.postgresql.jdbc;

    exports io.cueball.conn.jdbc;
}
