using System.Text;
using AimLsm.Kv.Iteration;
using AimLsm.Kv.Keys;
using AimLsm.Kv.RangeDel;
using AimLsm.Kv.Sst;

namespace AimLsm.Tests.Lsm.Sst;

public class TableTests
{
    private static byte[] B(string s) => System.Text.Encoding.ASCII.GetBytes(s);

    private static byte[] IK(string user, ulong seq, EntryType type = EntryType.Value) => InternalKey.Make(B(user), seq, type);

    /// <summary>Random internal keys: several versions per user key, some deletions, sorted in internal-key order.</summary>
    private static List<(byte[] Key, byte[] Value)> RandomEntries(int seed, int count)
    {
        var rng = new Random(seed);
        var keys = new SortedSet<byte[]>(Comparer<byte[]>.Create((a, b) => InternalKey.Compare(a, b)));
        while (keys.Count < count)
        {
            string user = "key" + rng.Next(count / 2).ToString("D5", System.Globalization.CultureInfo.InvariantCulture);
            keys.Add(IK(user, (ulong)rng.Next(1, 10_000), rng.Next(5) == 0 ? EntryType.Deletion : EntryType.Value));
        }
        return keys.Select(k => (k, InternalKey.Type(k) == EntryType.Deletion ? [] : B("value-" + InternalKey.Sequence(k) + new string('x', rng.Next(40))))).ToList();
    }

