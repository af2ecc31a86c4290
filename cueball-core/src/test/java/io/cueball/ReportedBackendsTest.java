package io.cueball;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportedBackendsTest {

    /** Records the calls as "+key" and "-key", in order (core cannot use cueball-testing: it depends on core). */
    private static final class Calls implements ResolverListener {
        final List<String> calls = new ArrayList<>();

        @Override
        public void backendAdded(Backend backend) {
            calls.add("+" + backend.key());
        }

        @Override
        public void backendRemoved(Backend backend) {
            calls.add("-" + backend.key());
        }

        List<String> take() {
            List<String> out = List.copyOf(calls);
            calls.clear();
            return out;
        }
    }

    private final ReportedBackends reported = new ReportedBackends();
    private final Calls listener = new Calls();

    @Test
    void firstAnswerReportsEveryBackendInItsOrder() {
        reported.apply(List.of(Backend.of("b", 1), Backend.of("a", 1)), listener);
        assertEquals(List.of("+b:1", "+a:1"), listener.take());
        assertEquals(2, reported.size());
    }

    @Test
    void anUnchangedAnswerReportsNothing() {
        reported.apply(List.of(Backend.of("a", 1), Backend.of("b", 1)), listener);
        listener.take();
        reported.apply(List.of(Backend.of("b", 1), Backend.of("a", 1)), listener);
        assertEquals(List.of(), listener.take(), "a reordered answer is the same set");
    }

    @Test
    void removalsAreReportedBeforeAdditions() {
        reported.apply(List.of(Backend.of("a", 1), Backend.of("b", 1)), listener);
        listener.take();
        reported.apply(List.of(Backend.of("c", 1), Backend.of("b", 1), Backend.of("d", 1)), listener);
        assertEquals(List.of("-a:1", "+c:1", "+d:1"), listener.take());
        assertEquals(3, reported.size());
    }

    @Test
    void aChangedWeightPriorityOrMetadataIsReportedAgainAsAdded() {
        reported.apply(List.of(Backend.of("a", 1)), listener);
        listener.take();
        reported.apply(List.of(new Backend("a", 1, 5, 0, Map.of())), listener);
        reported.apply(List.of(new Backend("a", 1, 5, 1, Map.of())), listener);
        reported.apply(List.of(new Backend("a", 1, 5, 1, Map.of("tag", "primary"))), listener);
        assertEquals(List.of("+a:1", "+a:1", "+a:1"), listener.take(), "same key: never removed in between");
        assertEquals(1, reported.size());
    }

    @Test
    void aKeyListedTwiceCountsOnceAndTheFirstWins() {
        Backend heavy = new Backend("a", 1, 9, 0, Map.of());
        reported.apply(List.of(heavy, Backend.of("a", 1)), listener);
        assertEquals(List.of("+a:1"), listener.take());
        reported.apply(List.of(heavy), listener);
        assertEquals(List.of(), listener.take(), "the first of the duplicates was the one remembered");
    }

    @Test
    void anEmptyAnswerRemovesEverything() {
        reported.apply(List.of(Backend.of("a", 1), Backend.of("b", 1)), listener);
        listener.take();
        reported.apply(List.of(), listener);
        assertEquals(List.of("-a:1", "-b:1"), listener.take());
        assertEquals(0, reported.size());
    }

    @Test
    void nullsAreRejectedBeforeAnythingIsReported() {
        assertThrows(NullPointerException.class, () -> reported.apply(null, listener));
        assertThrows(NullPointerException.class, () -> reported.apply(List.of(), null));
        assertThrows(NullPointerException.class,
                () -> reported.apply(Arrays.asList(Backend.of("a", 1), null), listener));
        assertEquals(List.of(), listener.take());
        assertEquals(0, reported.size());
    }
}
