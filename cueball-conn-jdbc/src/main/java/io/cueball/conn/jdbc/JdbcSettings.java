package io.cueball.conn.jdbc;

import io.cueball.Backend;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * How to open and bind a JDBC connection to one backend: the database, the user and a password
 * <em>supplier</em> (read at each connect, so a rotated secret is picked up, and never stored where
 * {@link #toString()} could print it), session setup run at bind, and how connections are validated.
 * Immutable and thread-safe.
 *
 * <pre>{@code
 * JdbcSettings.postgres("app", "app_user")
 *         .password(secrets::appUserPassword)
 *         .applicationName("billing")
 *         .initStatements("SET search_path TO billing, public")
 *         .build();
 * }</pre>
 *
 * Other drivers: {@code JdbcSettings.url("jdbc:mysql://{host}:{port}/app").user("app").password(...).build()};
 * {@code {host}} and {@code {port}} are filled in from each backend (an IPv6 host in brackets). The URL never
 * carries credentials ({@link Builder#build()} refuses a {@code password} parameter or a {@code user:secret@}
 * part), so it is safe to print; the password goes to the driver as a property, and only
 * {@link Builder#password(Supplier)} may set it.
 *
 * <h2>Timeouts (PostgreSQL)</h2>
 *
 * <ul>
 *   <li>{@code connectTimeout} ({@value #DEFAULT_CONNECT_TIMEOUT_SECONDS} s) is pgjdbc's {@code connectTimeout}
 *       (the TCP connect) and {@code loginTimeout} (the whole connect, authentication included), so a server
 *       that accepts and never answers fails the connect within it, as a connect failure of its backend.</li>
 *   <li>{@code socketTimeout} ({@value #DEFAULT_SOCKET_TIMEOUT_SECONDS} s, 5 min; pgjdbc's default is 0,
 *       forever) bounds every read from the server. A server that freezes (a stopped process, a paused VM, a
 *       network that drops packets while the kernel still holds the connection) otherwise keeps a claimed
 *       connection, and the thread using it, blocked for as long as it is frozen. When it fires, pgjdbc closes
 *       the connection and throws SQLState 08006 ("An I/O error occurred while sending to the backend"); the
 *       connection is then gone, so the pool discards it on release and counts a use failure against its
 *       backend. It also ends the driver's own thread of a login that timed out. Five minutes is a default
 *       that must not break work nobody thought about: by HikariCP's rule of thumb (2 to 3 times the longest
 *       statement, at least 30 s) it covers statements of up to two minutes, far beyond OLTP and most batch
 *       work, while a frozen server holds a thread for minutes instead of forever. Set it lower for a tighter
 *       bound, higher (or 0 for none) for long reports or migrations; bound queries with PostgreSQL's
 *       {@code statement_timeout} (which cancels the query and keeps the connection) and keep
 *       {@code socketTimeout} above it.</li>
 *   <li>{@code validationTimeout} ({@value #DEFAULT_VALIDATION_TIMEOUT_SECONDS} s) bounds a validation.</li>
 * </ul>
 *
 * Other drivers get none of these as properties: set their own with {@link Builder#property(String, String)}.
 */
public final class JdbcSettings {

    /** PostgreSQL's {@code sslmode}. */
    public enum SslMode {
        /** No TLS. */
        DISABLE,
        /** TLS only if the server insists. */
        ALLOW,
        /** TLS if the server offers it (pgjdbc's default). */
        PREFER,
        /** TLS, without verifying the certificate. */
        REQUIRE,
        /** TLS, verifying the certificate's chain. */
        VERIFY_CA,
        /** TLS, verifying the chain and the host name. */
        VERIFY_FULL;

        String value() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    /** The default connect (and login) timeout in seconds: 10. */
    public static final long DEFAULT_CONNECT_TIMEOUT_SECONDS = 10;
    /** The default socket (read) timeout in seconds: 300, five minutes. See the class notes for why. */
    public static final long DEFAULT_SOCKET_TIMEOUT_SECONDS = 300;
    /** The default validation timeout in seconds: 5. */
    public static final long DEFAULT_VALIDATION_TIMEOUT_SECONDS = 5;

    private static final String POSTGRES_URL = "jdbc:postgresql://{host}:{port}/{database}";
    /** A URL parameter named like a password ({@code password}, {@code sslpassword}), in any case. */
    private static final Pattern PASSWORD_PARAMETER = Pattern.compile("(?i)[?&;][A-Za-z0-9_.-]*password=");
    /** A {@code //user:secret@} part of a URL. */
    private static final Pattern USER_INFO_SECRET = Pattern.compile("//[^/?#@]*:[^/?#@]*@");

    private final String urlTemplate;
    private final boolean postgres;
    private final String database;
    private final String user;
    private final Supplier<String> password;
    private final String applicationName;
    private final SslMode sslMode;
    private final Duration connectTimeout;
    private final Duration socketTimeout;
    private final List<String> initStatements;
    private final String validationQuery;
    private final Duration validationTimeout;
    private final Map<String, String> properties;

    private JdbcSettings(Builder b) {
        this.urlTemplate = b.urlTemplate;
        this.postgres = b.postgres;
        this.database = b.database;
        this.user = b.user;
        this.password = b.password;
        this.applicationName = b.applicationName;
        this.sslMode = b.sslMode;
        this.connectTimeout = b.connectTimeout;
        this.socketTimeout = b.socketTimeout;
        this.initStatements = List.copyOf(b.initStatements);
        this.validationQuery = b.validationQuery;
        this.validationTimeout = b.validationTimeout;
        this.properties = Map.copyOf(b.properties);
    }

    /**
     * PostgreSQL through the org.postgresql driver.
     *
     * @param database the database to connect to
     * @param user     the user to authenticate as
     * @return a builder
     */
    public static Builder postgres(String database, String user) {
        Builder b = new Builder(POSTGRES_URL, true);
        b.database = database;
        b.user = user;
        return b;
    }

    /**
     * Any JDBC driver, by URL template.
     *
     * @param urlTemplate a JDBC URL with {@code {host}} and {@code {port}} where each backend's go
     * @return a builder
     */
    public static Builder url(String urlTemplate) {
        return new Builder(urlTemplate, false);
    }

    /**
     * The JDBC URL for a backend. It carries no credentials ({@link Builder#build()} refuses a template with
     * any, and only host, port and database are filled in), so it is safe to log.
     *
     * @param backend the backend
     * @return the URL
     */
    public String urlFor(Backend backend) {
        String host = backend.host().indexOf(':') >= 0 ? "[" + backend.host() + "]" : backend.host();
        return urlTemplate.replace("{host}", host).replace("{port}", Integer.toString(backend.port()))
                .replace("{database}", database == null ? "" : database);
    }

    /** The driver properties of a connect, including the password read from the supplier now. */
    Properties driverProperties() {
        Properties p = new Properties();
        p.putAll(properties);
        if (user != null) {
            p.setProperty("user", user);
        }
        if (password != null) {
            String secret = password.get();
            if (secret != null) {
                p.setProperty("password", secret);
            }
        }
        if (postgres) {
            p.setProperty("ApplicationName", applicationName);
            p.setProperty("sslmode", sslMode.value());
            p.setProperty("connectTimeout", Long.toString(Math.max(1, connectTimeout.toSeconds())));
            p.setProperty("loginTimeout", Long.toString(Math.max(1, connectTimeout.toSeconds())));
            p.setProperty("socketTimeout", Long.toString(socketTimeout.toSeconds()));
        }
        return p;
    }

    /** @return the database, or null for a URL template without one */
    public String database() {
        return database;
    }

    /** @return the user, or null */
    public String user() {
        return user;
    }

    /** @return the application name sent to PostgreSQL */
    public String applicationName() {
        return applicationName;
    }

    /** @return statements run once on every new connection before it is handed out */
    public List<String> initStatements() {
        return initStatements;
    }

    /** @return the validation query, or null to use {@code Connection.isValid} */
    public String validationQuery() {
        return validationQuery;
    }

    /** @return how long a validation may take */
    public Duration validationTimeout() {
        return validationTimeout;
    }

    /** @return the driver's connect and login timeout (PostgreSQL) */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** @return the driver's socket read timeout (PostgreSQL); zero for none */
    public Duration socketTimeout() {
        return socketTimeout;
    }

    @Override
    public String toString() {
        return "JdbcSettings{url=" + urlTemplate.replace("{database}", database == null ? "" : database)
                + ", user=" + user + ", password=" + (password == null ? "none" : "(supplied)")
                + (postgres ? ", applicationName=" + applicationName + ", sslmode=" + sslMode.value() : "")
                + ", connectTimeout=" + connectTimeout + ", socketTimeout=" + socketTimeout
                + ", initStatements=" + initStatements.size()
                + ", validation=" + (validationQuery == null ? "isValid" : validationQuery)
                + ", properties=" + properties.keySet() + "}";
    }

    /** Configures {@link JdbcSettings}; {@link #build()} validates and names what is wrong. */
    public static final class Builder {
        private final String urlTemplate;
        private final boolean postgres;
        private String database;
        private String user;
        private Supplier<String> password;
        private String applicationName = "cueball";
        private SslMode sslMode = SslMode.PREFER;
        private Duration connectTimeout = Duration.ofSeconds(DEFAULT_CONNECT_TIMEOUT_SECONDS);
        private Duration socketTimeout = Duration.ofSeconds(DEFAULT_SOCKET_TIMEOUT_SECONDS);
        private final List<String> initStatements = new ArrayList<>();
        private String validationQuery;
        private Duration validationTimeout = Duration.ofSeconds(DEFAULT_VALIDATION_TIMEOUT_SECONDS);
        private final Map<String, String> properties = new LinkedHashMap<>();

        private Builder(String urlTemplate, boolean postgres) {
            this.urlTemplate = urlTemplate;
            this.postgres = postgres;
        }

        /**
         * @param user the user to authenticate as
         * @return this builder
         */
        public Builder user(String user) {
            this.user = user;
            return this;
        }

        /**
         * @param password read at each connect; never stored in a field that is printed, and never put in a
         *                 message: a failed connect's message is built from parts that cannot hold it
         * @return this builder
         */
        public Builder password(Supplier<String> password) {
            this.password = password;
            return this;
        }

        /**
         * @param name the {@code application_name} PostgreSQL shows in {@code pg_stat_activity}; default
         *             {@code cueball}
         * @return this builder
         */
        public Builder applicationName(String name) {
            this.applicationName = name;
            return this;
        }

        /**
         * @param mode PostgreSQL's sslmode; default {@link SslMode#PREFER}
         * @return this builder
         */
        public Builder sslMode(SslMode mode) {
            this.sslMode = mode;
            return this;
        }

        /**
         * @param timeout the driver's connect and login timeout (PostgreSQL), at least 1 s, whole seconds;
         *                default {@value JdbcSettings#DEFAULT_CONNECT_TIMEOUT_SECONDS} s
         * @return this builder
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /**
         * @param timeout the driver's socket read timeout (PostgreSQL), whole seconds, 0 for none; default
         *                {@value JdbcSettings#DEFAULT_SOCKET_TIMEOUT_SECONDS} s (5 min: see the class notes). A
         *                read that waits longer closes the connection with SQLState 08006
         * @return this builder
         */
        public Builder socketTimeout(Duration timeout) {
            this.socketTimeout = timeout;
            return this;
        }

        /**
         * @param statements run in order on every new connection before it is handed out ({@code SET ...})
         * @return this builder
         */
        public Builder initStatements(String... statements) {
            this.initStatements.addAll(List.of(statements));
            return this;
        }

        /**
         * @param query a query that must succeed for a connection to be valid; default none (the driver's
         *              {@code isValid})
         * @return this builder
         */
        public Builder validationQuery(String query) {
            this.validationQuery = query;
            return this;
        }

        /**
         * @param timeout how long a validation may take, whole seconds, at least 1 s; default 5 s
         * @return this builder
         */
        public Builder validationTimeout(Duration timeout) {
            this.validationTimeout = timeout;
            return this;
        }

        /**
         * @param name  a driver property (not {@code password}: set that with {@link #password(Supplier)})
         * @param value its value
         * @return this builder
         */
        public Builder property(String name, String value) {
            this.properties.put(Objects.requireNonNull(name, "property name"), Objects.requireNonNull(value, name));
            return this;
        }

        /**
         * @return the settings
         * @throws IllegalArgumentException naming the first bad setting and its value
         */
        public JdbcSettings build() {
            Objects.requireNonNull(urlTemplate, "url template must not be null");
            // First: the URL is printed in messages and toString(), and this error must not print it either.
            if (PASSWORD_PARAMETER.matcher(urlTemplate).find() || USER_INFO_SECRET.matcher(urlTemplate).find()) {
                throw new IllegalArgumentException("url template: carries a password (expected: no credentials in "
                        + "the URL; set the password with password(...), which keeps it out of every message)");
            }
            if (!urlTemplate.startsWith("jdbc:") || !urlTemplate.contains("{host}")
                    || !urlTemplate.contains("{port}")) {
                throw new IllegalArgumentException("url template: '" + urlTemplate
                        + "' (expected: a jdbc: URL with {host} and {port})");
            }
            for (String name : properties.keySet()) {
                if (name.equalsIgnoreCase("password")) {
                    throw new IllegalArgumentException("property '" + name + "': (expected: set the password with "
                            + "password(...), which reads it at each connect and keeps it out of every message)");
                }
            }
            if (postgres && (database == null || database.isBlank())) {
                throw new IllegalArgumentException("database: '" + database + "' (expected: a database name)");
            }
            if (postgres && (user == null || user.isBlank())) {
                throw new IllegalArgumentException("user: '" + user + "' (expected: a user name)");
            }
            Objects.requireNonNull(applicationName, "applicationName must not be null");
            Objects.requireNonNull(sslMode, "sslMode must not be null");
            positiveSeconds("connectTimeout", connectTimeout, true);
            positiveSeconds("socketTimeout", socketTimeout, false);
            positiveSeconds("validationTimeout", validationTimeout, true);
            for (int i = 0; i < initStatements.size(); i++) {
                String s = initStatements.get(i);
                if (s == null || s.isBlank()) {
                    throw new IllegalArgumentException("initStatements[" + i + "]: '" + s
                            + "' (expected: an SQL statement)");
                }
            }
            if (validationQuery != null && validationQuery.isBlank()) {
                throw new IllegalArgumentException("validationQuery: '' (expected: a query, or none for isValid)");
            }
            return new JdbcSettings(this);
        }

        private static void positiveSeconds(String name, Duration d, boolean atLeastOne) {
            Objects.requireNonNull(d, name + " must not be null");
            if (d.isNegative() || (atLeastOne && d.toSeconds() < 1)) {
                throw new IllegalArgumentException(name + ": " + d + " (expected: " + (atLeastOne ? ">= 1 s" : ">= 0")
                        + ", whole seconds)");
            }
        }
    }
}
