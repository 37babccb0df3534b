using FsCheck;
using FsCheck.Fluent;
using AimLsm.Kv.RangeDel;

namespace AimLsm.Tests.Lsm.RangeDel;

public class FragmentedRangeTombstonesTests
{
    private static byte[] K(int i) => [(byte)('a' + i)];

    private static RangeTombstone T(int start, int end, ulong seq) => new(K(start), K(end), seq);

    /// <summary>The naive model: the newest tombstone with start &lt;= key &lt; end and sequence &lt;= snapshot.</summary>
    private static ulong Model(IEnumerable<RangeTombstone> tombstones, byte[] key, ulong snapshot, ulong maxSequence = ulong.MaxValue)
    {
        ulong best = 0;
        foreach (RangeTombstone t in tombstones)
        {
            if (t.Sequence <= maxSequence && t.Sequence <= snapshot
                && t.Start.AsSpan().SequenceCompareTo(key) <= 0 && key.AsSpan().SequenceCompareTo(t.End) < 0)
            {
                best = Math.Max(best, t.Sequence);
            }
        }
        return best;
    }

    [Fact]
    public void Empty()
    {
        FragmentedRangeTombstones f = FragmentedRangeTombstones.Build([]);
        Assert.True(f.IsEmpty);
        Assert.Equal(0, f.Count);
        Assert.Equal(0UL, f.MaxCoveringSequence(K(0), ulong.MaxValue));
        Assert.Same(FragmentedRangeTombstones.Empty, f);
    }

    [Fact]
    public void Single_half_open()
    {
        FragmentedRangeTombstones f = FragmentedRangeTombstones.Build([T(1, 3, 5)]);
        Assert.Equal(0UL, f.MaxCoveringSequence(K(0), 10));
        Assert.Equal(5UL, f.MaxCoveringSequence(K(1), 10));
        Assert.Equal(5UL, f.MaxCoveringSequence([(byte)'b', 0xFF], 10));
        Assert.Equal(5UL, f.MaxCoveringSequence(K(2), 10));
        Assert.Equal(0UL, f.MaxCoveringSequence(K(3), 10));
        Assert.Equal(5UL, f.MaxCoveringSequence(K(1), 5));
        Assert.Equal(0UL, f.MaxCoveringSequence(K(1), 4));
    }

    [Fact]
    public void Empty_and_reversed_ranges_are_ignored()
    {
        FragmentedRangeTombstones f = FragmentedRangeTombstones.Build([T(2, 2, 5), T(4, 1, 6)]);
        Assert.True(f.IsEmpty);
    }

    [Fact]
    public void Overlapping_cut_into_fragments()
    {
        // RocksDB range_tombstone_fragmenter_test OverlappingTombstones: [a, e) @10 and [c, g) @15.
        FragmentedRangeTombstones f = FragmentedRangeTombstones.Build([T(0, 4, 10), T(2, 6, 15)]);
        Assert.Equal(3, f.Count);
        Assert.Equal(10UL, f.MaxCoveringSequence(K(1), 100));
        Assert.Equal(15UL, f.MaxCoveringSequence(K(3), 100));
        Assert.Equal(10UL, f.MaxCoveringSequence(K(3), 14));
        Assert.Equal(15UL, f.MaxCoveringSequence(K(5), 100));
        Assert.Equal(0UL, f.MaxCoveringSequence(K(5), 14));
        Assert.Equal(0UL, f.MaxCoveringSequence(K(6), 100));
    }

    [Fact]
    public void Gap_between_tombstones_is_uncovered()
    {
        FragmentedRangeTombstones f = FragmentedRangeTombstones.Build([T(0, 2, 3), T(5, 7, 4)]);
        Assert.Equal(0UL, f.MaxCoveringSequence(K(3), 100));
        Assert.Equal(2, f.Count);
    }

