package io.cueball.conn.jdbc;

import static io.cueball.conn.jdbc.ServerRole.PRIMARY;
import static io.cueball.conn.jdbc.ServerRole.REPLICA;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cueball.Backend;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The role table's rules, at exact instants (nanoseconds; the interval is 1000). */
class RoleTableTest {
    private static final long INTERVAL = 1000;
    private static final Backend P = Backend.of("10.0.0.1", 5432);
    private static final Backend R1 = Backend.of("10.0.0.2", 5432);
    private static final Backend R2 = Backend.of("10.0.0.3", 5432);

    private final RoleTable table = new RoleTable(INTERVAL);

    private List<String> wanted(TargetRole target) {
        return table.wanted(target).stream().map(Backend::key).toList();
    }

    /** Adds the backends at 0, probes them all, and has each answer its role at 10. */
    private void cluster(Object... backendsAndRoles) {
        for (int i = 0; i < backendsAndRoles.length; i += 2) {
            table.add((Backend) backendsAndRoles[i], 0);
        }
        table.startDue(0);
        for (int i = 0; i < backendsAndRoles.length; i += 2) {
            table.answered(((Backend) backendsAndRoles[i]).key(), (ServerRole) backendsAndRoles[i + 1], 10);
        }
    }

    @Test
    void aNewBackendIsProbedAtOnceAndIsInNoSetUntilItAnswers() {
        table.add(P, 0);
        assertEquals(0, table.nextDelayNanos(0));
        assertEquals(List.of(P), table.startDue(0));
        assertEquals(Long.MAX_VALUE, table.nextDelayNanos(0), "a backend being probed is not scheduled again");
        assertEquals(List.of(), table.startDue(5), "never two probes of one backend at a time");
        for (TargetRole t : TargetRole.values()) {
            assertEquals(List.of(), wanted(t), t.toString());
        }
        table.answered(P.key(), PRIMARY, 10);
        assertEquals(List.of(P.key()), wanted(TargetRole.PRIMARY));
        assertEquals(List.of(), wanted(TargetRole.REPLICA));
    }

    @Test
    void eachBackendIsProbedAgainOneIntervalAfterItsLastProbeEnded() {
        cluster(P, PRIMARY);
        assertEquals(INTERVAL, table.nextDelayNanos(10));
        assertEquals(List.of(), table.startDue(10 + INTERVAL - 1));
        assertEquals(List.of(P), table.startDue(10 + INTERVAL));
        table.failed(P.key(), "connection refused", 10 + INTERVAL + 300);
        assertEquals(INTERVAL, table.nextDelayNanos(10 + INTERVAL + 300), "a failed probe waits one interval too");
    }

    @Test
    void aBackendWhoseProbeFailsKeepsItsLastKnownRole() {
        cluster(P, PRIMARY, R1, REPLICA);
        table.startDue(2000);
        assertTrue(table.failed(R1.key(), "timeout", 2010), "the first failure is news");
        assertTrue(table.failed(P.key(), "refused", 2010));
        assertEquals(List.of(P.key()), wanted(TargetRole.PRIMARY), "invariant 6: a failure never removes");
        assertEquals(List.of(R1.key()), wanted(TargetRole.REPLICA));
        table.startDue(4000);
        assertFalse(table.failed(R1.key(), "timeout", 4010), "still down: not news again");
        table.answered(R1.key(), REPLICA, 6010);
        table.startDue(8000);
        assertTrue(table.failed(R1.key(), "timeout", 8010), "down again after answering: news");
    }

    @Test
    void aPromotedReplicaMovesFromTheReplicasToThePrimaryAndSupersedesTheSilentOldPrimary() {
        cluster(P, PRIMARY, R1, REPLICA);
        assertEquals(List.of(P.key()), wanted(TargetRole.PRIMARY));
        assertEquals(List.of(R1.key()), wanted(TargetRole.REPLICA));

        table.startDue(2000);
        table.failed(P.key(), "the database system is shutting down", 2005); // the old primary goes
        assertEquals(List.of(P.key()), wanted(TargetRole.PRIMARY), "down, but still the last known primary");
        table.answered(R1.key(), PRIMARY, 2010); // promoted: pg_is_in_recovery() = false

        assertEquals(List.of(R1.key()), wanted(TargetRole.PRIMARY), "the answering primary wins");
        assertNull(table.role(P.key()), "the silent old primary's role is unknown until it answers");
        assertEquals(List.of(), wanted(TargetRole.REPLICA));
        assertEquals(List.of(R1.key()), wanted(TargetRole.PREFER_REPLICA), "no replica left: the new primary");

        table.startDue(4000);
        table.answered(P.key(), REPLICA, 4005); // the old primary came back as a standby of the new one
        assertEquals(List.of(R1.key()), wanted(TargetRole.PRIMARY));
        assertEquals(List.of(P.key()), wanted(TargetRole.REPLICA));
        assertEquals(List.of(P.key()), wanted(TargetRole.PREFER_REPLICA), "a replica answers: the primary leaves");
    }

