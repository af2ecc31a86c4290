package io.cueball.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
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
        assertEquals(0x4935b39a61b89703L, Preference.keyHash("db1.internal:5432"));
        assertEquals(0x48218226ff3cd4bfL, Preference.keyHash(""));
        assertArrayEquals(new long[] {0, 3, 5, 4, 1, 2, 7, 6}, Preference.subsetRanks(keys(8), 0, 1));
        assertArrayEquals(new long[] {4, 7, 1, 0, 5, 6, 3, 2}, Preference.subsetRanks(keys(8), 1, 2));
    }

    /** The hash as its javadoc defines it, over the bytes String.getBytes gives: the oracle for the encoder. */
    private static long keyHashOfBytes(String key) {
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        long h = 0x9e3779b97f4a7c15L;
        int i = 0;
        for (; i + 8 <= bytes.length; i += 8) {
            h = Preference.mix64(h ^ ByteBuffer.wrap(bytes, i, 8).order(ByteOrder.LITTLE_ENDIAN).getLong());
        }
        long tail = 0;
        for (int k = bytes.length - 1; k >= i; k--) {
            tail = tail << 8 | (bytes[k] & 0xff);
        }
        return Preference.mix64(Preference.mix64(h ^ tail) ^ bytes.length);
    }

    @Test
    void keyHashReadsTheUtf8BytesSoEveryJvmAgrees() {
        Random random = new Random(10);
        // ASCII, two-, three- and four-byte characters, and unpaired surrogates (which UTF-8 encodes as '?').
        char[] alphabet = {'a', '.', ':', '9', '\u00e9', '\u07ff', '\u0800', '\u20ac', '\uffff', '\ud83d', '\ude00',
            '\ud800', '\udfff'};
        for (int round = 0; round < 20_000; round++) {
            StringBuilder key = new StringBuilder();
            for (int len = random.nextInt(30); len > 0; len--) {
                key.append(alphabet[random.nextInt(alphabet.length)]);
            }
            assertEquals(keyHashOfBytes(key.toString()), Preference.keyHash(key.toString()), key.toString());
        }
        assertEquals(keyHashOfBytes("\ud83d\ude00"), Preference.keyHash("\ud83d\ude00"), "a surrogate pair");
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
