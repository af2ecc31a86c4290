package io.cueball.spring.boot;

import io.cueball.BackoffPolicy;
import io.cueball.ConnectionPool;
import io.cueball.HostSelection;
import io.cueball.PoolOptions;
import io.cueball.conn.jdbc.JdbcSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code cueball.datasource.*} properties: where the backends are ({@link #setResolver resolver}), how to
 * log in to them ({@code database}, {@code username}, {@code password}, {@code jdbc.*}), and every option of
 * {@link ConnectionPool.Builder}, by the same names in Boot's kebab case ({@code max-connections},
 * {@code claim-timeout}). Durations take Boot's forms: {@code 500ms}, {@code 30s}, {@code 5m}, ISO-8601
 * {@code PT5S}; a bare number is milliseconds. The defaults are the core's ({@link PoolOptions}{@code .DEFAULT_*},
 * {@link JdbcSettings}{@code .DEFAULT_*}) except {@code thread-affinity}, 10 000 here, as
 * {@link io.cueball.conn.jdbc.CueballDataSource} advises for database sessions.
 *
 * <p>Bound once by Spring Boot at startup (and again by tools that rebind properties, such as Spring Cloud's
 * refresh, which changes only the password a later connect reads: the pool is built once). Not thread-safe for
 * writes; the pool's connector threads read {@link #getPassword()} at each connect. Values are checked when the
 * pool is built, by the core's own rules: a bad one fails startup naming the property, its value and what was
 * expected. {@code toString()} is {@link Object}'s, so the password is never printed.
 */
@ConfigurationProperties(prefix = CueballDataSourceProperties.PREFIX)
public class CueballDataSourceProperties {

    /** The properties' prefix. */
    public static final String PREFIX = "cueball.datasource";

    /** The starter's default {@code thread-affinity}: 10 000, as CueballDataSource advises (not the core's 64). */
    public static final int DEFAULT_THREAD_AFFINITY = 10_000;

    /** Whether to configure the cueball pool and DataSource (when no other DataSource bean is defined). */
    private boolean enabled = true;

    /**
     * Where the backends are, as a spec: static:host:port[,host:port...] (IPv6 in brackets),
     * dns:_service._tcp.name[@server:port][?port=N&family=..&empty=..&timeout=..] (SRV records, refreshed by their
     * TTLs) or consul:service[?tag=..&dc=..][@host:port] (needs cueball-resolver-consul).
     */
    private String resolver;

    /** The database to connect to (PostgreSQL); with url, put the database in the URL instead. */
    private String database;

    /** The user to log in as; defaults to spring.datasource.username when that is set. */
    private String username;

    /**
     * The password; read at each connect and never logged. Also from the environment variable
     * CUEBALL_DATASOURCE_PASSWORD; defaults to spring.datasource.password when that is set.
     */
    private String password;

    /**
     * A JDBC URL template for a driver other than PostgreSQL, with {host} and {port} where each backend's go, for
     * example jdbc:mysql://{host}:{port}/app. It must carry no credentials. Default: PostgreSQL's.
     */
    private String url;

    /**
     * The Consul ACL token for a consul: resolver, read at each request and sent as X-Consul-Token; defaults to
     * the environment variable CONSUL_HTTP_TOKEN.
     */
    private String consulToken;

    /** Driver settings: how each connection is opened, set up and validated. */
    private final Jdbc jdbc = new Jdbc();

    /** The pool's name in thread names, logs, health and errors (A-Z a-z 0-9 . _ -, up to 64); default pool-N. */
    private String name;

    /** Connections across all backends: idle, claimed and connecting; at least 1. */
    private int maxConnections = 10;

    /**
     * Idle connections kept ready on top of the claimed ones, 0 to max-connections. Unset: max-connections (a
     * fixed-size pool, opened eagerly). Fewer: the pool grows on demand and closes unused extra connections
     * after idle-timeout.
     */
    private Integer spares;

    /** How long getConnection() waits for a connection. */
    private Duration claimTimeout = Duration.ofSeconds(30);

    /** The debounce after a resolver change before the pool re-plans its connections. */
    private Duration rebalanceDelay = Duration.ofMillis(100);

