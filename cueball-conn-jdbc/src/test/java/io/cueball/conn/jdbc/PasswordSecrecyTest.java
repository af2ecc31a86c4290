package io.cueball.conn.jdbc;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.cueball.Backend;
import io.cueball.BackendStatus;
import io.cueball.BackoffPolicy;
import io.cueball.ClaimTimeoutException;
import io.cueball.ConnectionPool;
import io.cueball.CueballException;
import io.cueball.PoolFailedException;
import io.cueball.PoolState;
import io.cueball.resolver.fixed.StaticResolver;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Failed connects to real PostgreSQL never say the password: not in the message, the cause chain, suppressed
 * exceptions, the DataSource's exception or a log line. A password that is also ordinary text ({@code app}, a
 * piece of the port) cannot be searched for, so there the messages are checked to be exactly what was built from
 * public parts, and to hold the password's text nowhere else.
 */
class PasswordSecrecyTest {
    private static final BackoffPolicy FAST = new BackoffPolicy(Duration.ofMillis(10), Duration.ofMillis(200), 0.2);
    private static final String[] SPECIAL = {"p@ss:w/rd?&=%", "it's \"quoted\"", "back\\slash\\", "pässwörd-密码-ключ",
        "password=x&user=y;"};

    private static PostgresCluster.Node node;
    private static Backend backend;
    private static String key;
    private static String url;

    @BeforeAll
    static void cluster() {
        node = PostgresCluster.get().nodes.get(0);
        backend = node.backend();
        key = backend.key();
        url = "jdbc:postgresql://" + key + "/" + PostgresCluster.DB;
        Awaitility.setDefaultPollDelay(Duration.ZERO);
        Awaitility.setDefaultPollInterval(Duration.ofMillis(10));
    }

    /** A login role with this password, made afresh through the cluster's admin connection. */
    private static void role(String name, String password) {
        node.admin("DROP ROLE IF EXISTS " + name);
        node.admin("CREATE ROLE " + name + " LOGIN PASSWORD '" + password.replace("'", "''") + "'");
    }

    private static JdbcSettings.Builder settings(String user, String password) {
        return JdbcSettings.postgres(PostgresCluster.DB, user).password(() -> password)
                .applicationName("cueball-secrecy");
    }

    /** What pgjdbc itself says when this connect (and the statement, if any) fails, straight from the driver. */
    private static String driverMessage(String user, String password, String statement) {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        SQLException e = assertThrows(SQLException.class, () -> {
            try (Connection c = DriverManager.getConnection(url, p); Statement s = c.createStatement()) {
                s.execute(statement);
            }
        });
        return e.getMessage();
    }

    /** Everything a pool whose connects all fail said, in exceptions and logs. */
    private record Seen(SQLException lastError, CueballException fromClaim, SQLException fromDataSource,
            List<String> texts) {
    }

    private static Seen failingPool(String name, JdbcSettings settings) {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger cueball = (Logger) LoggerFactory.getLogger("io.cueball");
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        Level before = cueball.getLevel();
        cueball.setLevel(Level.DEBUG);
        SQLException lastError;
        CueballException fromClaim;
        SQLException fromDataSource;
        try (var pool = ConnectionPool.builder(new StaticResolver(List.of(backend)), new JdbcConnectionFactory(settings))
                .name(name).maxConnections(2).backoff(FAST).build()) {
            await().atMost(20, TimeUnit.SECONDS).until(() -> pool.state() == PoolState.FAILED);
            var stats = pool.stats().backend(key).orElseThrow();
            assertEquals(BackendStatus.DEAD, stats.status(), "connect failures, as ever");
            assertEquals(0, stats.uses(), "and no use failure");
            lastError = assertInstanceOf(SQLException.class, stats.lastError());
            fromClaim = assertThrows(PoolFailedException.class, pool::claim);
            fromDataSource = assertThrows(SQLException.class, () -> new CueballDataSource(pool).getConnection());
        } finally {
            root.detachAppender(logs);
            cueball.setLevel(before);
        }
        List<String> texts = new ArrayList<>(List.of(everything(lastError), everything(fromClaim),
                everything(fromDataSource)));
        assertFalse(logs.list.isEmpty(), "the failures were logged");
        assertTrue(logs.list.stream().anyMatch(e -> e.getFormattedMessage().contains(lastError.getMessage())),
                "a log line prints the message built");
        for (ILoggingEvent e : logs.list) {
            texts.add(e.getFormattedMessage());
            if (e.getThrowableProxy() != null) {
                texts.add(ThrowableProxyUtil.asString(e.getThrowableProxy())); // causes and suppressed too
            }
        }
        return new Seen(lastError, fromClaim, fromDataSource, texts);
    }

