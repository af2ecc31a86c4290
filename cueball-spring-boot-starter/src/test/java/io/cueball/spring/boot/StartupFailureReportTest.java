package io.cueball.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** What a user sees when a property is bad: Boot's failure report names the property, its value and the rule. */
@ExtendWith(OutputCaptureExtension.class)
class StartupFailureReportTest {

    @Test
    void theReportNamesThePropertyItsValueAndWhatWasExpected(CapturedOutput output) {
        assertThatThrownBy(() -> new SpringApplicationBuilder(NotesApplication.class)
                .properties("cueball.datasource.resolver=static:127.0.0.1:1", "cueball.datasource.database=app",
                        "cueball.datasource.username=app", "cueball.datasource.max-connections=0",
                        "spring.flyway.enabled=false")
                .run()).hasMessageContaining("cueball.datasource.max-connections");
        assertThat(output).contains("APPLICATION FAILED TO START",
                "Invalid value '0' for configuration property 'cueball.datasource.max-connections'",
                "expected: >= 1");
    }
}
