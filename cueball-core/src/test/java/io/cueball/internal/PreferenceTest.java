package io.cueball.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PreferenceTest {

    private static List<String> keys(int n) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            keys.add("10.1." + (i / 256) + "." + (i % 256) + ":5432");
        }
        return keys;
    }

    /**
     * Subsetting's ring order must be the same in every instance of a fleet, so in every JVM and every version
     * that may share one: these values are pinned, and a change to the hash that moves them breaks fleets that
     * upgrade one instance at a time.
     */
    @Test
    void theRingOrderIsPinnedAcrossVersions() {
        assertEquals(0x6ac48e4a0936cd7fL, Preference.keyHash("db1.internal:5432"));
        assertEquals(0xe220a8397b1dcdafL, Preference.keyHash(""));
        assertArrayEquals(new long[] {5, 7, 2, 6, 1, 4, 0, 3}, Preference.subsetRanks(keys(8), 0, 1));
        assertArrayEquals(new long[] {1, 3, 6, 2, 5, 0, 4, 7}, Preference.subsetRanks(keys(8), 1, 2));
    }

    @Test
    void keyHashReadsUtf8SoEveryJvmAgrees() {
        assertEquals(Preference.keyHash("h\u00e9:1"), Preference.keyHash(new String("h\u00e9:1".getBytes(
                java.nio.charset.StandardCharsets.UTF_8), java.nio.charset.StandardCharsets.UTF_8)));
        assertNotEquals(Preference.keyHash("h\u00e9:1"), Preference.keyHash("he:1"));
        // Every length around the 8-byte word boundary, and keys that differ in one byte, hash apart.
        Set<Long> seen = new HashSet<>();
        for (int len = 0; len <= 24; len++) {
            for (char c = 'a'; c <= 'z'; c++) {
                assertTrue(seen.add(Preference.keyHash("x".repeat(len) + c)), "collision at length " + len);
            }
        }
    }

    @Test
    void aRankDependsOnTheSeedAndTheKeyOnly() {
        long seed = new Random(11).nextLong();
        assertEquals(Preference.rank(seed, "a:1"), Preference.rank(seed, "a:1"));
        assertNotEquals(Preference.rank(seed, "a:1"), Preference.rank(seed + 1, "a:1"));
        assertNotEquals(Preference.rank(seed, "a:1"), Preference.rank(seed, "b:1"));
    }

    /** Each backend is first in a pool's order for about 1/B of the seeds: the order is a fair shuffle. */
    @Test
    void seedsShuffleFairly() {
        List<String> keys = keys(10);
        int[] first = new int[keys.size()];
        Random random = new Random(12);
        int pools = 20_000;
        for (int p = 0; p < pools; p++) {
            long seed = random.nextLong();
            int best = 0;
            for (int i = 1; i < keys.size(); i++) {
                if (Preference.rank(seed, keys.get(i)) < Preference.rank(seed, keys.get(best))) {
                    best = i;
                }
            }
            first[best]++;
        }
        for (int f : first) {
            // 2 000 expected, standard deviation about 42: 5 of them either side.
            assertTrue(Math.abs(f - pools / keys.size()) < 210, "first-choice counts " + Arrays.toString(first));
        }
    }

    @Test
    void subsetRanksArePositionsOnTheRingFromTheInstancesStart() {
        List<String> keys = keys(100);
        long[] ring = Preference.subsetRanks(keys, 0, 10); // instance 0 starts at position 0: ranks are positions
        assertEquals(Set.of(), missing(ring, keys.size()), "a permutation of 0..B-1");
        for (int id = 0; id < 10; id++) {
            long[] ranks = Preference.subsetRanks(keys, id, 10);
            for (int i = 0; i < keys.size(); i++) {
                assertEquals(Math.floorMod(ring[i] - id * 10L, 100), ranks[i], "instance " + id + " starts at "
                        + id * 10);
            }
        }
        // Starts spread evenly when the fleet outnumbers the backends: floor(id * B / count).
        long[] ranks = Preference.subsetRanks(keys, 7, 30);
        for (int i = 0; i < keys.size(); i++) {
            assertEquals(Math.floorMod(ring[i] - 7 * 100 / 30, 100), ranks[i]);
        }
    }

    @Test
    void subsetRanksDoNotDependOnTheOrderTheKeysCameIn() {
        List<String> keys = keys(50);
        long[] ranks = Preference.subsetRanks(keys, 2, 7);
        List<String> shuffled = new ArrayList<>(keys);
        Collections.shuffle(shuffled, new Random(13));
        long[] again = Preference.subsetRanks(shuffled, 2, 7);
        for (int i = 0; i < keys.size(); i++) {
            assertEquals(ranks[i], again[shuffled.indexOf(keys.get(i))], keys.get(i));
        }
    }

    @Test
    void subsetRanksOfNoBackendsAreEmpty() {
        assertEquals(0, Preference.subsetRanks(List.of(), 0, 1).length);
    }

    @Test
    void badInstanceIdsAndCountsAreNamed() {
        List<String> keys = keys(3);
        assertEquals("subsetting instanceCount: 0 (expected: >= 1)",
                assertThrows(IllegalArgumentException.class, () -> Preference.subsetRanks(keys, 0, 0)).getMessage());
        assertEquals("subsetting instanceId: 4 (expected: 0..3)",
                assertThrows(IllegalArgumentException.class, () -> Preference.subsetRanks(keys, 4, 4)).getMessage());
        assertEquals("subsetting instanceId: -1 (expected: 0..3)",
                assertThrows(IllegalArgumentException.class, () -> Preference.subsetRanks(keys, -1, 4)).getMessage());
    }

    private static Set<Long> missing(long[] ranks, int n) {
        Set<Long> missing = new HashSet<>();
        for (long r = 0; r < n; r++) {
            missing.add(r);
        }
        for (long r : ranks) {
            missing.remove(r);
        }
        return missing;
    }
}
