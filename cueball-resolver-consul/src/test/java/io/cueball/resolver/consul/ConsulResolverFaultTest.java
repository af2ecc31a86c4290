package io.cueball.resolver.consul;

import static io.cueball.resolver.consul.FakeConsul.instance;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.cueball.Backend;
import io.cueball.BackoffPolicy;
import io.cueball.testing.RecordingResolverListener;
import java.time.Duration;
import java.util.ArrayList;
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
import org.slf4j.LoggerFactory;

/** The resolver against a fake agent that misbehaves on demand. */
class ConsulResolverFaultTest {
    private static final BackoffPolicy FAST = new BackoffPolicy(Duration.ofMillis(50), Duration.ofMillis(200), 0);
    private static final String A = instance("a", "10.0.0.1", "192.168.0.1", 5432, 3, 1, "\"primary\",\"eu\"",
            "\"zone\":\"z1\"", "passing");
    private static final String B = instance("b", "", "192.168.0.2", 5433, 1, 1, "", "", "passing");

    // One bad field each, among good instances; the rest of each is like A or B.
    private static final String PORT_0 = instance("c", "10.0.0.3", "192.168.0.3", 0, 1, 1, "", "", "passing");
    private static final String NEGATIVE_WEIGHT = instance("d", "10.0.0.4", "192.168.0.4", 5434, -1, 1, "", "",
            "passing");
    private static final String NULL_TAG = instance("e", "10.0.0.5", "192.168.0.5", 5435, 1, 1, "\"x\",null", "",
            "passing");
    private static final String WEIGHT_2_POW_32 = instance("f", "10.0.0.6", "192.168.0.6", 5436, 77, 1, "", "",
            "passing").replace("\"Passing\":77", "\"Passing\":4294967296"); // (int) 2^32 would be 0

