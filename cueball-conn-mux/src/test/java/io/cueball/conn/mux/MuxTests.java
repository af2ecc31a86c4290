package io.cueball.conn.mux;

import java.util.List;
import java.util.stream.Collectors;

/** Helpers of this module's tests. */
final class MuxTests {
    private MuxTests() {
    }

    /** Live platform threads whose name starts with the prefix (virtual threads are not listed by the JDK). */
    static List<String> threads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith(prefix)).sorted().collect(Collectors.toList());
    }
}
