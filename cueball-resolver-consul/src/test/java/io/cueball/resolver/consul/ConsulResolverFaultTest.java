package io.cueball.resolver.consul;

import static io.cueball.resolver.consul.FakeConsul.instance;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.Backend;
import io.cueball.BackoffPolicy;
import io.cueball.testing.RecordingResolverListener;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The resolver against a fake agent that misbehaves on demand. */
class ConsulResolverFaultTest {
    private static final BackoffPolicy FAST = new BackoffPolicy(Duration.ofMillis(50), Duration.ofMillis(200), 0);
    private static final String A = instance("a", "10.0.0.1", "192.168.0.1", 5432, 3, 1, "\"primary\",\"eu\"",
            "\"zone\":\"z1\"", "passing");
    private static final String B = instance("b", "", "192.168.0.2", 5433, 1, 1, "", "", "passing");

    private FakeConsul consul;
    private RecordingResolverListener events;
    private ConsulResolver resolver;

    @BeforeAll
    static void quickAwait() {
        Awaitility.setDefaultPollDelay(Duration.ZERO);
        Awaitility.setDefaultPollInterval(Duration.ofMillis(10));
    }

    @BeforeEach
    void setUp() throws Exception {
        consul = new FakeConsul();
        events = new RecordingResolverListener();
    }

    @AfterEach
    void tearDown() {
        if (resolver != null) {
            resolver.close();
        }
        consul.close();
    }

    private ConsulResolver.Builder builder() {
        return ConsulResolver.builder("pg").agent("127.0.0.1", consul.port()).retryBackoff(FAST).seed(1)
                .minInterval(Duration.ofMillis(20));
    }

    private void start(ConsulResolver.Builder b) {
        resolver = b.build();
        resolver.start(events);
    }

    @Test
    void readsAddressesWeightsTagsAndMetaAndSendsTheTokenInAHeaderOnly() {
        consul.answer("[" + A + "," + B + "]", 11);
        start(builder().tag("primary").datacenter("dc1").token(() -> "secret-token-1"));
        await().atMost(5, TimeUnit.SECONDS).until(() -> events.backends().size() == 2);
        Backend a = events.backends().get(0);
        assertEquals("10.0.0.1:5432", a.key());
        assertEquals(3, a.weight(), "Weights.Passing, read from the raw JSON");
        assertEquals(Map.of("consul.id", "a", "consul.node", "node-a", "consul.tags", "primary,eu", "meta.zone", "z1"),
                a.metadata());
        assertEquals("192.168.0.2:5433", events.backends().get(1).key(), "no service address: the node's");

        FakeConsul.Request r = consul.requests.get(0);
        assertEquals(List.of("secret-token-1"), r.headers().get("X-consul-token"));
        assertFalse(r.query().contains("secret-token-1"), "never in the URL: " + r.query());
        assertTrue(r.query().contains("passing") && r.query().contains("tag=primary") && r.query().contains("dc=dc1"),
                r.query());
        assertTrue(r.query().contains("index=0") && r.query().contains("wait=300s"), r.query());
    }

    @Test
    void aRotatedTokenIsSentFromTheNextQueryOn() {
        AtomicReference<String> token = new AtomicReference<>("token-before");
        consul.answer("[" + A + "]", 11);
        start(builder().token(token::get));
        await().atMost(5, TimeUnit.SECONDS).until(() -> consul.requests.size() >= 2); // the second one blocks
        token.set("token-after");
        consul.answer("[" + A + "]", 12);
        await().atMost(5, TimeUnit.SECONDS).until(() -> consul.requests.size() >= 3);
        assertEquals(List.of("token-before"), consul.requests.get(1).headers().get("X-consul-token"));
        assertEquals(List.of("token-after"), consul.requests.get(2).headers().get("X-consul-token"));
    }

    @Test
    void aTokenSupplierThatThrowsFailsTheRequestAndIsAskedAgain() {
        AtomicInteger asked = new AtomicInteger();
        consul.answer("[" + A + "]", 11);
        start(builder().token(() -> {
            if (asked.incrementAndGet() == 1) {
                throw new IllegalStateException("vault sealed");
            }
            return "token-2";
        }));
        await().atMost(5, TimeUnit.SECONDS).until(() -> events.backends().size() == 1);
        assertTrue(events.failures().get(0).getMessage().contains("token supplier failed"),
                events.failures().get(0).getMessage());
        assertEquals(List.of("token-2"), consul.requests.get(0).headers().get("X-consul-token"),
                "the failed attempt never reached the agent");
    }

