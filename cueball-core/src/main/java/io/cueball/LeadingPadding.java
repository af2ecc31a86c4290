package io.cueball;

/**
 * Leading padding for an object whose fields are written on the claim path (a {@link Slot}, a thread's
 * affinity record, a cell of the {@link IdleRing}): a superclass's fields come first in an object, so these
 * 64 bytes keep those fields off the cache line of whatever object the allocator, or a garbage collector
 * copying survivors side by side, puts just before it. Two such objects written by different threads must not
 * share a line: each write would move it between cores.
 */
@SuppressWarnings("unused")
abstract class LeadingPadding {
    private long p01, p02, p03, p04, p05, p06, p07, p08;
}