    /** How often the idle queue is shuffled, so claims do not hit one backend in runs. */
    private Duration decoherenceInterval = Duration.ofMinutes(5);

    /** How often idle connections are checked. */
    private Duration healthCheckInterval = Duration.ofSeconds(30);

    /** How long connections above spares may go unused before they are closed. */
    private Duration idleTimeout = Duration.ofMinutes(10);

    /** The age at which a connection is replaced; 0 for none. */
    private Duration maxLifetime = Duration.ofMillis(0);

    /** The pool's bound on one connect (authentication and set-up included); longer counts as a failure. */
    private Duration connectTimeout = Duration.ofSeconds(10);

    /** Retry delays after connect failures, per backend. */
    private final Backoff backoff = new Backoff();

    /** Connect failures in a row after which a backend is dead (use failures never count). */
    private int deadAfterFailures = 3;

    /**
     * Claims in a row in which a thread gets back the connection it released last, 0 to 1000000 (0: first-in,
     * first-out). Fixed-size pools only. 10000 here (the core's default is 64): a database session that keeps its
     * thread costs the server less CPU.
     */
    private int threadAffinity = DEFAULT_THREAD_AFFINITY;

    /** The window of a backend's use score; recent outcomes weigh more. At least 20ms. */
    private Duration scoreDecay = Duration.ofMinutes(1);

    /** The most backends ejected as outliers at once, in percent (0 turns ejection off). */
    private int maxEjectionPercent = 50;

    /** The use failure rate (1 - score) at which a backend is ejected, in (0, 1]. */
    private double ejectionFailureRate = 0.85;

    /** Use outcomes a backend's score window must hold before it can be ejected. */
    private int ejectionMinOutcomes = 10;

    /** How long a first ejection lasts; the n-th in a row lasts n times as long. */
    private Duration baseEjectionTime = Duration.ofSeconds(30);

    /** The longest an ejection lasts. */
    private Duration maxEjectionTime = Duration.ofMinutes(5);

    /** Whether claims fail at once while the resolver reports no backends, instead of waiting. */
    private boolean failFastWhenEmpty;

    /** How long closing the pool (with the application context) waits for claimed connections. */
    private Duration closeTimeout = Duration.ofSeconds(30);

    /**
     * How claims and shares choose backends: round-robin, weighted, least-in-use, epsilon-greedy:EPSILON (e.g.
     * epsilon-greedy:0.1) or softmax:TEMPERATURE (e.g. softmax:0.2).
     */
    private String hostSelection = "round-robin";

    /** Deterministic subsetting over a fleet of instances; off unless both values are set. */
    private final Subsetting subsetting = new Subsetting();

    /** A claim held longer is logged once as a possible leak, with the claiming stack; 0 is off. */
    private Duration leakDetectionThreshold = Duration.ofMillis(0);

    /** The most claims that may wait at once; one more fails at once. Unset: unbounded; 0: no claim waits. */
    private Integer maxWaiters;

    /**
     * CoDel on the claim queue: once claims have all waited longer than this for two 100ms intervals, the oldest
     * waiting ones fail early. 0 is off.
     */
    private Duration targetClaimDelay = Duration.ofMillis(0);

    /** Whether to register the pool's MXBean as io.cueball:type=ConnectionPool,name="NAME". */
    private boolean registerMbeans;

    /** Driver settings ({@code cueball.datasource.jdbc.*}), as {@link JdbcSettings.Builder} takes them. */
    public static class Jdbc {

        /** The application_name PostgreSQL shows in pg_stat_activity; default spring.application.name, else cueball. */
        private String applicationName;

        /** PostgreSQL's sslmode. */
        private JdbcSettings.SslMode sslMode = JdbcSettings.SslMode.PREFER;

        /** The driver's connect and login timeout (PostgreSQL), whole seconds, at least 1s. */
        private Duration connectTimeout = Duration.ofSeconds(10);

        /**
         * The driver's socket read timeout (PostgreSQL), whole seconds, 0 for none. A read that waits longer
         * closes the connection; keep it above statement_timeout.
         */
        private Duration socketTimeout = Duration.ofMinutes(5);

