using System.Buffers;
using AimLsm.Kv.Cache;

namespace AimLsm.Tests.Lsm.Cache;

/// <summary>The sharded LRU block cache on its own: hits, capacity, reference counts, erasure.</summary>
public class BlockCacheTests
{
    private static byte[] Block(int length, byte fill)
    {
        byte[] b = ArrayPool<byte>.Shared.Rent(length);
        b.AsSpan(0, length).Fill(fill);
        return b;
    }

    [Fact]
    public void Miss_then_insert_then_hit()
    {
        var cache = new BlockCache(1 << 20);
        Assert.False(cache.TryGet(7, 0, out BlockHandleRef none));
        Assert.False(none.IsValid);
        BlockHandleRef inserted = cache.Insert(7, 0, Block(100, 0xAB), 100);
        inserted.Release();
        Assert.True(cache.TryGet(7, 0, out BlockHandleRef hit));
        Assert.Equal(100, hit.Length);
        Assert.True(hit.Span.ToArray().All(b => b == 0xAB));
        hit.Release();
        Assert.False(cache.TryGet(7, 4096, out _));
        Assert.False(cache.TryGet(8, 0, out _));
        Assert.Equal(1, cache.Hits);
        Assert.Equal(3, cache.Misses);
        Assert.Equal(100, cache.Usage);
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void Eviction_respects_capacity_least_recently_used_first()
    {
        var cache = new BlockCache(10_000, shardBits: 0);
        for (int i = 0; i < 10; i++)
        {
            cache.Insert(1, (ulong)i, Block(1000, (byte)i), 1000).Release();
        }
        Assert.Equal(10_000, cache.Usage);
        // Touch block 0 so that block 1 is now the least recently used.
        Assert.True(cache.TryGet(1, 0, out BlockHandleRef h0));
        h0.Release();
        cache.Insert(1, 100, Block(1000, 0xEE), 1000).Release();
        Assert.Equal(10_000, cache.Usage);
        Assert.True(cache.TryGet(1, 0, out h0));
        h0.Release();
        Assert.False(cache.TryGet(1, 1, out _));

        // Many more blocks, of varied sizes: usage never exceeds the capacity.
        var rng = new Random(1);
        for (int i = 0; i < 1000; i++)
        {
            int len = rng.Next(1, 3000);
            cache.Insert(2, (ulong)i, Block(len, 1), len).Release();
            Assert.InRange(cache.Usage, 0, 10_000);
        }
    }

    [Fact]
    public void Sharded_cache_usage_stays_within_capacity()
    {
        var cache = new BlockCache(16L << 20);
        Assert.Equal(16, cache.ShardCount);
        for (int i = 0; i < 10_000; i++)
        {
            cache.Insert((ulong)(i % 7), (ulong)i * 4096, Block(4096, 1), 4096).Release();
        }
        Assert.InRange(cache.Usage, (16L << 20) * 3 / 4, 16L << 20);
        Assert.Equal(1, new BlockCache(1 << 20).ShardCount >> 1); // 1 MiB: 2 shards of 512 KiB
        Assert.Equal(1, new BlockCache(1000).ShardCount);
    }

    [Fact]
    public void Evicted_block_still_referenced_stays_valid_until_released()
    {
        var cache = new BlockCache(4096, shardBits: 0);
        BlockHandleRef held = cache.Insert(1, 0, Block(1000, 0x5A), 1000);
        byte[] array = held.Array;

        // Evict it: fill the cache with other blocks, then erase the file for good measure.
        for (int i = 1; i <= 10; i++)
        {
            cache.Insert(1, (ulong)i, Block(1000, 0x11), 1000).Release();
        }
        cache.EraseFile(1);
        Assert.False(cache.TryGet(1, 0, out _));
        Assert.Equal(0, cache.Usage);

        // The buffer has not gone back to the pool: renting every buffer of that size does not hand it out.
        var rented = new List<byte[]>();
        for (int i = 0; i < 200; i++)
        {
            byte[] r = ArrayPool<byte>.Shared.Rent(1000);
            Assert.NotSame(array, r);
            r.AsSpan().Fill(0xEE);
            rented.Add(r);
        }
        Assert.True(held.Span.ToArray().All(b => b == 0x5A));
        Assert.Same(array, held.Array);
        foreach (byte[] r in rented)
        {
            ArrayPool<byte>.Shared.Return(r);
        }
        held.Release();
        Assert.Throws<InvalidOperationException>(() => held.Array); // released: the buffer is the pool's again
    }

    [Fact]
    public void Insert_of_a_cached_block_returns_the_cached_copy()
    {
        var cache = new BlockCache(1 << 20);
        BlockHandleRef first = cache.Insert(3, 64, Block(10, 1), 10);
        BlockHandleRef second = cache.Insert(3, 64, Block(10, 2), 10);
        Assert.Same(first.Array, second.Array);
        Assert.Equal(1, second.Span[0]);
        first.Release();
        second.Release();
        Assert.Equal(10, cache.Usage);
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void Block_larger_than_capacity_is_usable_but_not_kept()
    {
        var cache = new BlockCache(100, shardBits: 0);
        BlockHandleRef big = cache.Insert(1, 0, Block(1000, 9), 1000);
        Assert.Equal(1000, big.Length);
        Assert.Equal(0, cache.Usage);
        Assert.False(cache.TryGet(1, 0, out _));
        big.Release();

        var disabled = new BlockCache(0);
        disabled.Insert(1, 0, Block(10, 9), 10).Release();
        Assert.Equal(0, disabled.Count);
    }

    [Fact]
    public void Erase_file_drops_only_that_file()
    {
        var cache = new BlockCache(1 << 20);
        for (int i = 0; i < 50; i++)
        {
            cache.Insert(1, (ulong)i, Block(100, 1), 100).Release();
            cache.Insert(2, (ulong)i, Block(100, 2), 100).Release();
        }
        cache.EraseFile(1);
        Assert.Equal(50, cache.Count);
        Assert.Equal(5000, cache.Usage);
        for (int i = 0; i < 50; i++)
        {
            Assert.False(cache.TryGet(1, (ulong)i, out _));
            Assert.True(cache.TryGet(2, (ulong)i, out BlockHandleRef h));
            h.Release();
        }
        cache.Clear();
        Assert.Equal(0, cache.Count);
        Assert.Equal(0, cache.Usage);
    }

    [Fact]
    public void Double_release_is_detected()
    {
        var cache = new BlockCache(1 << 20);
        BlockHandleRef h = cache.Insert(1, 0, Block(10, 1), 10);
        h.Release();
        cache.Clear(); // the cache's own reference: the count is now 0
        Assert.Throws<InvalidOperationException>(() => h.Release());
    }

    [Fact]
    public void Lookup_allocates_nothing()
    {
        var cache = new BlockCache(1 << 20);
        cache.Insert(1, 0, Block(100, 1), 100).Release();
        for (int i = 0; i < 10; i++)
        {
            Lookup(cache);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            Lookup(cache);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        static void Lookup(BlockCache cache)
        {
            if (cache.TryGet(1, 0, out BlockHandleRef h))
            {
                h.Release();
            }
            cache.TryGet(1, 4096, out _);
        }
    }

    [Fact]
    public void Concurrent_insert_lookup_evict_keeps_contents_and_counts()
    {
        var cache = new BlockCache(64 * 1024, shardBits: 2);
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        Parallel.For(0, 8, t =>
        {
            var rng = new Random(t);
            for (int i = 0; i < 20_000; i++)
            {
                ulong offset = (ulong)rng.Next(200);
                byte expected = (byte)(offset * 31);
                if (!cache.TryGet(9, offset, out BlockHandleRef h))
                {
                    h = cache.Insert(9, offset, Block(1000, expected), 1000);
                }
                ReadOnlySpan<byte> s = h.Span;
                if (s.Length != 1000 || s[0] != expected || s[999] != expected)
                {
                    errors.Enqueue($"block {offset}: wrong contents");
                }
                h.Release();
                if (i % 1000 == 0)
                {
                    cache.EraseFile(9);
                }
            }
        });
        Assert.Empty(errors);
        Assert.InRange(cache.Usage, 0, 64 * 1024);
    }
}