    @Test
    void aPrimaryThatStopsAnsweringAfterAnotherAnswersAsPrimaryIsSupersededToo() {
        cluster(P, PRIMARY, R1, REPLICA);
        table.startDue(2000);
        table.answered(R1.key(), PRIMARY, 2005); // promoted while the old primary still answered
        assertEquals(List.of(P.key(), R1.key()), wanted(TargetRole.PRIMARY), "two answer: both are shown");
        table.failed(P.key(), "refused", 2010);
        assertEquals(List.of(R1.key()), wanted(TargetRole.PRIMARY));
    }

    @Test
    void aLonePrimaryThatStopsAnsweringStaysThePrimary() {
        cluster(P, PRIMARY, R1, REPLICA);
        table.startDue(2000);
        table.failed(P.key(), "refused", 2005);
        table.failed(R1.key(), "refused", 2005);
        assertEquals(List.of(P.key()), wanted(TargetRole.PRIMARY));
        assertEquals(PRIMARY, table.role(P.key()));
    }

    @Test
    void preferReplicaWantsTheReplicasAnsweringOrNotAndThePrimaryOnlyWhileNoReplicaAnswers() {
        cluster(P, PRIMARY, R1, REPLICA, R2, REPLICA);
        assertEquals(List.of(R1.key(), R2.key()), wanted(TargetRole.PREFER_REPLICA));
        table.startDue(2000);
        table.failed(R1.key(), "refused", 2005);
        assertEquals(List.of(R1.key(), R2.key()), wanted(TargetRole.PREFER_REPLICA), "R2 still answers");
        table.failed(R2.key(), "refused", 2005);
        assertEquals(List.of(P.key(), R1.key(), R2.key()), wanted(TargetRole.PREFER_REPLICA),
                "no replica answers: the primary joins, and the silent replicas stay (a failure never removes)");
        table.answered(P.key(), PRIMARY, 2010);
        table.startDue(4000);
        table.answered(R2.key(), REPLICA, 4005);
        assertEquals(List.of(R1.key(), R2.key()), wanted(TargetRole.PREFER_REPLICA));
    }

    @Test
    void preferReplicaDoesNotFallBackToThePrimaryWhileABackendAwaitsItsFirstAnswer() {
        table.add(P, 0);
        table.add(R1, 0);
        table.startDue(0);
        table.answered(P.key(), PRIMARY, 3); // the primary happens to answer first
        assertEquals(List.of(), wanted(TargetRole.PREFER_REPLICA), "R1 may be a replica: wait for it");
        table.answered(R1.key(), REPLICA, 5);
        assertEquals(List.of(R1.key()), wanted(TargetRole.PREFER_REPLICA));
    }

    @Test
    void preferReplicaKeepsItsFallbackWhileANewBackendAwaitsItsFirstAnswer() {
        cluster(P, PRIMARY);
        assertEquals(List.of(P.key()), wanted(TargetRole.PREFER_REPLICA), "no replica at all: the primary");
        table.add(R1, 100);
        assertEquals(List.of(P.key()), wanted(TargetRole.PREFER_REPLICA), "no churn while R1 is being probed");
        table.startDue(100);
        table.answered(R1.key(), REPLICA, 110);
        assertEquals(List.of(R1.key()), wanted(TargetRole.PREFER_REPLICA));
    }

    @Test
    void aRoleReadAtBindUpdatesTheTableWithoutTouchingTheProbeSchedule() {
        cluster(P, PRIMARY, R1, REPLICA);
        table.startDue(2000); // both probing
        assertTrue(table.observed(R1.key(), PRIMARY));
        assertEquals(List.of(P.key(), R1.key()), wanted(TargetRole.PRIMARY));
        assertFalse(table.observed(R1.key(), PRIMARY), "nothing new");
        assertEquals(List.of(), table.startDue(2001), "the running probes still run; none is started twice");
        assertFalse(table.observed("10.9.9.9:5432", PRIMARY), "not in the table: ignored");
    }

    @Test
    void aRemovedBackendLeavesEverySetAndItsLateProbeIsIgnored() {
        cluster(P, PRIMARY, R1, REPLICA);
        table.startDue(2000);
        table.remove(R1.key());
        assertFalse(table.answered(R1.key(), REPLICA, 2005));
        assertEquals(List.of(), wanted(TargetRole.REPLICA));
        assertEquals(List.of(P.key()), wanted(TargetRole.PREFER_REPLICA));
    }

    @Test
    void aBackendReportedAgainWithAnotherWeightKeepsItsRoleAndCarriesTheNewWeight() {
        cluster(R1, REPLICA);
        assertFalse(table.add(R1.withWeight(5), 100));
        assertEquals(List.of(R1.withWeight(5)), table.wanted(TargetRole.REPLICA));
        assertEquals(INTERVAL - 90, table.nextDelayNanos(100), "no extra probe for a weight change");
    }
}
