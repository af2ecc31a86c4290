package io.cueball;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The idle queue: a bounded multi-producer, multi-consumer FIFO over an array (Vyukov's design), so that a
 * claim and a release can pass a connection through it without the pool lock and without allocating.
 *
 * <p>Each cell carries a sequence number: {@code pos} when cell {@code pos & mask} is free for the producer at
 * {@code pos}, {@code pos + 1} once that producer has filled it, and {@code pos + capacity} once the consumer
 * at {@code pos} has emptied it for the next lap. Producers and consumers claim a position with a
 * compare-and-set on {@code tail} or {@code head}, and then own that cell alone.
 *
 * <p>{@link #offer} publishes with a volatile store: the engine relies on that store being ordered before its
 * next volatile read (see {@code PoolEngine}'s notes on WAITERS and RETIRE).
 *
 * <p>It is not lock-free in the strict sense, and the engine is built for that: a producer descheduled between
 * claiming a cell and filling it makes {@link #poll} report empty until it resumes, and a consumer descheduled
 * between taking an item and freeing its cell makes {@link #offer} refuse once the producers come round to
 * that cell, however empty the ring is. Neither loses an item; the engine treats "empty" as "look elsewhere"
 * and "refused" as "leave the connection idle outside the ring", where claims and the lock look too.
 */
final class IdleRing<T> {
    private static final VarHandle SEQ;
    private static final VarHandle HEAD;
    private static final VarHandle TAIL;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            SEQ = lookup.findVarHandle(Cell.class, "seq", long.class);
            HEAD = lookup.findVarHandle(IdleRing.class, "head", long.class);
            TAIL = lookup.findVarHandle(IdleRing.class, "tail", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * One cell: its sequence number and its item on one cache line, and off its neighbours' lines. With the
     * two in parallel arrays, a hand-over moved three lines between cores (head or tail, the sequence, the
     * item), and the producer at the tail and the consumer at the head wrote the same sequence line.
     */
    private static final class Cell extends LeadingPadding {
        @SuppressWarnings("unused") // through SEQ
        private volatile long seq;
        Object item;

        Cell(long seq) {
            this.seq = seq;
        }
    }

    private final int mask;
    private final Cell[] cells;

    // head and tail are written by different threads: keep them on separate cache lines.
    @SuppressWarnings("unused") private long p01, p02, p03, p04, p05, p06, p07;
    private volatile long head;
    @SuppressWarnings("unused") private long p11, p12, p13, p14, p15, p16, p17;
    private volatile long tail;
    @SuppressWarnings("unused") private long p21, p22, p23, p24, p25, p26, p27;

    /** A ring that holds at least {@code minCapacity} items (rounded up to a power of two). */
    IdleRing(int minCapacity) {
        int capacity = Integer.highestOneBit(Math.max(2, minCapacity) - 1) << 1;
        this.mask = capacity - 1;
        this.cells = new Cell[capacity];
        for (int i = 0; i < capacity; i++) {
            cells[i] = new Cell(i);
        }
    }

    int capacity() {
        return mask + 1;
    }

    /** Appends at the tail; false if the ring is full, or its next cell is still being emptied. */
    boolean offer(T item) {
        long pos = tail;
        for (;;) {
            Cell cell = cells[(int) pos & mask];
            long dif = (long) SEQ.getAcquire(cell) - pos;
            if (dif == 0) {
                if (TAIL.compareAndSet(this, pos, pos + 1)) {
                    cell.item = item;
                    SEQ.setVolatile(cell, pos + 1);
                    return true;
                }
                pos = tail;
            } else if (dif < 0) {
                return false; // the cell of the previous lap is still full
            } else {
                pos = tail; // another producer took this position
            }
        }
    }

    /** Removes the head; null if the ring is empty (or its next item is not published yet). */
    @SuppressWarnings("unchecked")
    T poll() {
        long pos = head;
        for (;;) {
            Cell cell = cells[(int) pos & mask];
            long dif = (long) SEQ.getAcquire(cell) - (pos + 1);
            if (dif == 0) {
                if (HEAD.compareAndSet(this, pos, pos + 1)) {
                    T item = (T) cell.item;
                    cell.item = null;
                    SEQ.setRelease(cell, pos + mask + 1);
                    return item;
                }
                pos = head;
            } else if (dif < 0) {
                return null;
            } else {
                pos = head;
            }
        }
    }

    /** The number of items, exact only when no offer or poll runs concurrently. */
    int size() {
        for (;;) {
            long h = head;
            long t = tail;
            if (h == head) {
                return (int) Math.max(0, Math.min(t - h, mask + 1));
            }
        }
    }

    boolean isEmpty() {
        return size() == 0;
    }
}
