package io.cueball.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cueball.PoolClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ManualClockTest {

    @Test
    void tasksRunInTimeOrderEachAtItsOwnInstant() {
        ManualClock clock = new ManualClock(0);
        List<String> ran = new ArrayList<>();
        clock.schedule(() -> ran.add("b@" + clock.nanoTime()), 200);
        clock.schedule(() -> ran.add("a@" + clock.nanoTime()), 100);
        clock.schedule(() -> ran.add("c@" + clock.nanoTime()), 200); // same instant: in scheduling order
        clock.advance(Duration.ofNanos(150));
        assertEquals(List.of("a@100"), ran);
        assertEquals(150, clock.nanoTime());
        clock.advance(Duration.ofNanos(50));
        assertEquals(List.of("a@100", "b@200", "c@200"), ran);
    }

    @Test
    void tasksScheduledWhileAdvancingRunIfTheyFallInTheWindow() {
        ManualClock clock = new ManualClock(0);
        List<Long> ran = new ArrayList<>();
        Runnable[] periodic = new Runnable[1];
        periodic[0] = () -> {
            ran.add(clock.nanoTime());
            clock.schedule(periodic[0], 10);
        };
        clock.schedule(periodic[0], 10);
        clock.advance(Duration.ofNanos(35));
        assertEquals(List.of(10L, 20L, 30L), ran);
        assertEquals(Duration.ofNanos(5), clock.untilNextTask());
    }

    @Test
    void cancelledTasksDoNotRun() {
        ManualClock clock = new ManualClock(0);
        List<String> ran = new ArrayList<>();
        PoolClock.Timer t = clock.schedule(() -> ran.add("x"), 10);
        t.cancel();
        clock.advance(Duration.ofNanos(100));
        assertEquals(List.of(), ran);
        assertEquals(0, clock.pendingTasks());
        assertNull(clock.untilNextTask());
    }

    @Test
    void runDueRunsZeroDelayTasksWithoutMovingTime() {
        ManualClock clock = new ManualClock(7);
        List<String> ran = new ArrayList<>();
        clock.schedule(() -> ran.add("now"), 0);
        clock.runDue();
        assertEquals(List.of("now"), ran);
        assertEquals(7, clock.nanoTime());
        assertThrows(IllegalArgumentException.class, () -> clock.advance(Duration.ofNanos(-1)));
    }
}