    public static TheoryData<int, int> Shapes => new()
    {
        { 256, 16 }, { 256, 1 }, { 4096, 16 }, { 64, 2 }, { 1 << 20, 16 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Round_trip_random_internal_keys(int blockSize, int restartInterval)
    {
        int seed = blockSize + restartInterval;
        var h = new TableHarness();
        List<(byte[] Key, byte[] Value)> model = RandomEntries(seed, 1500);
        TableSummary summary = h.Build("t.sst", model, blockSize: blockSize, restartInterval: restartInterval);
        Assert.Equal(model[0].Key, summary.Smallest);
        Assert.Equal(model[^1].Key, summary.Largest);
        Assert.Equal((ulong)model.Count, summary.Entries);

        using TableReader table = h.Open("t.sst");
        List<(byte[] Key, byte[] Value)> scanned = TableHarness.Scan(table);
        Assert.True(model.Count == scanned.Count, $"seed {seed}");
        for (int i = 0; i < model.Count; i++)
        {
            Assert.True(model[i].Key.AsSpan().SequenceEqual(scanned[i].Key) && model[i].Value.AsSpan().SequenceEqual(scanned[i].Value), $"seed {seed}, entry {i}");
        }

        // Backwards across block boundaries.
        using InternalIterator it = table.NewIterator();
        int j = model.Count - 1;
        for (it.SeekToLast(); it.Valid; it.Prev(), j--)
        {
            Assert.True(model[j].Key.AsSpan().SequenceEqual(it.Key), $"seed {seed}, backward {j}");
        }
        Assert.Equal(-1, j);

        // Seeks, then a few steps each way.
        var rng = new Random(seed);
        for (int trial = 0; trial < 200; trial++)
        {
            byte[] target = IK("key" + rng.Next(800).ToString("D5", System.Globalization.CultureInfo.InvariantCulture), (ulong)rng.Next(10_000), EntryType.ForSeek);
            int expected = model.FindIndex(e => InternalKey.Compare(e.Key, target) >= 0);
            it.Seek(target);
            if (expected < 0)
            {
                Assert.False(it.Valid, $"seed {seed}, trial {trial}");
                continue;
            }
            Assert.True(it.Valid && model[expected].Key.AsSpan().SequenceEqual(it.Key), $"seed {seed}, trial {trial}");
            it.Prev();
            if (expected == 0)
            {
                Assert.False(it.Valid);
            }
            else
            {
                Assert.True(model[expected - 1].Key.AsSpan().SequenceEqual(it.Key), $"seed {seed}, trial {trial} prev");
                it.Next();
                it.Next();
                if (expected + 1 < model.Count)
                {
                    Assert.True(model[expected + 1].Key.AsSpan().SequenceEqual(it.Key), $"seed {seed}, trial {trial} next");
                }
            }
        }
    }

    [Fact]
    public void Get_with_snapshots_matches_model()
    {
        const int seed = 99;
        var h = new TableHarness();
        List<(byte[] Key, byte[] Value)> model = RandomEntries(seed, 1000);
        h.Build("t.sst", model, blockSize: 128);
        using TableReader table = h.Open("t.sst");
        var rng = new Random(seed);
        for (int trial = 0; trial < 1500; trial++)
        {
            string user = "key" + rng.Next(520).ToString("D5", System.Globalization.CultureInfo.InvariantCulture);
            ulong snapshot = (ulong)rng.Next(10_050);
            var expected = model.FirstOrDefault(e => InternalKey.UserKey(e.Key).SequenceEqual(B(user)) && InternalKey.Sequence(e.Key) <= snapshot);
            var got = TableHarness.Get(table, B(user), snapshot);
            Assert.True(got.Found == (expected.Key is not null), $"seed {seed}: {user} at {snapshot}");
            if (got.Found)
            {
                Assert.Equal(InternalKey.Sequence(expected.Key!), got.Sequence);
                Assert.Equal(InternalKey.Type(expected.Key!), got.Type);
                if (got.Type == EntryType.Value)
                {
                    Assert.Equal(expected.Value, got.Value);
                }
                else
                {
                    Assert.Null(got.Value);
                }
            }
        }
    }

    [Fact]
    public void Get_versions_of_one_key_spanning_many_blocks()
    {
        var h = new TableHarness();
        var entries = new List<(byte[], byte[])> { (IK("a", 1), B("a1")) };
        for (ulong s = 100; s >= 1; s--)
        {
            entries.Add((IK("k", s), B("k" + s)));
        }
        entries.Add((IK("z", 1), B("z1")));
        h.Build("t.sst", entries, blockSize: 64);
        using TableReader table = h.Open("t.sst");
        Assert.True(table.Properties.DataBlocks > 10);
        for (ulong snap = 1; snap <= 105; snap++)
        {
            var got = TableHarness.Get(table, B("k"), snap);
            Assert.True(got.Found);
            Assert.Equal(Math.Min(snap, 100), got.Sequence);
            Assert.Equal(B("k" + Math.Min(snap, 100)), got.Value);
        }
        Assert.False(TableHarness.Get(table, B("k"), 0).Found);
        Assert.False(TableHarness.Get(table, B("j"), 1000).Found);
        Assert.False(TableHarness.Get(table, B("zz"), 1000).Found);
        Assert.False(TableHarness.Get(table, B(""), 1000).Found);
        Assert.Equal(B("z1"), TableHarness.Get(table, B("z"), 1000).Value);
    }

    [Fact]
    public void Get_covered_by_newer_tombstone_not_found()
    {
        var h = new TableHarness();
        h.Build("t.sst", [(IK("k", 5), B("v5")), (IK("k", 3), B("v3"))]);
        using TableReader table = h.Open("t.sst");
        Assert.False(TableHarness.Get(table, B("k"), 10, covering: 5).Found);
        Assert.False(TableHarness.Get(table, B("k"), 10, covering: 7).Found);
        Assert.Equal(5UL, TableHarness.Get(table, B("k"), 10, covering: 4).Sequence);
        // Below the snapshot the older version is the newest visible, and the tombstone at 4 covers it.
        Assert.False(TableHarness.Get(table, B("k"), 4, covering: 4).Found);
    }

    [Fact]
    public void Range_tombstones_stored_and_fragmented()
    {
        var h = new TableHarness();
        RangeTombstone[] tombs =
        [
            new(B("m"), B("p"), 9),
            new(B("a"), B("d"), 4),
            new(B("b"), B("c"), 7),
        ];
        TableSummary summary = h.Build("t.sst", [(IK("b", 2), B("v")), (IK("x", 3), B("w"))], tombs);
        // The key range widens to the tombstones: from a@4 to the sentinel at p.
        Assert.Equal(IK("a", 4, EntryType.RangeDeletion), summary.Smallest);
        Assert.Equal(IK("x", 3), summary.Largest);
        Assert.Equal(2UL, summary.SmallestSequence);
        Assert.Equal(9UL, summary.LargestSequence);

        using TableReader table = h.Open("t.sst");
        Assert.Equal(3, table.RawTombstones.Length);
        var stored = table.RawTombstones.Select(t => (System.Text.Encoding.ASCII.GetString(t.Start), System.Text.Encoding.ASCII.GetString(t.End), t.Sequence)).OrderBy(t => t.Item1).ToList();
        Assert.Equal(new List<(string, string, ulong)> { ("a", "d", 4), ("b", "c", 7), ("m", "p", 9) }, stored);
        Assert.Equal(7UL, table.Tombstones.MaxCoveringSequence(B("b"), 100));
        Assert.Equal(4UL, table.Tombstones.MaxCoveringSequence(B("b"), 6));
        Assert.Equal(4UL, table.Tombstones.MaxCoveringSequence(B("c"), 100));
        Assert.Equal(0UL, table.Tombstones.MaxCoveringSequence(B("d"), 100));
        Assert.Equal(9UL, table.Tombstones.MaxCoveringSequence(B("o"), 100));
        Assert.Equal(3UL, table.Properties.RangeDeletions);
        // Point data is unaffected by storing tombstones.
        Assert.Equal(2, TableHarness.Scan(table).Count);
    }

    [Fact]
    public void Range_tombstone_end_beyond_point_keys_widens_largest()
    {
        var h = new TableHarness();
        TableSummary summary = h.Build("t.sst", [(IK("b", 2), B("v"))], [new(B("a"), B("q"), 3)]);
        Assert.Equal(IK("q", InternalKey.MaxSequence, EntryType.RangeDeletion), summary.Largest);
    }

    [Fact]
    public void Only_range_tombstones_open_scan_and_get()
    {
        // Regression: a flush of a memtable holding only DeleteRange writes a table whose index block is empty,
        // and reading it threw CorruptionException.
        var h = new TableHarness();
        TableSummary summary = h.Build("t.sst", [], [new(B("a"), B("c"), 5)]);
        Assert.Equal(IK("a", 5, EntryType.RangeDeletion), summary.Smallest);
        using TableReader table = h.Open("t.sst");
        Assert.Equal(5UL, table.Tombstones.MaxCoveringSequence(B("b"), 10));
        Assert.Empty(TableHarness.Scan(table));
        Assert.False(TableHarness.Get(table, B("b"), 10).Found);
    }

    [Fact]
    public void Empty_table_open_scan_and_get()
    {
        var h = new TableHarness();
        TableSummary summary = h.Build("t.sst", []);
        Assert.Empty(summary.Smallest);
        using TableReader table = h.Open("t.sst");
        Assert.Empty(TableHarness.Scan(table));
        Assert.False(TableHarness.Get(table, B("a"), 10).Found);
    }

    [Fact]
    public void Properties_recorded()
    {
        var h = new TableHarness();
        var entries = new List<(byte[], byte[])>
        {
            (IK("a", 10), B("12345")),
            (IK("b", 11, EntryType.Deletion), []),
            (IK("c", 3), B("xy")),
        };
        h.Build("t.sst", entries, [new(B("d"), B("e"), 20)], blockSize: 16);
        using TableReader table = h.Open("t.sst", number: 42);
        TableProperties p = table.Properties;
        Assert.Equal(42UL, table.FileNumber);
        Assert.Equal(3UL, p.Entries);
        Assert.Equal(1UL, p.Deletions);
        Assert.Equal(1UL, p.RangeDeletions);
        Assert.Equal(3UL, p.SmallestSequence);
        Assert.Equal(20UL, p.LargestSequence);
        Assert.Equal((ulong)(3 * 9), p.RawKeySize);
        Assert.Equal(7UL, p.RawValueSize);
        Assert.Equal(3UL, p.DataBlocks);
        Assert.True(p.DataSize > 0 && p.DataSize < (ulong)table.FileSize);
        Assert.True(p.IndexSize > 0);
        Assert.Equal(TableFormat.CurrentVersion, p.FormatVersion);
        Assert.InRange(p.CreationTime, (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 3600, (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 60);
    }

    [Fact]
    public void Footer_ends_with_magic()
    {
        var h = new TableHarness();
        h.Build("t.sst", [(IK("a", 1), B("v"))]);
        byte[] d = h.Contents("t.sst");
        Assert.Equal("AIMLSMSS"u8.ToArray(), d[^8..]);
        Assert.Equal(TableFormat.ChecksumCrc32C, d[^TableFormat.FooterSize]);
    }

    [Fact]
    public void Large_values_span_block_size()
    {
        var h = new TableHarness();
        byte[] big = new byte[100_000];
        new Random(5).NextBytes(big);
        h.Build("t.sst", [(IK("a", 1), big), (IK("b", 2), B("small"))], blockSize: 4096);
        using TableReader table = h.Open("t.sst");
        Assert.Equal(big, TableHarness.Get(table, B("a"), 10).Value);
        Assert.Equal(B("small"), TableHarness.Get(table, B("b"), 10).Value);
    }

    [Fact]
    public void Concurrent_gets_are_safe()
    {
        const int seed = 1234;
        var h = new TableHarness();
        List<(byte[] Key, byte[] Value)> model = RandomEntries(seed, 2000);
        h.Build("t.sst", model, blockSize: 512);
        using TableReader table = h.Open("t.sst");
        // The newest version of each user key.
        var newest = model.GroupBy(e => System.Text.Encoding.ASCII.GetString(InternalKey.UserKey(e.Key))).Select(g => g.First()).ToArray();
        Parallel.For(0, 4, worker =>
        {
            var rng = new Random(seed + worker);
            for (int i = 0; i < 2000; i++)
            {
                var e = newest[rng.Next(newest.Length)];
                var got = TableHarness.Get(table, InternalKey.UserKey(e.Key), InternalKey.MaxSequence);
                Assert.True(got.Found && got.Sequence == InternalKey.Sequence(e.Key), $"seed {seed}, worker {worker}");
                if (got.Type == EntryType.Value)
                {
                    Assert.Equal(e.Value, got.Value);
                }
            }
        });
    }
}