    private FakeConsul consul;
    private RecordingResolverListener events;
    private ConsulResolver resolver;
    private ListAppender<ILoggingEvent> log;

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
        if (log != null) {
            Logger logger = (Logger) LoggerFactory.getLogger(ConsulResolver.class);
            logger.detachAppender(log);
            logger.setLevel(null);
        }
    }

    /** Captures the resolver's log from DEBUG up, until the test ends. */
    private void captureLog() {
        Logger logger = (Logger) LoggerFactory.getLogger(ConsulResolver.class);
        log = new ListAppender<>();
        log.start();
        logger.addAppender(log);
        logger.setLevel(Level.DEBUG);
    }

    /** The captured messages at this level, formatted. */
    private List<String> logged(Level level) {
        List<ILoggingEvent> copy;
        synchronized (log) { // the appender appends under its own lock, on the resolver's thread
            copy = new ArrayList<>(log.list);
        }
        return copy.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage).toList();
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
    void aMalformedInstanceIsSkippedAndLoggedAndTheOthersOfTheAnswerAreReported() {
        captureLog();
        consul.answer("[" + A + "," + PORT_0 + "," + NEGATIVE_WEIGHT + "," + NULL_TAG + "," + WEIGHT_2_POW_32 + ","
                + B + "]", 11);
        start(builder());
        await().atMost(5, TimeUnit.SECONDS).until(() -> events.backends().size() == 2);
        assertEquals(List.of("10.0.0.1:5432", "192.168.0.2:5433"), events.keys());
        assertEquals(3, events.backends().get(0).weight());
        assertEquals(List.of(), events.failures(), "one bad instance is no reason to reject the answer");
        String prefix = "Consul service 'pg' at 127.0.0.1:" + consul.port() + ": skipping malformed instance ";
        assertEquals(List.of(
                prefix + "'c' on node 'node-c': Port 0 (expected: a whole number 1..65535)",
                prefix + "'d' on node 'node-d': Weights.Passing -1 (expected: a whole number 0..2147483647)",
                prefix + "'e' on node 'node-e': Tags holds null (expected: strings)",
                prefix + "'f' on node 'node-f': Weights.Passing 4294967296 (expected: a whole number 0..2147483647)"),
                logged(Level.WARN));
    }

    @Test
    void aWeightBeyondTheIntRangeIsRejectedNotWrapped() {
        String wraps = instance("g", "10.0.0.7", "", 5437, 77, 1, "", "", "passing")
                .replace("\"Passing\":77", "\"Passing\":4294967299"); // (int) would be 3
        String fraction = instance("h", "10.0.0.8", "", 5438, 77, 1, "", "", "passing")
                .replace("\"Passing\":77", "\"Passing\":2.5");
        String hugePort = instance("i", "10.0.0.9", "", 77, 1, 1, "", "", "passing")
                .replace("\"Port\":77", "\"Port\":4294972728"); // (int) would be 5432
        consul.answer("[" + wraps + "," + fraction + "," + hugePort + "," + A + "]", 11);
        start(builder());
        await().atMost(5, TimeUnit.SECONDS).until(() -> events.backends().size() == 1);
        assertEquals(List.of("10.0.0.1:5432"), events.keys());
        assertEquals(List.of(), events.failures());
    }

    @Test
    void nullWhereConsulWritesANilListOrMapMeansNone() {
        // A real agent sends "Meta": null for an instance registered without metadata.
        String nulls = instance("j", "10.0.0.10", "", 5439, 2, 1, "", "", "passing")
                .replace("\"Tags\":[]", "\"Tags\":null").replace("\"Meta\":{}", "\"Meta\":null");
        consul.answer("[" + nulls + "]", 11);
        start(builder());
        await().atMost(5, TimeUnit.SECONDS).until(() -> events.backends().size() == 1);
        assertEquals(Map.of("consul.id", "j", "consul.node", "node-j"), events.backends().get(0).metadata());
        assertEquals(2, events.backends().get(0).weight());
    }

    @Test
    void anAnswerWhoseEveryInstanceIsMalformedIsAFailureAndKeepsTheLastSet() {
        consul.answer("[" + A + "," + B + "]", 11);
        start(builder());
        await().atMost(5, TimeUnit.SECONDS).until(() -> events.backends().size() == 2);
        consul.answer("[" + PORT_0 + "," + NEGATIVE_WEIGHT + "]", 12);
        await().atMost(5, TimeUnit.SECONDS).until(() -> !events.failures().isEmpty());
        assertEquals("the Consul answer for service 'pg' has no usable instance: 2 of 2 malformed, first instance "
                + "'c' on node 'node-c': Port 0 (expected: a whole number 1..65535)",
                events.failures().get(0).getMessage());
        assertEquals(List.of("10.0.0.1:5432", "192.168.0.2:5433"), events.keys(),
                "garbage removes no backend (invariant 6)");
        consul.answer("[" + PORT_0 + "," + B + "]", 13);
        await().atMost(5, TimeUnit.SECONDS).until(() -> events.keys().equals(List.of("192.168.0.2:5433")));
    }

    @Test
    void anEmptyWellFormedAnswerStillRemovesEveryBackend() {
        consul.answer("[" + A + "," + B + "]", 11);
        start(builder());
        await().atMost(5, TimeUnit.SECONDS).until(() -> events.backends().size() == 2);
        consul.answer("[]", 12);
        await().atMost(5, TimeUnit.SECONDS).until(() -> events.backends().isEmpty());
        assertEquals(List.of(), events.failures());
    }

    @Test
    void anInstanceThatStaysMalformedIsWarnedAboutOnceThenAtDebug() {
        captureLog();
        consul.answer("[" + A + "," + PORT_0 + "]", 11);
        start(builder());
        await().atMost(5, TimeUnit.SECONDS).until(() -> events.backends().size() == 1);
        consul.answer("[" + A + "," + PORT_0 + "," + B + "]", 12); // another instance changes, c is still bad
        await().atMost(5, TimeUnit.SECONDS).until(() -> events.backends().size() == 2);
        assertEquals(1, logged(Level.WARN).size(), logged(Level.WARN).toString());
        assertEquals(1, logged(Level.DEBUG).stream().filter(m -> m.contains("still skipping malformed instance 'c'"))
                .count(), logged(Level.DEBUG).toString());
    }

    @Test
    void ipv6SpellingsFromConsulAreOneBackend() {
        String full = instance("k", "FD00:0:0:0:0:0:0:1", "", 5432, 1, 1, "", "", "passing");
        String compressed = instance("l", "fd00::1", "", 5432, 1, 1, "", "", "passing");
        consul.answer("[" + full + "," + compressed + "]", 11);
        start(builder());
        await().atMost(5, TimeUnit.SECONDS).until(() -> !events.backends().isEmpty());
        assertEquals(List.of("[fd00::1]:5432"), events.keys());
        assertEquals("k", events.backends().get(0).metadata().get("consul.id"), "the first of the answer wins");
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
