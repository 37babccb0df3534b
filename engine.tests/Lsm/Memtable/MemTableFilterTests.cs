using System.Text;
using AimLsm.Kv.Keys;
using AimLsm.Kv.Memtable;
using AimLsm.Kv.Sst;

namespace AimLsm.Tests.Lsm.Memtable;

public class MemTableFilterTests
{
    // The filter points into its arena's pinned chunk without referring to the arena (in the engine the memtable
    // holds both): a test that let the arena go had its chunk collected and reused under it (a flaky failure of
    // A_key_that_was_added_always_passes_the_filter when another test's allocations ran a GC in between).
    private readonly List<Arena> _arenas = [];

    private MemTableFilter NewFilter(long writeBufferSize)
    {
        int chunk = MemTable.ChunkSizeFor(writeBufferSize);
        var arena = new Arena(chunk);
        _arenas.Add(arena);
        return new MemTableFilter(arena, writeBufferSize, chunk);
    }

    private static byte[] Key(int i) => System.Text.Encoding.ASCII.GetBytes($"key{i:D12}");

    [Fact]
    public void A_key_that_was_added_always_passes_the_filter()
    {
        var filter = NewFilter(1 << 20);
        for (int i = 0; i < 20_000; i++)
        {
            filter.Add(MemTable.KeyHash(Key(i)));
        }
        for (int i = 0; i < 20_000; i++)
        {
            Assert.True(filter.MayContain(MemTable.KeyHash(Key(i))), $"key {i} was added but the filter rules it out");
        }
    }

    [Fact]
    public void Keys_never_added_are_mostly_ruled_out()
    {
        // 1 MiB of write buffer gives 4,096 words (a quarter of its 128 KiB arena chunk); 4,000 keys of the 116-byte entries of db_bench would fill it.
        var filter = NewFilter(1 << 20);
        for (int i = 0; i < 4_000; i++)
        {
            filter.Add(MemTable.KeyHash(Key(i)));
        }
        int passed = 0;
        for (int i = 1_000_000; i < 1_100_000; i++)
        {
            passed += filter.MayContain(MemTable.KeyHash(Key(i))) ? 1 : 0;
        }
        Assert.True(passed < 1_000, $"{passed} of 100,000 absent keys passed the filter (expected well under 1%)");
    }

    [Fact]
    public void The_memtable_hash_is_the_table_bloom_filter_hash()
    {
        // Db.GetFrom hashes a key once for the memtables and every table: the two must agree.
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(BloomFilter.KeyHash(Key(i)), MemTable.KeyHash(Key(i)));
        }
        Assert.Equal(BloomFilter.KeyHash([]), MemTable.KeyHash([]));
    }

    [Fact]
    public void A_memtable_finds_every_key_it_holds_and_none_it_does_not()
    {
        var mem = new MemTable(logNumber: 1, writeBufferSize: 64 << 10);
        for (int i = 0; i < 2_000; i += 2)
        {
            mem.Add((ulong)i + 1, i % 4 == 0 ? EntryType.Value : EntryType.Deletion, Key(i), System.Text.Encoding.ASCII.GetBytes($"v{i}"));
        }
        for (int i = 0; i < 2_000; i++)
        {
            bool found = mem.Get(Key(i), InternalKey.MaxSequence, out EntryType type, out ulong seq, out ReadOnlySpan<byte> value);
            Assert.Equal(i % 2 == 0, found);
            if (found)
            {
                Assert.Equal((ulong)i + 1, seq);
                Assert.Equal(i % 4 == 0 ? EntryType.Value : EntryType.Deletion, type);
                if (type == EntryType.Value)
                {
                    Assert.Equal($"v{i}", System.Text.Encoding.ASCII.GetString(value));
                }
            }
        }
    }
}
