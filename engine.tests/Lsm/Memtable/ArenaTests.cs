using AimLsm.Kv.Memtable;

namespace AimLsm.Tests.Lsm.Memtable;

public unsafe class ArenaTests
{
    [Fact]
    public void Empty()
    {
        var arena = new Arena(4096);
        Assert.Equal(0, arena.MemoryUsage);
        Assert.Equal(0, arena.BytesUsed);
    }

    [Fact]
    public void Allocate_is_aligned_and_counted()
    {
        var arena = new Arena(4096);
        byte* a = arena.Allocate(3);
        byte* b = arena.Allocate(9);
        Assert.Equal(0, (long)a % 8);
        Assert.Equal(0, (long)b % 8);
        Assert.Equal(8, b - a);
        Assert.Equal(8 + 16, arena.BytesUsed);
        Assert.Equal(4096, arena.MemoryUsage);
        // Contents are undefined: pooled chunks are reused without clearing (the skip list writes what it reads).
    }

    [Fact]
    public void Large_allocation_that_does_not_fit_gets_own_chunk_and_current_chunk_keeps_serving()
    {
        var arena = new Arena(4096);
        byte* small1 = arena.Allocate(8);
        arena.Allocate(4000);                 // 88 bytes left in the chunk
        byte* big = arena.Allocate(2000);     // does not fit, and is more than a quarter chunk
        byte* small2 = arena.Allocate(8);     // still served by the first chunk
        Assert.Equal(4008, small2 - small1);
        Assert.True(big < small1 || big >= small1 + 4096);
        Assert.Equal(4096 + 2000, arena.MemoryUsage);
    }

    [Fact]
    public void Small_allocation_that_does_not_fit_starts_new_chunk()
    {
        var arena = new Arena(4096);
        arena.Allocate(4090);
        arena.Allocate(16);
        Assert.Equal(2 * 4096, arena.MemoryUsage);
        Assert.Equal(4096 + 16, arena.BytesUsed);
    }

    [Fact]
    public void Simple_random_allocations_do_not_overlap_and_keep_contents()
    {
        // LevelDB arena_test Simple: fill each allocation with a pattern and check them all at the end.
        const int seed = 301;
        var rng = new Random(seed);
        var arena = new Arena(4096);
        var allocated = new List<(nint Ptr, int Size)>();
        long bytes = 0;
        for (int i = 0; i < 20_000; i++)
        {
            int s = i % (20_000 / 10) == 0 ? i : rng.Next(4000) == 0 ? rng.Next(6000) : rng.Next(10) == 0 ? rng.Next(100) : rng.Next(20);
            if (s == 0)
            {
                s = 1;
            }
            byte* r = arena.Allocate(s);
            for (int b = 0; b < s; b++)
            {
                r[b] = (byte)(i % 256);
            }
            bytes += s;
            allocated.Add(((nint)r, s));
            Assert.True(arena.MemoryUsage >= bytes, $"seed {seed}");
            Assert.True(arena.BytesUsed >= bytes, $"seed {seed}");
        }
        for (int i = 0; i < allocated.Count; i++)
        {
            (nint p, int size) = allocated[i];
            for (int b = 0; b < size; b++)
            {
                Assert.True(((byte*)p)[b] == (byte)(i % 256), $"seed {seed}, allocation {i}, byte {b}");
            }
        }
    }
}
