package io.cueball.internal;

import java.util.Arrays;
import java.util.List;

/**
 * Which backends a pool prefers when it has fewer connections than backends: the {@linkplain
 * RebalancePlan.Candidate#rank() ranks} the rebalance plan breaks its ties with. Without them every pool of a fleet
 * would pick the same backends, the first by key: 50 pools of 10 connections over 100 backends left 90 backends
 * with no connection. Pure functions, so a fleet can be simulated without a pool.
 *
 * <p>Two ways to rank, as the builder's {@code subsetting} option chooses:
 * <ul>
 *   <li>{@link #rank(long, String)}, the default: a per-pool shuffled order, drawn from the pool's seed by
 *       rendezvous (highest random weight) hashing, as gRPC's random subsetting does (gRFC A68; node-cueball
 *       shuffles its backends per process for the same reason). Each pool takes a random subset, so over a fleet
 *       each backend's connections follow a binomial law around the mean: no exact balance, but no coordination
 *       either (500 pools of 10 over 100 backends: the busiest backend has about 1.36 times the mean, more than
 *       1.6 times in about one fleet in 900). A backend's rank depends on the seed and its own key only, so adding
 *       or removing one backend changes no other's rank: only connections to the added backend, or of the
 *       removed one, move.</li>
 *   <li>{@link #subsetRanks(List, int, int)}: deterministic subsetting from an instance id and count. The
 *       backends go round a ring in a fleet-wide fixed order; instance {@code id} starts at {@code id/count} of
 *       the way round and prefers the backends after its start in ring order. So the pools' windows are spread
 *       evenly round the ring, and every backend gets the fleet's mean number of connections within one. The
 *       idea is Google's deterministic subsetting (the SRE book, "Load Balancing in the Datacenter"), which
 *       balances exactly but moves many connections when the backends change (Ward, Wankadia and Guliani,
 *       "Reinventing Backend Subsetting at Google", ACM Queue, 2022); the start at a fixed coordinate of the
 *       ring rather than a fixed index is Finagle's deterministic aperture, and it is what keeps a change of
 *       backends local (see {@link #subsetRanks}).</li>
 * </ul>
 *
 * <p>Thread-safe: no state.
 */
public final class Preference {
    /** 2^64 divided by the golden ratio: an odd constant whose multiples spread well. */
    private static final long GOLDEN = 0x9e3779b97f4a7c15L;
    /**
     * The seed of subsetting's ring order. It must be the same in every instance of a fleet, and so in every
     * version of cueball that may share one: never change it.
     */
    private static final long RING_SEED = 0x63756562616c6c31L; // "cueball1"

    private Preference() {
    }

    /**
     * A pool's preference for a backend: its rendezvous hash. The pool prefers its backends in ascending rank,
     * a random order of its own (a different seed gives an independent order) that no other backend's presence
     * changes.
     *
     * @param seed the pool's seed, drawn from its random source
     * @param key  the backend's key
     * @return the rank, any {@code long}, lower preferred (compared signed); distinct keys of one pool collide
     *         only when their {@link #keyHash}es do
     * @throws NullPointerException if the key is null
     */
    public static long rank(long seed, String key) {
        // mix64 is a bijection, so for one seed, distinct key hashes give distinct ranks.
        return mix64(keyHash(key) ^ mix64(seed + GOLDEN));
    }

