package io.cueball.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * A bad {@code cueball.datasource.*} property fails startup, and the failure names the property (as Boot spells
 * it in application.properties), its value and what was expected, by the core's own rules.
 */
class BadPropertiesTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CueballDataSourceAutoConfiguration.class,
                    DataSourceAutoConfiguration.class))
            .withPropertyValues("cueball.datasource.resolver=static:127.0.0.1:1", "cueball.datasource.database=app",
                    "cueball.datasource.username=app");

    /** Every message in the failure's chain, outermost first. */
    private static String messages(AssertableApplicationContext context) {
        List<String> messages = new ArrayList<>();
        for (Throwable t = context.getStartupFailure(); t != null; t = t.getCause()) {
            messages.add(t.getMessage());
        }
        return String.join("\n", messages);
    }

    private static InvalidConfigurationPropertyValueException invalid(AssertableApplicationContext context) {
        for (Throwable t = context.getStartupFailure(); t != null; t = t.getCause()) {
            if (t instanceof InvalidConfigurationPropertyValueException e) {
                return e;
            }
        }
        throw new AssertionError("no InvalidConfigurationPropertyValueException in " + context.getStartupFailure());
    }

    @Test
    void zeroMaxConnectionsFailsStartupNamingTheProperty() {
        runner.withPropertyValues("cueball.datasource.max-connections=0").run(context -> {
            assertThat(context).hasFailed();
            InvalidConfigurationPropertyValueException e = invalid(context);
            assertThat(e.getName()).isEqualTo("cueball.datasource.max-connections");
            assertThat(e.getValue()).isEqualTo(0);
            assertThat(e.getReason()).isEqualTo("expected: >= 1");
            // The outermost message, the one a log shows first, already says it.
            assertThat(context.getStartupFailure()).hasMessageContaining(
                    "Property cueball.datasource.max-connections with value '0' is invalid: expected: >= 1");
        });
    }

    @Test
    void anUnparsableResolverSpecFailsStartupNamingTheProperty() {
        runner.withPropertyValues("cueball.datasource.resolver=static:db1:notaport").run(context -> {
            InvalidConfigurationPropertyValueException e = invalid(context);
            assertThat(e.getName()).isEqualTo("cueball.datasource.resolver");
            assertThat(e.getValue()).isEqualTo("static:db1:notaport");
            assertThat(e.getReason()).contains("notaport");
        });
        runner.withPropertyValues("cueball.datasource.resolver=etcd:db").run(context -> {
            InvalidConfigurationPropertyValueException e = invalid(context);
            assertThat(e.getName()).isEqualTo("cueball.datasource.resolver");
            assertThat(e.getReason()).contains("static:", "dns:", "consul:");
        });
        runner.withPropertyValues("cueball.datasource.resolver=dns:_pg._tcp.db?family=ipv5").run(context ->
                assertThat(invalid(context).getReason()).contains("family", "prefer-ipv4"));
    }

    @Test
    void aMissingResolverFailsStartupNamingTheProperty() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(CueballDataSourceAutoConfiguration.class))
                .withPropertyValues("cueball.datasource.database=app", "cueball.datasource.username=app")
                .run(context -> assertThat(invalid(context).getName()).isEqualTo("cueball.datasource.resolver"));
    }

    @Test
    void everyPropertyTheCoreRefusesIsNamedAndTheFirstCarriesTheOthers() {
        runner.withPropertyValues("cueball.datasource.claim-timeout=-1s", "cueball.datasource.max-waiters=-1",
                "cueball.datasource.thread-affinity=5000000").run(context -> {
                    InvalidConfigurationPropertyValueException e = invalid(context);
                    assertThat(e.getName()).isEqualTo("cueball.datasource.claim-timeout");
                    assertThat(e.getReason()).contains("cueball.datasource.thread-affinity = 5000000 (expected: 0..1000000)",
                            "cueball.datasource.max-waiters = -1 (expected: >= 0");
                });
    }

    @Test
    void nestedAndParsedOptionsAreNamedByTheirProperties() {
        runner.withPropertyValues("cueball.datasource.backoff.initial=0s").run(context ->
                assertThat(invalid(context).getName()).isEqualTo("cueball.datasource.backoff.initial"));
        runner.withPropertyValues("cueball.datasource.subsetting.instance-id=3",
                "cueball.datasource.subsetting.instance-count=3").run(context ->
                assertThat(invalid(context).getName()).isEqualTo("cueball.datasource.subsetting.instance-id"));
        runner.withPropertyValues("cueball.datasource.subsetting.instance-count=3").run(context ->
                assertThat(invalid(context).getName()).isEqualTo("cueball.datasource.subsetting.instance-id"));
        runner.withPropertyValues("cueball.datasource.host-selection=softmax").run(context -> {
            assertThat(invalid(context).getName()).isEqualTo("cueball.datasource.host-selection");
            assertThat(invalid(context).getValue()).isEqualTo("softmax");
        });
        runner.withPropertyValues("cueball.datasource.name=no spaces").run(context ->
                assertThat(invalid(context).getName()).isEqualTo("cueball.datasource.name"));
    }

    @Test
    void driverSettingsAreNamedByTheirProperties() {
        runner.withPropertyValues("cueball.datasource.jdbc.connect-timeout=500ms").run(context -> {
            assertThat(invalid(context).getName()).isEqualTo("cueball.datasource.jdbc.connect-timeout");
            assertThat(invalid(context).getReason()).contains(">= 1 s");
        });
        runner.withPropertyValues("cueball.datasource.jdbc.init-statements[0]=SET a = 1",
                "cueball.datasource.jdbc.init-statements[1]= ").run(context ->
                assertThat(invalid(context).getName()).isEqualTo("cueball.datasource.jdbc.init-statements[1]"));
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(CueballDataSourceAutoConfiguration.class))
                .withPropertyValues("cueball.datasource.resolver=static:127.0.0.1:1", "cueball.datasource.database=app")
                .run(context -> assertThat(invalid(context).getName()).isEqualTo("cueball.datasource.username"));
    }

    @Test
    void aSecretIsNeverShownAsTheValue() {
        runner.withPropertyValues("cueball.datasource.url=jdbc:postgresql://{host}:{port}/app?password=hunter2",
                "cueball.datasource.database=").run(context -> {
                    InvalidConfigurationPropertyValueException e = invalid(context);
                    assertThat(e.getName()).isEqualTo("cueball.datasource.url");
                    assertThat(e.getValue()).isNull();
                    assertThat(messages(context)).doesNotContain("hunter2");
                });
        runner.withPropertyValues("cueball.datasource.jdbc.properties.password=hunter2").run(context -> {
            assertThat(invalid(context).getName()).isEqualTo("cueball.datasource.jdbc.properties");
            assertThat(messages(context)).doesNotContain("hunter2");
        });
    }
}
