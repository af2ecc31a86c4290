package io.cueball.spring.boot;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Turns the core's and the JDBC module's checks into Boot's {@link InvalidConfigurationPropertyValueException},
 * which names the property ({@code cueball.datasource.max-connections}), its value, where it was set
 * ({@code application.properties} line, environment variable) and what was expected; Boot's failure analyzer
 * prints it as the reason the application failed to start.
 *
 * <p>The rules themselves stay in the core: this class only maps names. It reads the documented form of their
 * messages, {@code option: value (expected: ...)}, several joined by {@code "; "} (see
 * {@code ConnectionPool.Builder#build()}), and maps each option name to its property by Boot's kebab case
 * ({@code maxConnections} to {@code max-connections}, {@code backoff initial} to {@code backoff.initial}). A value
 * that may hold a secret (a URL, a driver property) is never passed on.
 */
final class PropertyErrors {
    /** {@code pool 'NAME': } before the core's list of errors. */
    private static final Pattern POOL_PREFIX = Pattern.compile("^pool '[^']*': ");
    /** One error: an option ({@code maxConnections}, {@code backoff initial}, {@code initStatements[2]}, ...). */
    private static final Pattern ERROR = Pattern.compile(
            "^(?<option>property '[^']*'|[a-zA-Z]+(?:\\[\\d+])?(?: [a-zA-Z]+)?): (?<rest>.*)$", Pattern.DOTALL);
    /** The reason at the end of an error: {@code 0 (expected: >= 1)}. */
    private static final Pattern EXPECTED = Pattern.compile("^.*?\\((?<expected>expected: .*)\\)$", Pattern.DOTALL);
    /** A null check's message: {@code claimTimeout must not be null}. */
    private static final Pattern NULL = Pattern.compile("^(?<option>[a-zA-Z]+(?: [a-zA-Z]+)?) must not be null$");

    private PropertyErrors() {
    }

    /**
     * @param relativeName the property's name after {@code cueball.datasource.}
     * @param value        its value, or null to show none (a secret)
     * @param reason       what was expected
     * @return the exception to throw
     */
    static InvalidConfigurationPropertyValueException invalid(String relativeName, Object value, String reason) {
        return new InvalidConfigurationPropertyValueException(CueballDataSourceProperties.PREFIX + "." + relativeName,
                value, reason);
    }

    /**
     * Parses one property's value.
     *
     * @param relativeName the property's name after {@code cueball.datasource.}
     * @param value        its value, as bound
     * @param parse        makes the object; an {@link IllegalArgumentException} it throws is about this property
     * @param <T>          what it makes
     * @return what it made
     */
    static <T> T value(String relativeName, Object value, Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw invalid(relativeName, value, e.getMessage());
        }
    }

    /**
     * Runs a check of pool options ({@code ConnectionPool.Builder#options()}, {@code BackoffPolicy}'s constructor)
     * and names the properties behind what it refuses.
     *
     * @param properties the bound properties, for the values
     * @param check      the check
     * @param <T>        what it returns
     * @return what it returned
     */
    static <T> T poolValue(CueballDataSourceProperties properties, Supplier<T> check) {
        return mapped(check, PropertyErrors::poolProperty, properties::poolOptionValue);
    }

    /**
     * Runs {@code JdbcSettings.Builder#build()} and names the property behind what it refuses.
     *
     * @param properties the bound properties, for the values
     * @param check      the build
     * @param <T>        what it returns
     * @return what it returned
     */
    static <T> T jdbcValue(CueballDataSourceProperties properties, Supplier<T> check) {
        return mapped(check, PropertyErrors::jdbcProperty, option -> {
            Matcher index = Pattern.compile("^initStatements\\[(\\d+)]$").matcher(option);
            if (index.matches()) {
                return properties.getJdbc().getInitStatements().get(Integer.parseInt(index.group(1)));
            }
            return properties.jdbcSettingValue(option);
        });
    }

    private static <T> T mapped(Supplier<T> check, Function<String, String> propertyOf,
            Function<String, Object> valueOf) {
        try {
            return check.get();
        } catch (NullPointerException e) {
            Matcher m = NULL.matcher(String.valueOf(e.getMessage()));
            if (m.matches()) {
                throw invalid(propertyOf.apply(m.group("option")), null, "expected: a value");
            }
            throw e;
        } catch (IllegalArgumentException e) {
            String message = POOL_PREFIX.matcher(e.getMessage()).replaceFirst("");
            List<String> properties = new ArrayList<>();
            List<Object> values = new ArrayList<>();
            List<String> reasons = new ArrayList<>();
            for (String error : split(message)) {
                Matcher m = ERROR.matcher(error);
                if (!m.matches()) {
                    // Not in the documented form: name the whole group rather than guess a property.
                    throw new InvalidConfigurationPropertyValueException(CueballDataSourceProperties.PREFIX, null,
                            e.getMessage());
                }
                String option = m.group("option");
                Matcher expected = EXPECTED.matcher(m.group("rest"));
                properties.add(CueballDataSourceProperties.PREFIX + "." + propertyOf.apply(option));
                values.add(valueOf.apply(option));
                reasons.add(expected.matches() ? expected.group("expected") : m.group("rest"));
            }
            StringBuilder reason = new StringBuilder(reasons.get(0));
            for (int i = 1; i < properties.size(); i++) {
                reason.append(i == 1 ? "; also invalid: " : ", ").append(properties.get(i))
                        .append(values.get(i) == null ? "" : " = " + values.get(i)).append(" (")
                        .append(reasons.get(i)).append(')');
            }
            InvalidConfigurationPropertyValueException mappedError = new InvalidConfigurationPropertyValueException(
                    properties.get(0), values.get(0), reason.toString());
            mappedError.addSuppressed(e); // Boot's exception fixes its cause to null; keep the core's for the trace
            throw mappedError;
        }
    }

    /** The errors of a message joined by {@code "; "}, which may also stand inside an error's parentheses. */
    static List<String> split(String message) {
        List<String> errors = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth = Math.max(0, depth - 1);
            } else if (depth == 0 && message.startsWith("; ", i)) {
                errors.add(message.substring(start, i));
                start = i + 2;
            }
        }
        errors.add(message.substring(start));
        return errors;
    }

    /**
     * {@code maxConnections} to {@code max-connections}, {@code subsetting instanceCount} to
     * {@code subsetting.instance-count}.
     */
    static String poolProperty(String option) {
        String[] words = option.split(" ");
        StringBuilder name = new StringBuilder();
        for (String word : words) {
            if (!name.isEmpty()) {
                name.append('.');
            }
            name.append(kebab(word));
        }
        return name.toString();
    }

    private static String jdbcProperty(String option) {
        return switch (option) {
            case "database" -> "database";
            case "user" -> "username";
            case "url template" -> "url";
            default -> option.startsWith("property '") ? "jdbc.properties" : "jdbc." + kebab(option);
        };
    }

    /** {@code maxConnections} to {@code max-connections}; an index ({@code [2]}) is kept. */
    static String kebab(String camel) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < camel.length(); i++) {
            char c = camel.charAt(i);
            if (Character.isUpperCase(c)) {
                out.append('-').append(Character.toLowerCase(c));
            } else {
                out.append(c);
            }
        }
        return out.toString().toLowerCase(Locale.ROOT);
    }
}
