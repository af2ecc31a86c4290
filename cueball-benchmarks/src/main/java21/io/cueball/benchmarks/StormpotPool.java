package io.cueball.benchmarks;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import stormpot.Allocator;
import stormpot.BasePoolable;
import stormpot.Pool;
import stormpot.PoolTap;
import stormpot.Poolable;
import stormpot.Slot;
import stormpot.Timeout;

/**
 * Stormpot 4.1 as its usage guide shows it: {@code Pool.from(allocator).setSize(n).build()}, claim with a
 * {@link Timeout} kept in a constant, {@link Poolable#release()} to give back; every other setting its default
 * (background allocation, its default expiration). Platform threads claim through the pool itself, whose
 * thread-local fast path claims a thread's last object back; virtual threads claim through
 * {@link Pool#getVirtualThreadSafeTap()}, as the {@code Pool} javadoc asks.
 *
 * <p>Compiled only on JDK 21+ (Stormpot's classes are Java 21) and created by name from {@link PoolUnderTest}.
 */
final class StormpotPool implements PoolUnderTest {
    private static final Timeout TIMEOUT = new Timeout(CLAIM_TIMEOUT);

    /** An object that does nothing but go back to its slot. */
    static final class StubPoolable extends BasePoolable {
        StubPoolable(Slot slot) {
            super(slot);
        }
    }

    private final Pool<StubPoolable> pool;
    private final PoolTap<StubPoolable> tap;

    StormpotPool(int size, boolean virtualThreadTap) {
        Allocator<StubPoolable> allocator = new Allocator<>() {
            @Override
            public StubPoolable allocate(Slot slot) {
                return new StubPoolable(slot);
            }

            @Override
            public void deallocate(StubPoolable poolable) {
            }
        };
        pool = Pool.from(allocator).setSize(size).build();
        tap = virtualThreadTap ? pool.getVirtualThreadSafeTap() : pool;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pool.getManagedPool().getAllocationCount() < size) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("stormpot did not fill: "
                        + pool.getManagedPool().getAllocationCount() + " of " + size);
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    @Override
    public Object claim() throws InterruptedException {
        return tap.claim(TIMEOUT);
    }

    @Override
    public void release(Object claimed) {
        ((Poolable) claimed).release();
    }

    @Override
    public void close() {
        try {
            pool.shutdown().await(new Timeout(10, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