    @Test
    void anUnchangedAnswerReportsNothingAndEachQueryBlocksOnTheLastIndex() {
        consul.answer("[" + A + "]", 11);
        start(builder());
        await().atMost(5, TimeUnit.SECONDS).until(() -> events.backends().size() == 1);
        consul.answer("[" + A + "]", 12); // a return is no proof of change
        await().atMost(5, TimeUnit.SECONDS).until(() -> consul.requests.size() >= 3);
        assertEquals(1, events.events().size());
        assertEquals(12, consul.requests.get(2).index(), "the next query blocks on the index it was given");
        consul.answer("[" + A + "," + B + "]", 13);
        await().atMost(5, TimeUnit.SECONDS).until(() -> events.backends().size() == 2);
        assertEquals("[+10.0.0.1:5432, +192.168.0.2:5433]", events.events().toString());
    }

    @Test
    void anHttp500KeepsTheLastSetReportsTheFailureAndRecovers() {
        consul.answer("[" + A + "]", 11);
        start(builder());
        await().atMost(5, TimeUnit.SECONDS).until(() -> events.backends().size() == 1);
        consul.mode(FakeConsul.Mode.ERROR_500);
        consul.answer("[" + A + "]", 12);
        await().atMost(5, TimeUnit.SECONDS).until(() -> events.failures().size() >= 2);
        assertTrue(events.failures().get(0).getMessage().contains("HTTP 500"), events.failures().get(0).getMessage());
        assertTrue(events.failures().get(0).getMessage().contains("rpc error: no leader"));
        assertEquals(List.of("10.0.0.1:5432"), events.keys(), "the last known set is kept");
        assertEquals(11, consul.requests.get(1).index(), "the failing request blocked on the index it had");
        assertEquals(0, consul.requests.get(2).index(), "after a failure, one plain read: the agent may be new");
        consul.mode(FakeConsul.Mode.NORMAL);
        consul.answer("[" + B + "]", 20);
        await().atMost(5, TimeUnit.SECONDS).until(() -> events.keys().equals(List.of("192.168.0.2:5433")));
    }

    @Test
    void garbageJsonKeepsTheLastSet() {
        consul.answer("[" + A + "]", 11);
        start(builder());
        await().atMost(5, TimeUnit.SECONDS).until(() -> events.backends().size() == 1);
        consul.mode(FakeConsul.Mode.GARBAGE);
        consul.answer("ignored", 12);
        await().atMost(5, TimeUnit.SECONDS).until(() -> !events.failures().isEmpty());
        assertTrue(events.failures().get(0).getMessage().startsWith("the Consul answer is not"),
                events.failures().get(0).getMessage());
        assertEquals(List.of("10.0.0.1:5432"), events.keys());
    }

    @Test
    void aHangingRequestTimesOutAndCloseDoesNotWaitForIt() {
        consul.mode(FakeConsul.Mode.HANG);
        start(builder().wait(Duration.ofSeconds(1)).readTimeoutMargin(Duration.ofMillis(200)));
        await().atMost(5, TimeUnit.SECONDS).until(() -> !events.failures().isEmpty());
        assertTrue(events.failures().get(0).toString().toLowerCase().contains("timed out"),
                events.failures().get(0).toString());
        long t0 = System.nanoTime();
        resolver.close(); // a request is hanging again by now
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 1_000, "close did not wait for it");
        assertFalse(Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.isAlive() && t.getName().startsWith("cueball-consul-") && !t.isDaemon()));
    }

    @Test
    void anIndexThatGoesBackwardsStartsOverFromZero() {
        consul.answer("[" + A + "]", 100);
        start(builder());
        await().atMost(5, TimeUnit.SECONDS).until(() -> consul.requests.size() >= 2);
        assertEquals(100, consul.requests.get(1).index());
        consul.answer("[" + A + "]", 7); // a snapshot restore, say
        await().atMost(5, TimeUnit.SECONDS).until(() -> consul.requests.subList(2, consul.requests.size()).stream()
                .anyMatch(r -> r.index() == 0));
        consul.answer("[" + A + "]", 0); // and an index of 0 must never be blocked on
        await().atMost(5, TimeUnit.SECONDS).until(() -> consul.requests.get(consul.requests.size() - 1).index() == 1);
    }

    @Test
    void aServiceThatChangesOnEveryRequestCannotMakeTheLoopSpin() {
        consul.answer("[" + A + "]", 11);
        consul.mode(FakeConsul.Mode.CHURN);
        start(builder().minInterval(Duration.ofMillis(100)));
        await().atMost(5, TimeUnit.SECONDS).until(() -> consul.requests.size() >= 3);
        int before = consul.requests.size();
        await().during(1, TimeUnit.SECONDS).atMost(2, TimeUnit.SECONDS).until(() -> true);
        int perSecond = consul.requests.size() - before;
        assertTrue(perSecond <= 12, "at most about 10 requests a second: " + perSecond);
        assertTrue(perSecond >= 5, "but it keeps asking: " + perSecond);
    }
}