        /** SQL run in order on every new connection before it is handed out (SET ...). */
        private List<String> initStatements = new ArrayList<>();

        /** A query that must succeed for a connection to be valid; default the driver's isValid. */
        private String validationQuery;

        /** How long a validation may take, whole seconds, at least 1s. */
        private Duration validationTimeout = Duration.ofSeconds(5);

        /** More driver properties (not password: set cueball.datasource.password). */
        private Map<String, String> properties = new LinkedHashMap<>();

        /** @return the application name, or null for spring.application.name (else cueball) */
        public String getApplicationName() {
            return applicationName;
        }

        /** @param applicationName the application name PostgreSQL shows */
        public void setApplicationName(String applicationName) {
            this.applicationName = applicationName;
        }

        /** @return PostgreSQL's sslmode */
        public JdbcSettings.SslMode getSslMode() {
            return sslMode;
        }

        /** @param sslMode PostgreSQL's sslmode */
        public void setSslMode(JdbcSettings.SslMode sslMode) {
            this.sslMode = sslMode;
        }

        /** @return the driver's connect and login timeout */
        public Duration getConnectTimeout() {
            return connectTimeout;
        }

        /** @param connectTimeout the driver's connect and login timeout, whole seconds, at least 1 s */
        public void setConnectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
        }

        /** @return the driver's socket read timeout */
        public Duration getSocketTimeout() {
            return socketTimeout;
        }

        /** @param socketTimeout the driver's socket read timeout, whole seconds, 0 for none */
        public void setSocketTimeout(Duration socketTimeout) {
            this.socketTimeout = socketTimeout;
        }

        /** @return statements run on every new connection */
        public List<String> getInitStatements() {
            return initStatements;
        }

        /** @param initStatements statements run in order on every new connection */
        public void setInitStatements(List<String> initStatements) {
            this.initStatements = initStatements;
        }

        /** @return the validation query, or null for isValid */
        public String getValidationQuery() {
            return validationQuery;
        }

        /** @param validationQuery a query that must succeed for a connection to be valid */
        public void setValidationQuery(String validationQuery) {
            this.validationQuery = validationQuery;
        }

        /** @return how long a validation may take */
        public Duration getValidationTimeout() {
            return validationTimeout;
        }

        /** @param validationTimeout how long a validation may take, whole seconds, at least 1 s */
        public void setValidationTimeout(Duration validationTimeout) {
            this.validationTimeout = validationTimeout;
        }

        /** @return more driver properties */
        public Map<String, String> getProperties() {
            return properties;
        }

