package io.cueball;

import static io.cueball.EngineHarness.A;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Leak detection at exact instants (manual clock): a claim held past leakDetectionThreshold is logged once, as a
 * WARN with the pool, the backend, how long, and the stack of the code that claimed; its release logs that the leak
 * ended; claims released in time, and pools with detection off, log nothing and capture no stack.
 */
class LeakDetectionTest {
    private final EngineHarness h = new EngineHarness();
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(ConnectionPool.class);

    private Level before;

    @BeforeEach
    void capture() {
        logs.start();
        logger.addAppender(logs);
        before = logger.getLevel();
        logger.setLevel(Level.INFO); // the leak's end is an INFO
    }

    @AfterEach
    void tearDown() {
        logger.setLevel(before);
        logger.detachAppender(logs);
        h.close();
    }

    private List<ILoggingEvent> leakWarnings() {
        return logs.list.stream().filter(e -> e.getLevel() == Level.WARN
                && e.getFormattedMessage().contains("possible leak")).toList();
    }

    private Claim<MemoryConnection> claimHere() {
        return h.pool.claim();
    }

    @Test
    void aClaimHeldPastTheThresholdIsReportedOnceWithItsStackAndItsEndIsLogged() {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A).maxConnections(2).leakDetectionThreshold(Duration.ofSeconds(2)));
        Duration claimedAt = h.sinceStart();
        Claim<MemoryConnection> leaked = claimHere();
        // The housekeeper looks every 500 ms (a quarter of the threshold): at 2.0 s the claim is 1.9 s old.
        h.advanceTo(Duration.ofSeconds(2));
        assertTrue(leakWarnings().isEmpty(), "not yet: held " + h.sinceStart().minus(claimedAt));
        h.advanceTo(Duration.ofMillis(2500));
        List<ILoggingEvent> warnings = leakWarnings();
        assertEquals(1, warnings.size(), "one WARN: " + logs.list);
        ILoggingEvent w = warnings.get(0);
        String text = w.getFormattedMessage();
        assertTrue(text.contains("engine-test") && text.contains(A.key()) && text.contains("claimed for 2400 ms")
                && text.contains("leakDetectionThreshold 2000 ms"), text);
        ThrowableProxy stack = (ThrowableProxy) w.getThrowableProxy();
        assertNotNull(stack, "the claiming stack is attached");
        assertTrue(Arrays.stream(stack.getThrowable().getStackTrace())
                .anyMatch(f -> f.getMethodName().equals("claimHere")), "the stack shows the code that claimed");
        h.advanceTo(Duration.ofSeconds(10));
        assertEquals(1, leakWarnings().size(), "reported once, not at every look");
        leaked.close();
        assertTrue(logs.list.stream().anyMatch(e -> e.getLevel() == Level.INFO
                && e.getFormattedMessage().contains("possible leak was released after 9900 ms")), "" + logs.list);
        pool.claim().close();
    }

    @Test
    void claimsReleasedInTimeAreNeverReported() {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A).maxConnections(1).leakDetectionThreshold(Duration.ofSeconds(2)));
        for (int i = 0; i < 5; i++) {
            Claim<MemoryConnection> c = pool.claim();
            h.advanceTo(h.sinceStart().plus(Duration.ofMillis(1900)));
            c.close();
        }
        h.advanceTo(h.sinceStart().plus(Duration.ofSeconds(5)));
        assertTrue(leakWarnings().isEmpty(), "" + leakWarnings());
    }

    @Test
    void withDetectionOffNoStackIsCapturedAndNothingIsReported() {
        h.executor.inline();
        var pool = h.startAndSettle(h.builder(A).maxConnections(1));
        Claim<MemoryConnection> c = pool.claim();
        assertFalse(c.slot.leakWatched(), "no stack captured when leak detection is off");
        h.advanceTo(Duration.ofMinutes(30));
        assertTrue(leakWarnings().isEmpty());
        c.close();
    }
}
