package io.cueball.conn.jdbc;

import io.cueball.Backend;
import io.cueball.CueballException;
import io.cueball.PoolClosedException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a failed connect says, and what a failed claim becomes for JDBC callers.
 *
 * <h2>No password in a message, by construction</h2>
 *
 * A connect failure's message is built only from parts that cannot hold the password: the backend's key, the
 * URL (which {@link JdbcSettings} refuses to let carry credentials), the user name, the SQLState and error code,
 * and the driver's message when it cannot echo the password. Nothing is masked afterwards: replacing the
 * password's text with {@code ****} gives away a password that is also ordinary text ({@code app} turned
 * {@code user "app_user"} into {@code user "****_user"}, and {@code 5543} turned {@code 127.0.0.1:55431} into
 * {@code 127.0.0.1:****1}).
 *
 * <ul>
 *   <li><b>pgjdbc's messages are included as they are.</b> They are fixed texts filled in with host, port,
 *       user, database, file and class names, or the server's own error, and the server never holds the
 *       password in a form it could echo: the startup packet carries user and database only, SCRAM never sends
 *       the password, and PostgreSQL does not quote a password message back. Checked against pgjdbc 42.7's
 *       message texts. Deciding by the driver rather than by the text also means the message's shape never
 *       depends on the password, so it gives no hint of it.</li>
 *   <li><b>Any other driver's message</b> might echo a URL or a property list. Parameters named like
 *       {@code password} ({@code password=...}, {@code sslpassword=...}) are cut out of it, and if the password's
 *       text is in it raw (where a {@code &} in the password could end the cut early), or URL-encoded after the
 *       cut, the driver's message is left out.</li>
 *   <li><b>The driver's exception is kept as the cause</b> only if no message anywhere in its chain (causes,
 *       suppressed, next exceptions) holds the password's text, raw or URL-encoded, for every driver: a chain
 *       can hold exceptions from code other than the driver's (socket and SSL factories, authentication
 *       plugins), and loggers print whole chains. A missing cause does tell a reader that the password's text
 *       was in one of those messages; for a password that is not ordinary text that only happens when
 *       something echoed it.</li>
 * </ul>
 *
 * cueball-core prints exactly this message when it logs a connect failure ({@code error.toString()}), when a
 * backend dies, and in {@code ClaimTimeoutException} and {@code PoolFailedException}.
 *
 * <h2>Claim failures as SQLExceptions</h2>
 *
 * See {@link #claimFailure(CueballException)}.
 */
final class JdbcErrors {
    /** Said instead of another driver's message when the password's text is in it. */
    static final String WITHHELD = "(the driver's message is left out: it contains the password's text)";

    /**
     * A parameter whose name ends in {@code password}, with its value: in a URL's query
     * ({@code ?password=x&...}, {@code ;password=x}), in a property list ({@code {password=x, user=u}}) or in
     * running text. The value ends at the next separator, quote or white space.
     */
    private static final Pattern PASSWORD_PARAMETER = Pattern.compile(
            "(?i)(?<![A-Za-z0-9_.-])[A-Za-z0-9_.-]*password\\s*[=:]\\s*[^&;,}\\s\"')]*");

    private static final Pattern SQL_STATE = Pattern.compile("[0-9A-Z]{5}");

    private JdbcErrors() {
    }

    /**
     * A connect or bind failure naming the backend, for the pool to record, log and put in its exceptions.
     * SQLState class 28 (authentication) gives an {@link SQLInvalidAuthorizationSpecException}, anything else an
     * {@link SQLException}; both carry the driver's SQLState and error code.
     *
     * @param what     what failed, e.g. {@code "cannot connect to"}
     * @param backend  the backend
     * @param url      the URL connected to (credential-free)
     * @param user     the user, or null
     * @param e        what the driver threw
     * @param password the password this connect sent, or null
     * @return the failure to throw
     */
    static SQLException connectFailure(String what, Backend backend, String url, String user, SQLException e,
            String password) {
        String state = sqlState(e);
        StringBuilder message = new StringBuilder(what).append(" backend ").append(backend.key())
                .append(" (").append(withoutPasswordParameters(url)).append(", user ").append(user).append("): ")
                .append(driverText(e, password));
        if (state != null || e.getErrorCode() != 0) {
            message.append(" [SQLState ").append(state);
            if (e.getErrorCode() != 0) {
                message.append(", error code ").append(e.getErrorCode());
            }
            message.append(']');
        }
        SQLException failure = isAuthorizationFailure(state)
                ? new SQLInvalidAuthorizationSpecException(message.toString(), state, e.getErrorCode())
                : new SQLException(message.toString(), state, e.getErrorCode());
        if (!mentions(e, password)) {
            failure.initCause(e);
        }
        return failure;
    }

    /**
     * What {@code CueballDataSource.getConnection()} throws when the claim fails:
     *
     * <table>
     *   <caption>claim failures and the SQLExceptions they become</caption>
     *   <tr><th>the pool threw</th><th>getConnection() throws</th><th>SQLState</th></tr>
     *   <tr><td>{@code PoolClosedException}</td><td>{@link SQLNonTransientConnectionException}</td>
     *       <td>08003</td></tr>
     *   <tr><td>anything whose cause is an authentication failure (SQLState class 28): a
     *       {@code PoolFailedException} or {@code ClaimTimeoutException} whose last connect error was a wrong
     *       password</td><td>{@link SQLInvalidAuthorizationSpecException}</td><td>the server's, e.g. 28P01</td>
     *       </tr>
     *   <tr><td>anything else: {@code ClaimTimeoutException}, {@code PoolFailedException} for another cause,
     *       {@code NoBackendsException}, {@code ClaimInterruptedException}</td>
     *       <td>{@link SQLTransientConnectionException}</td><td>08001</td></tr>
     * </table>
     *
     * A failed pool (every backend dead) is transient unless it failed on authentication: the pool keeps probing
     * and a claim on a failed pool probes at once, so the same call succeeds again, with no change by the
     * application, within one connect of a server's return; that is what JDBC calls transient. A wrong password
     * is not: retrying fails until someone changes the password or the role. Only the pool's <em>last</em>
     * connect error is looked at. The message is the pool's (its name, counts and that error, which is
     * password-free); the cause is the pool's exception.
     *
     * @param e what the claim threw
     * @return the SQLException for the caller
     */
    static SQLException claimFailure(CueballException e) {
        if (e instanceof PoolClosedException) {
            return new SQLNonTransientConnectionException(e.getMessage(), "08003", e);
        }
        SQLException auth = authorizationFailureIn(e.getCause());
        if (auth != null) {
            return new SQLInvalidAuthorizationSpecException(e.getMessage(), auth.getSQLState(), auth.getErrorCode(),
                    e);
        }
        return new SQLTransientConnectionException(e.getMessage(), "08001", e);
    }

    /** @return whether the SQLState is of class 28, invalid authorization specification */
    static boolean isAuthorizationFailure(String sqlState) {
        return sqlState != null && sqlState.startsWith("28");
    }

    /** The first SQLException with an SQLState of class 28 in the chain, or null. */
    private static SQLException authorizationFailureIn(Throwable cause) {
        for (Throwable t : chain(cause)) {
            if (t instanceof SQLException se && isAuthorizationFailure(se.getSQLState())) {
                return se;
            }
        }
        return null;
    }

    /**
     * The text with every parameter named like {@code password} cut out, name and value.
     *
     * @param text a message or URL, or null
     * @return the text without them
     */
    static String withoutPasswordParameters(String text) {
        return text == null ? null : PASSWORD_PARAMETER.matcher(text).replaceAll("");
    }

    /**
     * Whether any message in the throwable's chain (causes, suppressed, next exceptions) holds the password's
     * text, raw or URL-encoded.
     *
     * @param t        the throwable
     * @param password the password, or null
     * @return true if one does
     */
    static boolean mentions(Throwable t, String password) {
        if (password == null || password.isEmpty()) {
            return false;
        }
        for (Throwable each : chain(t)) {
            if (contains(each.getMessage(), password) || contains(each.getLocalizedMessage(), password)) {
                return true;
            }
        }
        return false;
    }

    private static String driverText(SQLException e, String password) {
        String text = e.getMessage();
        if (text == null || text.isBlank()) {
            return "(no message from the driver: " + e.getClass().getName() + ")";
        }
        String stripped = withoutPasswordParameters(text);
        if (fromPgjdbc(e)) {
            return stripped;
        }
        // Raw, the password may hold a separator ('&', ';') that ends a stripped parameter early and leaves a
        // piece of it behind; URL-encoded it cannot, so stripping suffices unless it also appears elsewhere.
        if (password != null && !password.isEmpty() && text.contains(password) || contains(stripped, password)) {
            return WITHHELD;
        }
        return stripped;
    }

    private static boolean fromPgjdbc(SQLException e) {
        return e.getClass().getName().startsWith("org.postgresql.");
    }

    private static boolean contains(String text, String password) {
        if (text == null || password == null || password.isEmpty()) {
            return false;
        }
        return text.contains(password) || text.contains(URLEncoder.encode(password, StandardCharsets.UTF_8));
    }

    private static String sqlState(SQLException e) {
        String state = e.getSQLState();
        return state != null && SQL_STATE.matcher(state).matches() ? state : null;
    }

    /** Every throwable reachable from t through causes, suppressed and next exceptions, each once, nearest first. */
    private static List<Throwable> chain(Throwable t) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Throwable> found = new ArrayList<>();
        Deque<Throwable> todo = new ArrayDeque<>();
        if (t != null) {
            todo.add(t);
        }
        while (!todo.isEmpty()) {
            Throwable next = todo.poll();
            if (!seen.add(next)) {
                continue; // a cycle, or a throwable reached twice
            }
            found.add(next);
            if (next.getCause() != null) {
                todo.add(next.getCause());
            }
            Collections.addAll(todo, next.getSuppressed());
            if (next instanceof SQLException se && se.getNextException() != null) {
                todo.add(se.getNextException());
            }
        }
        return found;
    }
}
