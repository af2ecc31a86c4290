package io.cueball.conn.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.Backend;
import io.cueball.ClaimInterruptedException;
import io.cueball.ClaimTimeoutException;
import io.cueball.CueballException;
import io.cueball.NoBackendsException;
import io.cueball.PoolClosedException;
import io.cueball.PoolFailedException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** What a failed connect says (never the password) and what a failed claim becomes, without a database. */
class JdbcErrorsTest {
    private static final Backend BACKEND = Backend.of("10.0.0.7", 5432);
    private static final String URL = "jdbc:other://10.0.0.7:5432/app";
    private static final String SECRET = "p@ss:w/rd?&=%";

    /** Stands for a driver other than pgjdbc, which may echo anything. */
    private static final class OtherDriverException extends SQLException {
        private static final long serialVersionUID = 1L;

        OtherDriverException(String message, String state, int code) {
            super(message, state, code);
        }
    }

    private static String everything(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out)); // messages of the whole chain, causes and suppressed
        return out.toString();
    }

    @Test
    void anotherDriversMessageThatEchoesAUrlWithThePasswordLosesTheParameterAndTheCause() {
        String encoded = URLEncoder.encode(SECRET, StandardCharsets.UTF_8);
        var driver = new OtherDriverException("cannot reach jdbc:other://10.0.0.7:5432/app?user=u&password=" + encoded
                + "&ssl=true", "08001", 17);
        SQLException e = JdbcErrors.connectFailure("cannot connect to", BACKEND, URL, "u", driver, SECRET);
        assertEquals("cannot connect to backend 10.0.0.7:5432 (jdbc:other://10.0.0.7:5432/app, user u): cannot reach "
                + "jdbc:other://10.0.0.7:5432/app?user=u&&ssl=true [SQLState 08001, error code 17]", e.getMessage());
        assertNull(e.getCause(), "the driver's message holds the URL-encoded password");
        assertEquals("08001", e.getSQLState());
        assertEquals(17, e.getErrorCode());
        assertFalse(everything(e).contains(encoded));
        assertFalse(everything(e).contains(SECRET));
    }

    @Test
    void anotherDriversMessageThatHoldsThePasswordRawIsLeftOutWhole() {
        // A raw '&' in the value would end a stripped parameter early, so the text is not trusted at all.
        var driver = new OtherDriverException("login failed: secret was " + SECRET + " for u", "28000", 0);
        SQLException e = JdbcErrors.connectFailure("cannot connect to", BACKEND, URL, "u", driver, SECRET);
        assertEquals("cannot connect to backend 10.0.0.7:5432 (jdbc:other://10.0.0.7:5432/app, user u): "
                + JdbcErrors.WITHHELD + " [SQLState 28000]", e.getMessage());
        assertInstanceOf(SQLInvalidAuthorizationSpecException.class, e);
        assertNull(e.getCause());
        assertFalse(everything(e).contains(SECRET));
    }

    @Test
    void aPropertyListEchoedByADriverLosesItsPasswordEntries() {
        var driver = new OtherDriverException("bad properties {user=u, sslpassword=k3y, password=hunter2}", "08001",
                0);
        SQLException e = JdbcErrors.connectFailure("cannot connect to", BACKEND, URL, "u", driver, "unrelated");
        assertTrue(e.getMessage().contains("bad properties {user=u, , }"), e.getMessage());
        assertSame(driver, e.getCause(), "nothing in the chain holds the password this connect sent");
    }

    @Test
    void theCauseIsKeptOnlyIfNoMessageInItsChainHoldsThePassword() {
        var clean = new OtherDriverException("refused", "08001", 0);
        clean.initCause(new IOException("Connection refused"));
        clean.addSuppressed(new IOException("also refused without TLS"));
        assertSame(clean, JdbcErrors.connectFailure("cannot connect to", BACKEND, URL, "u", clean, SECRET).getCause());

        var inSuppressed = new OtherDriverException("refused", "08001", 0);
        inSuppressed.addSuppressed(new IOException("retry with " + SECRET));
        assertNull(JdbcErrors.connectFailure("cannot connect to", BACKEND, URL, "u", inSuppressed, SECRET).getCause());

        var deepCause = new OtherDriverException("refused", "08001", 0);
        deepCause.initCause(new IOException("wrapper", new IllegalStateException("plugin got " + SECRET)));
        assertNull(JdbcErrors.connectFailure("cannot connect to", BACKEND, URL, "u", deepCause, SECRET).getCause());

        var inNext = new OtherDriverException("refused", "08001", 0);
        inNext.setNextException(new SQLException("next: " + SECRET));
        assertNull(JdbcErrors.connectFailure("cannot connect to", BACKEND, URL, "u", inNext, SECRET).getCause());

        var cycle = new OtherDriverException("refused", "08001", 0);
        var other = new IOException("loop");
        cycle.initCause(other);
        other.addSuppressed(cycle);
        assertSame(cycle, JdbcErrors.connectFailure("cannot connect to", BACKEND, URL, "u", cycle, SECRET).getCause(),
                "a cycle in the chain ends the walk");
    }

    @Test
    void aPasswordThatIsOrdinaryTextIsNeverMaskedOutOfTheMessage() {
        // The masking this replaced turned these into 'user "****_user"' and '10.0.0.7:****2': the password.
        var pgLike = new OtherDriverException("FATAL: password authentication failed for user \"app_user\"",
                "28P01", 0);
        SQLException e = JdbcErrors.connectFailure("cannot connect to", BACKEND, "jdbc:postgresql://10.0.0.7:5432/app",
                "app_user", pgLike, "543");
        assertFalse(e.getMessage().contains("****"), e.getMessage());
        assertTrue(e.getMessage().startsWith("cannot connect to backend 10.0.0.7:5432 "
                + "(jdbc:postgresql://10.0.0.7:5432/app, user app_user): "), e.getMessage());
    }

    @Test
    void authenticationFailuresAreInvalidAuthorizationAndOtherFailuresPlainSqlExceptions() {
        for (String state : new String[] {"28P01", "28000"}) {
            SQLException e = JdbcErrors.connectFailure("cannot connect to", BACKEND, URL, "u",
                    new OtherDriverException("no", state, 0), null);
            assertInstanceOf(SQLInvalidAuthorizationSpecException.class, e, state);
            assertEquals(state, e.getSQLState());
        }
        SQLException refused = JdbcErrors.connectFailure("cannot connect to", BACKEND, URL, "u",
                new OtherDriverException("refused", "08001", 0), null);
        assertEquals(SQLException.class, refused.getClass());
        SQLException noState = JdbcErrors.connectFailure("cannot connect to", BACKEND, URL, "u",
                new SQLException((String) null), null);
        assertEquals("cannot connect to backend 10.0.0.7:5432 (jdbc:other://10.0.0.7:5432/app, user u): "
                + "(no message from the driver: java.sql.SQLException)", noState.getMessage());
    }

    @Test
    void aFailedClaimBecomesTheSqlExceptionItsCauseCallsFor() {
        SQLException wrongPassword = new SQLInvalidAuthorizationSpecException("cannot connect to backend x: "
                + "FATAL: password authentication failed for user \"u\" [SQLState 28P01]", "28P01", 0);
        var failedOnAuth = new PoolFailedException("pool 'p' has failed: last error: " + wrongPassword, wrongPassword);
        SQLException e = JdbcErrors.claimFailure(failedOnAuth);
        assertInstanceOf(SQLInvalidAuthorizationSpecException.class, e);
        assertEquals("28P01", e.getSQLState());
        assertEquals(failedOnAuth.getMessage(), e.getMessage());
        assertSame(failedOnAuth, e.getCause());

        var timedOutOnAuth = new ClaimTimeoutException("pool 'p': no connection within 10 ms", 10,
                new SQLException("wrapped by some factory", "08001", wrongPassword));
        assertInstanceOf(SQLInvalidAuthorizationSpecException.class, JdbcErrors.claimFailure(timedOutOnAuth));
        assertEquals("28P01", JdbcErrors.claimFailure(timedOutOnAuth).getSQLState());

        var timedOut = new ClaimTimeoutException("pool 'p': no connection within 10 ms", 10,
                new SQLException("refused", "08001"));
        assertTransient(JdbcErrors.claimFailure(timedOut));
        assertTransient(JdbcErrors.claimFailure(new ClaimTimeoutException("pool 'p': no connection", 10, null)));
        var failedOnRefused = new PoolFailedException("pool 'p' has failed", new SQLException("refused", "08001"));
        assertTransient(JdbcErrors.claimFailure(failedOnRefused));
        assertTransient(JdbcErrors.claimFailure(new NoBackendsException("pool 'p' has no backends")));
        assertTransient(JdbcErrors.claimFailure(new ClaimInterruptedException("pool 'p': interrupted")));
        assertTransient(JdbcErrors.claimFailure(new CueballException("pool 'p': something")));

        SQLException closed = JdbcErrors.claimFailure(new PoolClosedException("pool 'p' is closed"));
        assertInstanceOf(SQLNonTransientConnectionException.class, closed);
        assertEquals("08003", closed.getSQLState());
    }

    private static void assertTransient(SQLException e) {
        assertInstanceOf(SQLTransientConnectionException.class, e);
        assertEquals("08001", e.getSQLState());
    }

    @Test
    void theDefaultsBoundAFrozenServerAndAreWhatTheDriverGets() {
        JdbcSettings s = JdbcSettings.postgres("app", "u").build();
        assertEquals(Duration.ofMinutes(5), s.socketTimeout());
        assertEquals(Duration.ofSeconds(10), s.connectTimeout());
        Properties p = s.driverProperties();
        assertEquals("300", p.getProperty("socketTimeout"));
        assertEquals("10", p.getProperty("connectTimeout"));
        assertEquals("10", p.getProperty("loginTimeout"));
        assertEquals("0", JdbcSettings.postgres("app", "u").socketTimeout(Duration.ZERO).build().driverProperties()
                .getProperty("socketTimeout"), "0 still turns it off");
    }

    @Test
    void credentialsInTheUrlTemplateOrAPasswordPropertyAreRefusedWithoutRepeatingThem() {
        for (String url : new String[] {"jdbc:mysql://{host}:{port}/app?user=u&password=hunter2",
                "jdbc:sqlserver://{host}:{port};databaseName=app;Password=hunter2",
                "jdbc:mysql://{host}:{port}/app?sslPassword=hunter2", "jdbc:mysql://u:hunter2@{host}:{port}/app",
                "jdbc:mysql://db/app?password=hunter2"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> JdbcSettings.url(url).build(), url);
            assertEquals("url template: carries a password (expected: no credentials in the URL; set the password "
                    + "with password(...), which keeps it out of every message)", e.getMessage());
        }
        var e = assertThrows(IllegalArgumentException.class,
                () -> JdbcSettings.postgres("app", "u").property("PASSWORD", "hunter2").build());
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
        assertTrue(e.getMessage().startsWith("property 'PASSWORD': "), e.getMessage());
        // A user name in the URL is not a secret, and neither is a parameter that merely mentions one.
        JdbcSettings.url("jdbc:mysql://{host}:{port}/app?user=u&passwordCharacterEncoding=utf8").build();
        JdbcSettings.url("jdbc:mysql://u@{host}:{port}/app").build();
    }

    @Test
    void toStringsNameThePasswordOnlyAsSupplied() {
        JdbcSettings s = JdbcSettings.postgres("app", "app_user").password(() -> SECRET)
                .property("sslpassword", "k3y-file-secret").build();
        for (String text : new String[] {s.toString(), new JdbcConnectionFactory(s).toString()}) {
            assertFalse(text.contains(SECRET), text);
            assertFalse(text.contains("k3y-file-secret"), text);
            assertTrue(text.contains("password=(supplied)"), text);
        }
    }
}