    /**
     * Ranks for deterministic subsetting: instance {@code instanceId} of {@code instanceCount}, all with the same
     * backends, prefers the backends in ring order from its start, so that across the fleet every backend gets
     * {@code floor} or {@code ceil} of {@code instanceCount * maxConnections / keys.size()} connections (each
     * pool's plan gives its connections to its lowest ranks, by the largest remainder: with more backends than
     * connections, to its {@code maxConnections} first; with fewer, as many each and the remainder to the
     * first).
     *
     * <p>The ring: the backends sorted by a fixed hash of their key (the same order in every instance), at
     * positions {@code 0 .. B-1}. Instance {@code id} starts at position {@code floor(id * B / count)} and ranks
     * each backend by its distance from there, going round: {@code (position - start) mod B}. The starts are
     * spread as evenly as integers allow, so a window of {@code m} consecutive positions holds the start of
     * {@code floor} or {@code ceil} of {@code m * count / B} instances, which is the balance above.
     *
     * <p>What a change of backends moves: adding or removing one backend shifts the positions after it by one
     * and each start by less than one position, so each instance's window shifts by at most one backend. A pool
     * then opens at most one connection beyond those the added backend gets or the removed one had: with more
     * backends than connections, at most 2 in all, and in most pools 0 or 1 (FleetSpreadTest, which checks the
     * bound; 100 000 random fleets of up to 300 instances, 40 connections and 200 backends never exceeded it).
     * Laying the fleet's connections end to end from position 0 instead (instance {@code id} starting at
     * {@code id * maxConnections mod B}) balances as well but moves each window by one position for every time
     * it has wrapped round the ring: 9 of a pool's 10 connections on average for 500 pools of 10 over 100
     * backends.
     *
     * <p>The ring is laid over the backends given, dead ones included: which backends are dead is each pool's
     * own judgement, so it must not move the fleet's positions (the plan gives a dead backend's connection to the
     * next rank). Weights are not part of the ring; with unequal weights the ranks only break the plan's ties.
     *
     * @param keys          the backends' keys, distinct, in any order (the result does not depend on it)
     * @param instanceId    this instance, {@code 0 <= instanceId < instanceCount}
     * @param instanceCount how many instances share these backends, {@code >= 1}
     * @return each key's rank, at the same index: {@code 0 .. keys.size()-1}, each once
     * @throws IllegalArgumentException naming the value when the id or the count is out of range
     * @throws NullPointerException     if the list or a key is null
     */
    public static long[] subsetRanks(List<String> keys, int instanceId, int instanceCount) {
        if (instanceCount < 1) {
            throw new IllegalArgumentException("subsetting instanceCount: " + instanceCount + " (expected: >= 1)");
        }
        if (instanceId < 0 || instanceId >= instanceCount) {
            throw new IllegalArgumentException("subsetting instanceId: " + instanceId + " (expected: 0.."
                    + (instanceCount - 1) + ")");
        }
        int n = keys.size();
        long[] ranks = new long[n];
        if (n == 0) {
            return ranks;
        }
        long[] hashes = new long[n];
        for (int i = 0; i < n; i++) {
            hashes[i] = rank(RING_SEED, keys.get(i));
        }
        // Positions by sorting primitives and searching (no boxing: this runs under the pool lock); the rare
        // equal hashes are ordered by key, so that every instance places them alike.
        long[] sorted = hashes.clone();
        Arrays.sort(sorted);
        long start = (long) instanceId * n / instanceCount;
        for (int i = 0; i < n; i++) {
            int position = lowerBound(sorted, hashes[i]);
            if (position + 1 < n && sorted[position + 1] == hashes[i]) {
                for (int j = 0; j < n; j++) {
                    if (j != i && hashes[j] == hashes[i] && keys.get(j).compareTo(keys.get(i)) < 0) {
                        position++;
                    }
                }
            }
            ranks[i] = Math.floorMod(position - start, (long) n);
        }
        return ranks;
    }

    /**
     * A 64-bit hash of a key's UTF-8 bytes, the same in every JVM: the bytes, as {@link String#getBytes}
     * encodes them in UTF-8 (an unpaired surrogate as {@code '?'}), are read as little-endian 64-bit words, each
     * folded into the state with {@link #mix64}, and the byte length last. Two keys of one length that differ
     * in one word never collide (each step is a bijection). The bytes are encoded on the fly: a re-plan ranks
     * every backend under the pool lock, and this allocates nothing.
     *
     * @param key the key
     * @return its hash
     * @throws NullPointerException if the key is null
     */
    public static long keyHash(String key) {
        long h = GOLDEN;
        long word = 0;
        int filled = 0;
        long length = 0;
        int n = key.length();
        for (int i = 0; i < n; i++) {
            char c = key.charAt(i);
            int bytes; // the character's UTF-8 bytes, first in the low byte
            int count;
            if (c < 0x80) {
                bytes = c;
                count = 1;
            } else if (c < 0x800) {
                bytes = (0xc0 | c >> 6) | (0x80 | c & 0x3f) << 8;
                count = 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(key.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, key.charAt(++i));
                bytes = (0xf0 | cp >> 18) | (0x80 | cp >> 12 & 0x3f) << 8 | (0x80 | cp >> 6 & 0x3f) << 16
                        | (0x80 | cp & 0x3f) << 24;
                count = 4;
            } else if (Character.isSurrogate(c)) {
                bytes = '?';
                count = 1;
            } else {
                bytes = (0xe0 | c >> 12) | (0x80 | c >> 6 & 0x3f) << 8 | (0x80 | c & 0x3f) << 16;
                count = 3;
            }
            length += count;
            for (int k = 0; k < count; k++, bytes >>>= 8) {
                word |= (bytes & 0xffL) << (8 * filled);
                if (++filled == 8) {
                    h = mix64(h ^ word);
                    word = 0;
                    filled = 0;
                }
            }
        }
        return mix64(mix64(h ^ word) ^ length);
    }

    /**
     * SplitMix64's finalizer (Steele, Lea and Flood, "Fast Splittable Pseudorandom Number Generators", OOPSLA
     * 2014; Stafford's "Mix13" constants): a bijection on 64-bit values in which every input bit flips each
     * output bit with probability close to 1/2.
     */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** The first index of {@code sorted} holding a value {@code >= v}. */
    private static int lowerBound(long[] sorted, long v) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < v) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
