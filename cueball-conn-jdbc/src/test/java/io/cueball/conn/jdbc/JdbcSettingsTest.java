package io.cueball.conn.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.Backend;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class JdbcSettingsTest {

    @Test
    void buildsPostgresUrlsWithIpv6InBracketsAndNoCredentials() {
        JdbcSettings s = JdbcSettings.postgres("app", "app_user").password(() -> "pw-1").build();
        assertEquals("jdbc:postgresql://10.0.0.1:5432/app", s.urlFor(Backend.of("10.0.0.1", 5432)));
        assertEquals("jdbc:postgresql://[fd00::1]:6432/app", s.urlFor(Backend.of("fd00::1", 6432)));
        assertEquals("jdbc:mysql://db1:3306/x", JdbcSettings.url("jdbc:mysql://{host}:{port}/x").build()
                .urlFor(Backend.of("db1", 3306)));
    }

    @Test
    void toStringNeverShowsThePasswordAndTheSupplierIsReadAtEachConnect() {
        AtomicInteger reads = new AtomicInteger();
        JdbcSettings s = JdbcSettings.postgres("app", "app_user")
                .password(() -> "pw-" + reads.incrementAndGet()).build();
        assertFalse(s.toString().contains("pw-"), s.toString());
        assertTrue(s.toString().contains("password=(supplied)"), s.toString());
        assertEquals("pw-1", s.driverProperties().getProperty("password"));
        assertEquals("pw-2", s.driverProperties().getProperty("password"), "a rotated secret is picked up");
        assertFalse(new JdbcConnectionFactory(s).toString().contains("pw-"));
    }

    @Test
    void badSettingsAreNamed() {
        assertEquals("database: '' (expected: a database name)", assertThrows(IllegalArgumentException.class,
                () -> JdbcSettings.postgres("", "u").build()).getMessage());
        assertEquals("user: 'null' (expected: a user name)", assertThrows(IllegalArgumentException.class,
                () -> JdbcSettings.postgres("db", null).build()).getMessage());
        assertEquals("url template: 'jdbc:mysql://db/x' (expected: a jdbc: URL with {host} and {port})",
                assertThrows(IllegalArgumentException.class, () -> JdbcSettings.url("jdbc:mysql://db/x").build())
                        .getMessage());
        assertEquals("connectTimeout: PT0.5S (expected: >= 1 s, whole seconds)",
                assertThrows(IllegalArgumentException.class, () -> JdbcSettings.postgres("db", "u")
                        .connectTimeout(Duration.ofMillis(500)).build()).getMessage());
        assertEquals("initStatements[1]: ' ' (expected: an SQL statement)",
                assertThrows(IllegalArgumentException.class, () -> JdbcSettings.postgres("db", "u")
                        .initStatements("SET x TO 1", " ").build()).getMessage());
    }

    @Test
    void connectionGoneIsSqlStateClass08OrAServerShutdown() {
        assertTrue(JdbcConnection.isConnectionGone(new SQLException("io", "08006")));
        assertTrue(JdbcConnection.isConnectionGone(new SQLException("admin shutdown", "57P01")));
        assertTrue(JdbcConnection.isConnectionGone(new SQLException("wrapped", "XX000",
                new SQLTransientConnectionException("cause", "08001"))));
        assertFalse(JdbcConnection.isConnectionGone(new SQLException("syntax", "42601")));
        assertFalse(JdbcConnection.isConnectionGone(new SQLException("no state")));
    }
}