        /** @param properties more driver properties (not password) */
        public void setProperties(Map<String, String> properties) {
            this.properties = properties;
        }
    }

    /** Backoff after connect failures ({@code cueball.datasource.backoff.*}), as {@link BackoffPolicy}. */
    public static class Backoff {

        /** The first retry delay after a failure; doubles each round. */
        private Duration initial = Duration.ofMillis(100);

        /** The longest retry delay. */
        private Duration max = Duration.ofSeconds(30);

        /** Random spread of each delay, 0 to 1 (0.2 is plus or minus 20 percent). */
        private double jitter = 0.2;

        /** @return the first retry delay */
        public Duration getInitial() {
            return initial;
        }

        /** @param initial the first retry delay, above 0 */
        public void setInitial(Duration initial) {
            this.initial = initial;
        }

        /** @return the longest retry delay */
        public Duration getMax() {
            return max;
        }

        /** @param max the longest retry delay, at least initial */
        public void setMax(Duration max) {
            this.max = max;
        }

        /** @return the jitter, 0 to 1 */
        public double getJitter() {
            return jitter;
        }

        /** @param jitter the jitter, 0 to 1 */
        public void setJitter(double jitter) {
            this.jitter = jitter;
        }
    }

    /** Deterministic subsetting ({@code cueball.datasource.subsetting.*}): this instance's place in its fleet. */
    public static class Subsetting {

        /** This instance's id, 0 to instance-count - 1. */
        private Integer instanceId;

        /** How many instances share the backends (pools with the same settings), at least 1. */
        private Integer instanceCount;

        /** @return this instance's id, or null when off */
        public Integer getInstanceId() {
            return instanceId;
        }

        /** @param instanceId this instance's id */
        public void setInstanceId(Integer instanceId) {
            this.instanceId = instanceId;
        }

        /** @return the fleet's size, or null when off */
        public Integer getInstanceCount() {
            return instanceCount;
        }

        /** @param instanceCount the fleet's size */
        public void setInstanceCount(Integer instanceCount) {
            this.instanceCount = instanceCount;
        }
    }

    /**
     * Sets every pool option on a builder. Options that are not simple values are checked here, naming the
     * property: the host selection, the backoff policy, subsetting given half.
     *
     * @param builder the pool's builder
     * @throws org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException naming
     *         the bad property
     */
    void applyTo(ConnectionPool.Builder<?> builder) {
        if (name != null) {
            builder.name(name);
        }
        builder.maxConnections(maxConnections);
        if (spares != null) {
            builder.spares(spares);
        }
        builder.claimTimeout(claimTimeout)
                .rebalanceDelay(rebalanceDelay)
                .decoherenceInterval(decoherenceInterval)
                .healthCheckInterval(healthCheckInterval)
                .idleTimeout(idleTimeout)
                .maxLifetime(maxLifetime)
                .connectTimeout(connectTimeout)
                .deadAfterFailures(deadAfterFailures)
                .threadAffinity(threadAffinity)
                .scoreDecay(scoreDecay)
                .maxEjectionPercent(maxEjectionPercent)
                .ejectionFailureRate(ejectionFailureRate)
                .ejectionMinOutcomes(ejectionMinOutcomes)
                .baseEjectionTime(baseEjectionTime)
                .maxEjectionTime(maxEjectionTime)
                .failFastWhenEmpty(failFastWhenEmpty)
                .closeTimeout(closeTimeout)
                .leakDetectionThreshold(leakDetectionThreshold)
                .targetClaimDelay(targetClaimDelay)
                .registerMbeans(registerMbeans);
        if (maxWaiters != null) {
            builder.maxWaiters(maxWaiters);
        }
        builder.backoff(PropertyErrors.poolValue(this,
                () -> new BackoffPolicy(backoff.initial, backoff.max, backoff.jitter)));
        builder.hostSelection(PropertyErrors.value("host-selection", hostSelection,
                () -> HostSelection.parse(hostSelection)));
        if (subsetting.instanceId != null || subsetting.instanceCount != null) {
            if (subsetting.instanceId == null || subsetting.instanceCount == null) {
                String missing = subsetting.instanceId == null ? "instance-id" : "instance-count";
                throw PropertyErrors.invalid("subsetting." + missing, null,
                        "expected: both subsetting.instance-id and subsetting.instance-count, or neither");
            }
            builder.subsetting(subsetting.instanceId, subsetting.instanceCount);
        }
    }

    /**
     * The value of a pool option as the core names it in its errors ({@code maxConnections},
     * {@code backoff initial}, {@code subsetting instanceCount}), for the failure message.
     *
     * @param option the core's name
     * @return its bound value, or null if this class has no such option
     */
    Object poolOptionValue(String option) {
        return switch (option) {
            case "name" -> name;
            case "maxConnections" -> maxConnections;
            case "spares" -> spares;
            case "claimTimeout" -> claimTimeout;
            case "rebalanceDelay" -> rebalanceDelay;
            case "decoherenceInterval" -> decoherenceInterval;
            case "healthCheckInterval" -> healthCheckInterval;
            case "idleTimeout" -> idleTimeout;
            case "maxLifetime" -> maxLifetime;
            case "connectTimeout" -> connectTimeout;
            case "deadAfterFailures" -> deadAfterFailures;
            case "threadAffinity" -> threadAffinity;
            case "scoreDecay" -> scoreDecay;
            case "maxEjectionPercent" -> maxEjectionPercent;
            case "ejectionFailureRate" -> ejectionFailureRate;
            case "ejectionMinOutcomes" -> ejectionMinOutcomes;
            case "baseEjectionTime" -> baseEjectionTime;
            case "maxEjectionTime" -> maxEjectionTime;
            case "closeTimeout" -> closeTimeout;
            case "leakDetectionThreshold" -> leakDetectionThreshold;
            case "maxWaiters" -> maxWaiters;
            case "targetClaimDelay" -> targetClaimDelay;
            case "backoff initial" -> backoff.initial;
            case "backoff max" -> backoff.max;
            case "backoff jitter" -> backoff.jitter;
            case "subsetting instanceId" -> subsetting.instanceId;
            case "subsetting instanceCount" -> subsetting.instanceCount;
            default -> null;
        };
    }

    /**
     * The driver settings these properties describe.
     *
     * @param fallbackUsername     the user when {@code username} is unset (spring.datasource.username), or null
     * @param password             read at each connect
     * @param springApplicationName the application name when {@code jdbc.application-name} is unset, or null
     * @return the settings
     * @throws org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException naming
     *         the bad property
     */
    JdbcSettings jdbcSettings(String fallbackUsername, Supplier<String> password, String springApplicationName) {
        String user = username != null ? username : fallbackUsername;
        if (url != null && database != null && !database.isBlank()) {
            throw PropertyErrors.invalid("database", database,
                    "expected: no database with cueball.datasource.url (put it in the URL)");
        }
        JdbcSettings.Builder b = url != null ? JdbcSettings.url(url).user(user) : JdbcSettings.postgres(database, user);
        b.password(password)
                .sslMode(jdbc.sslMode)
                .connectTimeout(jdbc.connectTimeout)
                .socketTimeout(jdbc.socketTimeout)
                .validationTimeout(jdbc.validationTimeout)
                .initStatements(jdbc.initStatements.toArray(String[]::new));
        String applicationName = jdbc.applicationName != null ? jdbc.applicationName : springApplicationName;
        if (applicationName != null) {
            b.applicationName(applicationName);
        }
        if (jdbc.validationQuery != null) {
            b.validationQuery(jdbc.validationQuery);
        }
        jdbc.properties.forEach(b::property);
        return PropertyErrors.jdbcValue(this, b::build);
    }

    /**
     * The value of a driver setting as {@link JdbcSettings.Builder} names it in its errors, for the failure
     * message; null where the value could hold a secret (the URL, a driver property).
     *
     * @param setting the builder's name ({@code database}, {@code user}, {@code connectTimeout}, ...)
     * @return its bound value, or null
     */
    Object jdbcSettingValue(String setting) {
        return switch (setting) {
            case "database" -> database;
            case "user" -> username;
            case "connectTimeout" -> jdbc.connectTimeout;
            case "socketTimeout" -> jdbc.socketTimeout;
            case "validationTimeout" -> jdbc.validationTimeout;
            case "validationQuery" -> jdbc.validationQuery;
            default -> null;
        };
    }

    /** @return whether the pool and DataSource are configured */
    public boolean isEnabled() {
        return enabled;
    }

    /** @param enabled whether to configure the pool and DataSource */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** @return the resolver spec */
    public String getResolver() {
        return resolver;
    }

    /** @param resolver the resolver spec: static:..., dns:... or consul:... */
    public void setResolver(String resolver) {
        this.resolver = resolver;
    }

    /** @return the database */
    public String getDatabase() {
        return database;
    }

    /** @param database the database (PostgreSQL) */
    public void setDatabase(String database) {
        this.database = database;
    }

    /** @return the user, or null for spring.datasource.username */
    public String getUsername() {
        return username;
    }

    /** @param username the user to log in as */
    public void setUsername(String username) {
        this.username = username;
    }

    /** @return the password, or null for spring.datasource.password */
    public String getPassword() {
        return password;
    }

    /** @param password the password, read at each connect */
    public void setPassword(String password) {
        this.password = password;
    }

    /** @return the URL template, or null for PostgreSQL's */
    public String getUrl() {
        return url;
    }

    /** @param url a JDBC URL template with {host} and {port}, without credentials */
    public void setUrl(String url) {
        this.url = url;
    }

    /** @return the Consul token, or null for CONSUL_HTTP_TOKEN */
    public String getConsulToken() {
        return consulToken;
    }

    /** @param consulToken the Consul ACL token */
    public void setConsulToken(String consulToken) {
        this.consulToken = consulToken;
    }

    /** @return the driver settings */
    public Jdbc getJdbc() {
        return jdbc;
    }

    /** @return the pool's name, or null for pool-N */
    public String getName() {
        return name;
    }

    /** @param name the pool's name */
    public void setName(String name) {
        this.name = name;
    }

    /** @return connections across all backends */
    public int getMaxConnections() {
        return maxConnections;
    }

    /** @param maxConnections connections across all backends, at least 1 */
    public void setMaxConnections(int maxConnections) {
        this.maxConnections = maxConnections;
    }

    /** @return idle connections kept ready, or null for max-connections */
    public Integer getSpares() {
        return spares;
    }

    /** @param spares idle connections kept ready, 0 to max-connections */
    public void setSpares(Integer spares) {
        this.spares = spares;
    }

    /** @return how long a claim waits */
    public Duration getClaimTimeout() {
        return claimTimeout;
    }

    /** @param claimTimeout how long a claim waits, at least 0 */
    public void setClaimTimeout(Duration claimTimeout) {
        this.claimTimeout = claimTimeout;
    }

    /** @return the debounce after a resolver change */
    public Duration getRebalanceDelay() {
        return rebalanceDelay;
    }

    /** @param rebalanceDelay the debounce after a resolver change, at least 0 */
    public void setRebalanceDelay(Duration rebalanceDelay) {
        this.rebalanceDelay = rebalanceDelay;
    }

    /** @return how often the idle queue is shuffled */
    public Duration getDecoherenceInterval() {
        return decoherenceInterval;
    }

    /** @param decoherenceInterval how often the idle queue is shuffled, above 0 */
    public void setDecoherenceInterval(Duration decoherenceInterval) {
        this.decoherenceInterval = decoherenceInterval;
    }

    /** @return how often idle connections are checked */
    public Duration getHealthCheckInterval() {
        return healthCheckInterval;
    }

    /** @param healthCheckInterval how often idle connections are checked, above 0 */
    public void setHealthCheckInterval(Duration healthCheckInterval) {
        this.healthCheckInterval = healthCheckInterval;
    }

    /** @return how long extra connections may go unused */
    public Duration getIdleTimeout() {
        return idleTimeout;
    }

    /** @param idleTimeout how long extra connections may go unused, above 0 */
    public void setIdleTimeout(Duration idleTimeout) {
        this.idleTimeout = idleTimeout;
    }

    /** @return the age at which a connection is replaced, 0 for none */
    public Duration getMaxLifetime() {
        return maxLifetime;
    }

    /** @param maxLifetime the age at which a connection is replaced, 0 for none */
    public void setMaxLifetime(Duration maxLifetime) {
        this.maxLifetime = maxLifetime;
    }

    /** @return the pool's bound on one connect */
    public Duration getConnectTimeout() {
        return connectTimeout;
    }

    /** @param connectTimeout the pool's bound on one connect, above 0 */
    public void setConnectTimeout(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
    }

    /** @return the backoff settings */
    public Backoff getBackoff() {
        return backoff;
    }

    /** @return connect failures in a row after which a backend is dead */
    public int getDeadAfterFailures() {
        return deadAfterFailures;
    }

    /** @param deadAfterFailures connect failures in a row after which a backend is dead, at least 1 */
    public void setDeadAfterFailures(int deadAfterFailures) {
        this.deadAfterFailures = deadAfterFailures;
    }

    /** @return claims in a row a thread keeps its connection */
    public int getThreadAffinity() {
        return threadAffinity;
    }

    /** @param threadAffinity claims in a row a thread keeps its connection, 0 to 1000000 */
    public void setThreadAffinity(int threadAffinity) {
        this.threadAffinity = threadAffinity;
    }

    /** @return the window of a backend's use score */
    public Duration getScoreDecay() {
        return scoreDecay;
    }

    /** @param scoreDecay the window of a backend's use score, at least 20 ms */
    public void setScoreDecay(Duration scoreDecay) {
        this.scoreDecay = scoreDecay;
    }

    /** @return the most backends ejected at once, in percent */
    public int getMaxEjectionPercent() {
        return maxEjectionPercent;
    }

    /** @param maxEjectionPercent the most backends ejected at once, 0 to 100 percent */
    public void setMaxEjectionPercent(int maxEjectionPercent) {
        this.maxEjectionPercent = maxEjectionPercent;
    }

    /** @return the failure rate at which a backend is ejected */
    public double getEjectionFailureRate() {
        return ejectionFailureRate;
    }

    /** @param ejectionFailureRate the failure rate at which a backend is ejected, in (0, 1] */
    public void setEjectionFailureRate(double ejectionFailureRate) {
        this.ejectionFailureRate = ejectionFailureRate;
    }

    /** @return outcomes needed before an ejection */
    public int getEjectionMinOutcomes() {
        return ejectionMinOutcomes;
    }

    /** @param ejectionMinOutcomes outcomes needed before an ejection, at least 1 */
    public void setEjectionMinOutcomes(int ejectionMinOutcomes) {
        this.ejectionMinOutcomes = ejectionMinOutcomes;
    }

    /** @return how long a first ejection lasts */
    public Duration getBaseEjectionTime() {
        return baseEjectionTime;
    }

    /** @param baseEjectionTime how long a first ejection lasts, above 0 */
    public void setBaseEjectionTime(Duration baseEjectionTime) {
        this.baseEjectionTime = baseEjectionTime;
    }

    /** @return the longest an ejection lasts */
    public Duration getMaxEjectionTime() {
        return maxEjectionTime;
    }

    /** @param maxEjectionTime the longest an ejection lasts, above 0 */
    public void setMaxEjectionTime(Duration maxEjectionTime) {
        this.maxEjectionTime = maxEjectionTime;
    }

    /** @return whether claims fail at once while there are no backends */
    public boolean isFailFastWhenEmpty() {
        return failFastWhenEmpty;
    }

    /** @param failFastWhenEmpty whether claims fail at once while there are no backends */
    public void setFailFastWhenEmpty(boolean failFastWhenEmpty) {
        this.failFastWhenEmpty = failFastWhenEmpty;
    }

    /** @return how long closing waits for claimed connections */
    public Duration getCloseTimeout() {
        return closeTimeout;
    }

    /** @param closeTimeout how long closing waits for claimed connections, at least 0 */
    public void setCloseTimeout(Duration closeTimeout) {
        this.closeTimeout = closeTimeout;
    }

    /** @return the host selection, as {@link HostSelection#parse(String)} reads it */
    public String getHostSelection() {
        return hostSelection;
    }

    /** @param hostSelection the host selection, as {@link HostSelection#parse(String)} reads it */
    public void setHostSelection(String hostSelection) {
        this.hostSelection = hostSelection;
    }

    /** @return the subsetting settings */
    public Subsetting getSubsetting() {
        return subsetting;
    }

    /** @return the leak detection threshold, 0 for off */
    public Duration getLeakDetectionThreshold() {
        return leakDetectionThreshold;
    }

    /** @param leakDetectionThreshold the leak detection threshold, 0 for off */
    public void setLeakDetectionThreshold(Duration leakDetectionThreshold) {
        this.leakDetectionThreshold = leakDetectionThreshold;
    }

    /** @return the most claims that may wait, or null for unbounded */
    public Integer getMaxWaiters() {
        return maxWaiters;
    }

    /** @param maxWaiters the most claims that may wait, at least 0 */
    public void setMaxWaiters(Integer maxWaiters) {
        this.maxWaiters = maxWaiters;
    }

    /** @return the CoDel target claim delay, 0 for off */
    public Duration getTargetClaimDelay() {
        return targetClaimDelay;
    }

    /** @param targetClaimDelay the CoDel target claim delay, 0 for off */
    public void setTargetClaimDelay(Duration targetClaimDelay) {
        this.targetClaimDelay = targetClaimDelay;
    }

    /** @return whether the pool's MXBean is registered */
    public boolean isRegisterMbeans() {
        return registerMbeans;
    }

    /** @param registerMbeans whether to register the pool's MXBean */
    public void setRegisterMbeans(boolean registerMbeans) {
        this.registerMbeans = registerMbeans;
    }
}