    private static String everything(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out)); // the message of every cause and suppressed exception
        return out.toString();
    }

    /** The password, raw or URL-encoded, is in none of the texts. */
    private static void assertNowhere(String password, List<String> texts) {
        String encoded = URLEncoder.encode(password, StandardCharsets.UTF_8);
        for (String text : texts) {
            assertFalse(text.contains(password), () -> "the password " + password + " in: " + text);
            assertFalse(text.contains(encoded), () -> "the URL-encoded password " + encoded + " in: " + text);
        }
    }

    /**
     * For a password that is ordinary text: with the public parts taken out of each text (the message built,
     * the backend, the URL, the user) and stack frames dropped (class, method and line only), the password's
     * text is left nowhere.
     */
    private static void assertOnlyIn(List<String> publicParts, String password, List<String> texts) {
        List<String> longestFirst = publicParts.stream().sorted(Comparator.comparingInt(String::length).reversed())
                .toList();
        for (String text : texts) {
            String rest = text.replaceAll("(?m)^\\s+(at |\\.\\.\\. \\d+ (more|common frames omitted)).*$", "");
            for (String part : longestFirst) {
                rest = rest.replace(part, "");
            }
            String left = rest;
            assertFalse(left.contains(password), () -> "'" + password + "' outside " + publicParts + " in: " + left);
        }
    }

    @Test
    void aWrongPasswordThatIsOrdinaryTextIsNeitherMaskedNorSaid() {
        String password = "app"; // the database's name, and part of the user's
        String built = "cannot connect to backend " + key + " (" + url + ", user app_user): "
                + driverMessage(PostgresCluster.USER, password, "SELECT 1") + " [SQLState 28P01]";
        Seen seen = failingPool("secrecy-ordinary", settings(PostgresCluster.USER, password).build());

        assertEquals(built, seen.lastError.getMessage());
        assertTrue(built.contains("password authentication failed for user \"app_user\""), built);
        assertInstanceOf(SQLInvalidAuthorizationSpecException.class, seen.lastError);
        assertNull(seen.lastError.getCause(), "pgjdbc's message holds the text 'app', so it is not kept as the cause");
        SQLInvalidAuthorizationSpecException e = assertInstanceOf(SQLInvalidAuthorizationSpecException.class,
                seen.fromDataSource);
        assertEquals("28P01", e.getSQLState());
        assertTrue(e.getMessage().contains(built), e.getMessage());
        assertOnlyIn(List.of(built, key, url, "app_user"), password, seen.texts);
    }

    @Test
    void aWrongPasswordIsAnInvalidAuthorizationForDataSourceCallersWhileThePoolStillWaitsToo() {
        // Not yet failed (its backend is not dead): the claim times out, with the wrong password as last error.
        try (var pool = ConnectionPool.builder(new StaticResolver(List.of(backend)),
                        new JdbcConnectionFactory(settings(PostgresCluster.USER, "not-the-Pw-7e2a").build()))
                .name("secrecy-waiting").maxConnections(1).backoff(FAST).deadAfterFailures(1_000)
                .claimTimeout(Duration.ofMillis(300)).build()) {
            await().atMost(10, TimeUnit.SECONDS).until(() -> pool.stats().backend(key)
                    .map(b -> b.connectsFailed() >= 1).orElse(false));
            var e = assertThrows(SQLInvalidAuthorizationSpecException.class,
                    () -> new CueballDataSource(pool).getConnection());
            assertEquals("28P01", e.getSQLState());
            assertInstanceOf(ClaimTimeoutException.class, e.getCause());
            assertEquals(PoolState.STARTING, pool.state());
        }
    }

    @Test
    void aPasswordThatIsPartOfThePortIsNeitherMaskedNorSaid() {
        String port = Integer.toString(backend.port());
        String password = port.substring(0, port.length() - 1); // the 5543 for port 55431
        role("cueball_port", password);
        try (var c = new JdbcConnectionFactory(settings("cueball_port", password).build()).connect(backend)) {
            assertTrue(c.isHealthy(), "the role's password is right");
        } catch (SQLException e) {
            throw new AssertionError(e);
        }

        String wrong = "cannot connect to backend " + key + " (" + url + ", user app_user): "
                + driverMessage(PostgresCluster.USER, password, "SELECT 1") + " [SQLState 28P01]";
        Seen seen = failingPool("secrecy-port", settings(PostgresCluster.USER, password).build());
        assertEquals(wrong, seen.lastError.getMessage());
        assertTrue(wrong.contains(key), "the port is said whole: " + wrong);
        assertTrue(seen.lastError.getCause().getClass().getName().startsWith("org.postgresql."),
                "pgjdbc's own message does not hold the port, so it is kept as the cause");
        assertInstanceOf(SQLInvalidAuthorizationSpecException.class, seen.fromDataSource);
        assertOnlyIn(List.of(wrong, key, url), password, seen.texts);

        String bind = "cannot bind (init statement 'SELEKT 1') to backend " + key + " (" + url + ", user cueball_port): "
                + driverMessage("cueball_port", password, "SELEKT 1") + " [SQLState 42601]";
        Seen bound = failingPool("secrecy-port-bind",
                settings("cueball_port", password).initStatements("SELEKT 1").build());
        assertEquals(bind, bound.lastError.getMessage());
        assertEquals(SQLException.class, bound.lastError.getClass());
        SQLTransientConnectionException e = assertInstanceOf(SQLTransientConnectionException.class,
                bound.fromDataSource, "a pool failed for a reason other than authentication stays transient");
        assertEquals("08001", e.getSQLState());
        assertOnlyIn(List.of(bind, key, url), password, bound.texts);
    }

    @Test
    void aPasswordEqualToTheUserAndDatabaseNamesAppearsOnlyAsThoseNames() {
        role("app", "app");
        String bind = "cannot bind (init statement 'SELEKT 1') to backend " + key + " (" + url + ", user app): "
                + driverMessage("app", "app", "SELEKT 1") + " [SQLState 42601]";
        Seen seen = failingPool("secrecy-same", settings("app", "app").initStatements("SELEKT 1").build());
        assertEquals(bind, seen.lastError.getMessage());
        assertOnlyIn(List.of(bind, key, url, "user app"), "app", seen.texts);
    }

    @Test
    void passwordsWithSpecialCharactersAreNowhereAndTheDriversExceptionIsKept() throws SQLException {
        for (int i = 0; i < SPECIAL.length; i++) {
            String password = SPECIAL[i];
            String role = "cueball_special_" + i;
            role(role, password);
            try (var c = new JdbcConnectionFactory(settings(role, password).build()).connect(backend);
                    Statement s = c.jdbc().createStatement(); ResultSet rs = s.executeQuery("SELECT current_user")) {
                rs.next();
                assertEquals(role, rs.getString(1), "the role logs in with " + password);
            }

            Seen wrong = failingPool("secrecy-special-" + i, settings(PostgresCluster.USER, password).build());
            assertEquals("cannot connect to backend " + key + " (" + url + ", user app_user): "
                    + driverMessage(PostgresCluster.USER, password, "SELECT 1") + " [SQLState 28P01]",
                    wrong.lastError.getMessage());
            assertTrue(wrong.lastError.getCause().getClass().getName().startsWith("org.postgresql."),
                    "nothing in pgjdbc's chain holds the password, so it is kept: " + wrong.lastError.getCause());
            assertEquals("28P01", assertInstanceOf(SQLInvalidAuthorizationSpecException.class, wrong.fromDataSource)
                    .getSQLState());
            assertNowhere(password, wrong.texts);

            Seen bind = failingPool("secrecy-special-bind-" + i,
                    settings(role, password).initStatements("SELEKT 1").build());
            assertTrue(bind.lastError.getMessage().startsWith("cannot bind (init statement 'SELEKT 1') to backend "),
                    bind.lastError.getMessage());
            assertNowhere(password, bind.texts);
        }
    }
}
