package io.cueball.resolver.consul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.Durations;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConsulSpecTest {

    @Test
    void parsesServiceFiltersAndAgent() {
        ConsulResolver r = ConsulResolver.parse(
                "consul:postgres?tag=primary&tag=eu&dc=dc1&warning=true&consistency=stale&wait=60s@127.0.0.1:18500")
                .build();
        assertEquals("ConsulResolver[postgres tags=[primary, eu] dc=dc1 @127.0.0.1:18500]", r.toString());
        r.close();
        ConsulResolver d = ConsulResolver.parse("postgres").build();
        assertTrue(d.toString().endsWith("@127.0.0.1:8500]"), d.toString());
        d.close();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "consul:                         | no service in Consul spec 'consul:'",
        "consul:@127.0.0.1               | no service in Consul spec 'consul:@127.0.0.1'",
        "consul:pg@127.0.0.1:99999       | port 99999 out of range in agent '127.0.0.1:99999' of",
        "consul:pg@a b                   | invalid agent 'a b' in 'consul:pg@a b' (expected host[:port])",
        "consul:pg?warning=maybe         | invalid warning 'warning=maybe'",
        "consul:pg?consistency=eventual  | invalid consistency 'consistency=eventual'",
        "consul:pg?wait=10x              | wait: '10x' (expected: a duration such as 250ms, 5s, 2m, 1h or PT5S)",
        "consul:pg?wait=10h              | wait: PT10H (expected: 1 s to 9 min",
        "consul:pg?wait=500ms            | wait: PT0.5S (expected: 1 s to 9 min",
        "consul:pg?wait=10m              | wait: PT10M (expected: 1 s to 9 min",
        "consul:pg?token=abc             | a token in Consul spec 'consul:pg?token=abc' would end up in shell histories",
        "consul:pg?ttl=1                 | unknown option 'ttl=1' in Consul spec",
        "consul:p/g                      | service: 'p/g' (expected: a Consul service name",
    })
    void badSpecsFailQuotingTheBadPart(String spec, String message) {
        var e = assertThrows(IllegalArgumentException.class, () -> ConsulResolver.parse(spec).build().close());
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }

    @Test
    void theWaitTakesEveryUnitOfTheSharedGrammar() {
        for (String wait : new String[] {"90s", "2m", "PT2M", "120000ms"}) {
            ConsulResolver.parse("consul:pg?wait=" + wait).build().close(); // 1 s to 9 min: accepted
        }
        var e = assertThrows(IllegalArgumentException.class, () -> ConsulResolver.parse("consul:pg?wait=-1s"));
        assertEquals(assertThrows(IllegalArgumentException.class, () -> Durations.parse("wait", "-1s")).getMessage(),
                e.getMessage());
    }

    @Test
    void badBuilderSettingsAreNamed() {
        assertEquals("minInterval: PT0S (expected: > 0)", assertThrows(IllegalArgumentException.class,
                () -> ConsulResolver.builder("pg").minInterval(Duration.ZERO).build()).getMessage());
        assertEquals("agent port: 0 (expected: 1..65535)", assertThrows(IllegalArgumentException.class,
                () -> ConsulResolver.builder("pg").agent("h", 0).build()).getMessage());
    }
}