    [Fact]
    public void A_tombstone_above_the_snapshot_is_invisible()
    {
        FragmentedRangeTombstones f = FragmentedRangeTombstones.Build([T(0, 4, 10), T(0, 4, 20)]);
        Assert.Equal(10UL, f.MaxCoveringSequence(K(1), 15));
    }

    [Fact]
    public void Same_start_different_ends_and_duplicates()
    {
        RangeTombstone[] ts = [T(1, 3, 4), T(1, 5, 2), T(1, 3, 4), T(1, 2, 9)];
        FragmentedRangeTombstones f = FragmentedRangeTombstones.Build(ts);
        for (int k = 0; k < 7; k++)
        {
            foreach (ulong snap in new ulong[] { 0, 1, 2, 3, 4, 8, 9, 100 })
            {
                Assert.Equal(Model(ts, K(k), snap), f.MaxCoveringSequence(K(k), snap));
            }
        }
    }

    [Fact]
    public void Prefix_keys_order_bytewise()
    {
        // "b" < "b\0" < "ba" < "c": a tombstone [b, ba) covers "b" and "b\0" but not "ba".
        RangeTombstone t = new("b"u8.ToArray(), "ba"u8.ToArray(), 7);
        FragmentedRangeTombstones f = FragmentedRangeTombstones.Build([t]);
        Assert.Equal(7UL, f.MaxCoveringSequence("b"u8, 10));
        Assert.Equal(7UL, f.MaxCoveringSequence([(byte)'b', 0], 10));
        Assert.Equal(7UL, f.MaxCoveringSequence("b`"u8, 10));
        Assert.Equal(0UL, f.MaxCoveringSequence("ba"u8, 10));
        Assert.Equal(0UL, f.MaxCoveringSequence(""u8, 10));
    }

    [Fact]
    public void Random_against_naive_model_fixed_seed()
    {
        const int seed = 2024;
        var rng = new Random(seed);
        for (int trial = 0; trial < 300; trial++)
        {
            var ts = new List<RangeTombstone>();
            for (int i = rng.Next(0, 12); i > 0; i--)
            {
                ts.Add(T(rng.Next(0, 10), rng.Next(0, 10), (ulong)rng.Next(1, 30)));
            }
            ulong maxSeq = rng.Next(4) == 0 ? (ulong)rng.Next(1, 30) : ulong.MaxValue;
            FragmentedRangeTombstones f = FragmentedRangeTombstones.Build(ts);
            for (int k = 0; k <= 10; k++)
            {
                // Readers pass their snapshot; maxSeq caps it as an older snapshot would.
                ulong snap = Math.Min((ulong)rng.Next(0, 32), maxSeq);
                ulong expected = Model(ts, K(k), snap, maxSeq);
                Assert.True(expected == f.MaxCoveringSequence(K(k), snap), $"seed {seed}, trial {trial}, key {k}, snapshot {snap}");
            }
        }
    }

    [Fact]
    public void Property_max_covering_sequence_equals_naive_model()
    {
        // Keys are one or two letters from a small alphabet, so ranges overlap, nest and share bounds often.
        Gen<byte[]> key = Gen.Choose(0, 5).SelectMany(a => Gen.Choose(-1, 2).Select(b => b < 0 ? new[] { (byte)('a' + a) } : [(byte)('a' + a), (byte)('a' + b)]));
        Gen<RangeTombstone> tombstone =
            from s in key
            from e in key
            from seq in Gen.Choose(1, 20)
            select new RangeTombstone(s, e, (ulong)seq);
        Gen<(RangeTombstone[] Tombstones, byte[] Key, ulong Snapshot)> cases =
            from ts in Gen.ArrayOf(tombstone)
            from k in key
            from snap in Gen.Choose(0, 22)
            select (ts, k, (ulong)snap);

        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            FragmentedRangeTombstones f = FragmentedRangeTombstones.Build(c.Tombstones);
            return f.MaxCoveringSequence(c.Key, c.Snapshot) == Model(c.Tombstones, c.Key, c.Snapshot);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(2000).WithReplay(42, 7));
    }
}
