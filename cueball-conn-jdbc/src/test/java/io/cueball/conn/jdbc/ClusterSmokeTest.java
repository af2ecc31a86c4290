package io.cueball.conn.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ClusterSmokeTest {
    @Test
    void threeServersAreUp() {
        PostgresCluster c = PostgresCluster.get();
        assertEquals(3, c.backends().stream().map(b -> b.port()).distinct().count());
    }
}
