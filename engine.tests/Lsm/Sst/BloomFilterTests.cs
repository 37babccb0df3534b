using AimLsm.Kv;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using AimLsm.Kv.Keys;
using AimLsm.Kv.Sst;
using Xunit.Abstractions;

namespace AimLsm.Tests.Lsm.Sst;

public class BloomFilterTests(ITestOutputHelper output)
{
    private static byte[] B(string s) => System.Text.Encoding.ASCII.GetBytes(s);

    private static string Key(string prefix, int i) => prefix + i.ToString("D8", CultureInfo.InvariantCulture);

    private static BloomFilter Build(int bitsPerKey, IEnumerable<byte[]> keys)
    {
        var builder = new BloomFilterBuilder(bitsPerKey);
        foreach (byte[] k in keys)
        {
            builder.AddKey(k);
        }
        byte[] contents = builder.Finish()!;
        return BloomFilter.Parse(contents, "mem", 0)!;
    }

    /// <summary>Builds a filter over 100,000 keys, then asks it about 100,000 other keys; returns the false-positive rate.</summary>
    private double MeasureFalsePositiveRate(int bitsPerKey)
    {
        const int n = 100_000;
        BloomFilter filter = Build(bitsPerKey, Enumerable.Range(0, n).Select(i => B(Key("present/", i))));
        int positives = 0;
        for (int i = 0; i < n; i++)
        {
            if (filter.MayContain(B(Key("absent/", i))))
            {
                positives++;
            }
        }
        double rate = (double)positives / n;
        output.WriteLine($"{bitsPerKey} bits/key, {filter.Probes} probes, {filter.Size} bytes: {positives} false positives in {n} = {rate:P3}");
        return rate;
    }

    [Fact]
    public void FalsePositiveRate_10BitsPerKey_IsAbout1Percent()
    {
        double rate = MeasureFalsePositiveRate(10);
        Assert.InRange(rate, 0.0001, 0.02); // above 0: not a stub that answers "maybe" only for the right keys
    }

    [Fact]
    public void FalsePositiveRate_5BitsPerKey_IsHigher()
    {
        double at5 = MeasureFalsePositiveRate(5);
        double at10 = MeasureFalsePositiveRate(10);
        Assert.True(at5 > 2 * at10, $"5 bits/key: {at5:P3}, 10 bits/key: {at10:P3}");
        Assert.InRange(at5, 0.03, 0.2);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(5, 2)]
    [InlineData(10, 3)]
    [InlineData(20, 4)]
    [InlineData(64, 5)]
    public void No_false_negatives_random_keys(int bitsPerKey, int seed)
    {
        var rng = new Random(seed);
        for (int round = 0; round < 20; round++)
        {
            int count = rng.Next(1, 3000);
            var keys = new List<byte[]>(count);
            for (int i = 0; i < count; i++)
            {
                var k = new byte[rng.Next(0, 70)]; // empty keys and keys across XXH64's 32-byte stripes
                rng.NextBytes(k);
                keys.Add(k);
            }
            BloomFilter filter = Build(bitsPerKey, keys);
            foreach (byte[] k in keys)
            {
                Assert.True(filter.MayContain(k), $"seed {seed} round {round}: a present key of {k.Length} bytes was ruled out");
            }
        }
    }

    [Fact]
    public void Builder_counts_versions_of_one_key_once()
    {
        var b = new BloomFilterBuilder(10);
        b.AddKey(B("a"));
        b.AddKey(B("a"));
        b.AddKey(B("b"));
        b.AddKey(B("b"));
        b.AddKey(B("b"));
        Assert.Equal(2, b.KeyCount);
        Assert.Null(new BloomFilterBuilder(10).Finish());
    }

    [Fact]
    public void Layout_one_key_is_one_line_and_an_eight_byte_trailer()
    {
        var b = new BloomFilterBuilder(10);
        b.AddKey(B("hello"));
        byte[] contents = b.Finish()!;
        Assert.Equal(64 + 8, contents.Length);
        // kind 1, 6 probes, 64-byte lines (log2 6), reserved 0, 1 line.
        Assert.Equal(new byte[] { 0x01, 0x06, 0x06, 0x00, 0x01, 0x00, 0x00, 0x00 }, contents[64..]);
        int bits = contents[..64].Sum(x => System.Numerics.BitOperations.PopCount(x));
        Assert.InRange(bits, 1, 6);

        // The probed bits are exactly those the documented sequence names.
        ulong h = BloomFilter.KeyHash(B("hello"));
        uint p = (uint)(h >> 32);
        var expected = new byte[64];
        for (int i = 0; i < 6; i++, p *= 0x9E3779B9)
        {
            int bit = (int)(p >> 23);
            expected[bit >> 3] |= (byte)(1 << (bit & 7));
        }
        Assert.Equal(expected, contents[..64]);
    }

    /// <summary>The worked example of docs/format.md, "Filter block": user keys a and b at 10 bits per key.</summary>
    [Fact]
    public void Golden_filter_block()
    {
        var h = new TableHarness();
        h.Build("t.sst", [
            (InternalKey.Make(B("a"), 3, EntryType.Deletion), []),
            (InternalKey.Make(B("a"), 1, EntryType.Value), B("1")),
            (InternalKey.Make(B("b"), 2, EntryType.Value), B("2")),
        ]);
        byte[] file = h.Contents("t.sst");
        int footer = file.Length - TableFormat.FooterSize;
        BlockHandle.TryDecode(file.AsSpan(footer + 1), out BlockHandle meta);
        var it = new BlockIterator(internalKeys: false);
        it.Reset(file, (int)meta.Offset, (int)meta.Size, "t.sst", (long)meta.Offset);
        it.Seek(B(TableFormat.FilterBlockName));
        Assert.Equal(TableFormat.FilterBlockName, System.Text.Encoding.ASCII.GetString(it.Key));
        BlockHandle.TryDecode(it.Value, out BlockHandle filter);
        Assert.Equal(72UL, filter.Size);
        byte[] expected = Convert.FromHexString(
            "00000080000000040800000000000000" +
            "80000000000000000810000000000100" +
            "00004000800008000000000000000000" +
            "00000000100000000000020000000000" +
            "0106060001000000" +
            "00c0ecd684");
        Assert.Equal(expected, file.AsSpan((int)filter.Offset, 77).ToArray());
        Assert.Equal(0xD24EC4F1A98C6E5BUL, BloomFilter.KeyHash(B("a")));
    }

    [Fact]
    public void Line_count_rounds_bits_up_to_whole_lines()
    {
        var b = new BloomFilterBuilder(10);
        for (int i = 0; i < 1000; i++)
        {
            b.AddKey(B(Key("k", i)));
        }
        byte[] contents = b.Finish()!;
        int lines = (10_000 + 511) / 512; // 20
        Assert.Equal((lines * 64) + 8, contents.Length);
        Assert.Equal((uint)lines, BinaryPrimitives.ReadUInt32LittleEndian(contents.AsSpan(contents.Length - 4)));
    }

    [Fact]
    public void Parse_unknown_kind_is_ignored_malformed_known_kind_is_corruption()
    {
        var b = new BloomFilterBuilder(10);
        b.AddKey(B("x"));
        byte[] contents = b.Finish()!;

        byte[] unknown = (byte[])contents.Clone();
        unknown[^8] = 2;
        Assert.Null(BloomFilter.Parse(unknown, "f", 100));

        byte[] badLines = (byte[])contents.Clone();
        badLines[^4] = 2;
        CorruptionException e = Assert.Throws<CorruptionException>(() => BloomFilter.Parse(badLines, "f", 100));
        Assert.Equal("f", e.File);
        Assert.Equal(100 + 64, e.Offset);

        Assert.Throws<CorruptionException>(() => BloomFilter.Parse(new byte[7], "f", 0));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    [InlineData(5, 3)]
    [InlineData(6, 4)]
    [InlineData(10, 6)]
    [InlineData(16, 9)]
    [InlineData(64, 24)]
    public void Num_probes_follow_rocks_db(int bitsPerKey, int probes) =>
        Assert.Equal(probes, BloomFilterBuilder.ChooseNumProbes(bitsPerKey));

    // ---- through a table ----

    private static List<(byte[] Key, byte[] Value)> Entries(int count)
    {
        var list = new List<(byte[], byte[])>();
        for (int i = 0; i < count; i++)
        {
            // Two versions of every key: the filter must hold the user key once.
            list.Add((InternalKey.Make(B(Key("key", i)), 2, EntryType.Value), B("v2-" + i)));
            list.Add((InternalKey.Make(B(Key("key", i)), 1, EntryType.Value), B("v1-" + i)));
        }
        return list;
    }

    [Fact]
    public void Table_filter_rules_out_absent_keys_and_counts_them()
    {
        var h = new TableHarness();
        h.Build("t.sst", Entries(10_000), blockSize: 4096);
        var stats = new TableStatistics();
        using TableReader table = h.Open("t.sst", statistics: stats);
        Assert.True(table.HasFilter);
        Assert.Equal((ulong)((((10_000 * 10) + 511) / 512 * 64) + 8), table.Properties.FilterSize);

        for (int i = 0; i < 10_000; i++)
        {
            var got = TableHarness.Get(table, B(Key("key", i)), InternalKey.MaxSequence);
            Assert.True(got.Found);
            Assert.Equal("v2-" + i, System.Text.Encoding.ASCII.GetString(got.Value!));
        }
        Assert.Equal(10_000, stats.FilterChecks);
        Assert.Equal(0, stats.FilterNegatives);
        long readsForPresent = stats.DataBlockReads;

        int found = 0;
        for (int i = 0; i < 100_000; i++)
        {
            // Absent keys between the present ones, so that a false positive reads a data block.
            if (TableHarness.Get(table, B(Key("key", i / 10) + "x" + (i % 10)), InternalKey.MaxSequence).Found)
            {
                found++;
            }
        }
        Assert.Equal(0, found);
        Assert.Equal(110_000, stats.FilterChecks);
        long negatives = stats.FilterNegatives;
        double fpRate = (100_000 - negatives) / 100_000.0;
        output.WriteLine($"table: {negatives} of 100,000 absent lookups stopped by the filter (false positives {fpRate:P3})");
        Assert.InRange(fpRate, 0.0001, 0.02);
        // Only the false positives read a data block (but those after the table's last key, which the index stops).
        Assert.InRange(stats.DataBlockReads - readsForPresent, 100_000 - negatives - 10, 100_000 - negatives);
        Assert.True(table.MayContain(B(Key("key", 5))));
    }

    [Fact]
    public void Table_zero_bits_per_key_writes_no_filter()
    {
        var h = new TableHarness();
        h.Build("t.sst", Entries(100), bloomBitsPerKey: 0);
        var stats = new TableStatistics();
        using TableReader table = h.Open("t.sst", statistics: stats);
        Assert.False(table.HasFilter);
        Assert.Equal(0UL, table.Properties.FilterSize);
        Assert.True(table.MayContain(B("anything")));
        Assert.False(TableHarness.Get(table, B("anything"), InternalKey.MaxSequence).Found);
        Assert.Equal(0, stats.FilterChecks);
    }

    [Fact]
    public void Table_only_range_tombstones_has_no_filter_and_tombstones_still_apply()
    {
        var h = new TableHarness();
        h.Build("t.sst", [], [new AimLsm.Kv.RangeDel.RangeTombstone(B("a"), B("m"), 7)]);
        using TableReader table = h.Open("t.sst");
        Assert.False(table.HasFilter);
        Assert.Single(table.RawTombstones);
        Assert.False(TableHarness.Get(table, B("c"), InternalKey.MaxSequence).Found);
    }

    [Fact]
    public void Building_a_filter_allocates_little_beyond_the_filter_block_once_the_pool_is_warm()
    {
        // 100,000 distinct keys: their hashes grow to 131,072 entries (1 MiB), about 2 MiB of arrays by doubling.
        byte[] key = new byte[8];
        long BuildOnce(out int blockLength)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            var builder = new BloomFilterBuilder(10);
            for (int i = 0; i < 100_000; i++)
            {
                BinaryPrimitives.WriteInt64BigEndian(key, i);
                builder.AddKey(key);
            }
            byte[] block = builder.Finish()!;
            blockLength = block.Length;
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        BuildOnce(out _); // warms the pool
        long allocated = BuildOnce(out int blockLength);
        output.WriteLine($"{allocated} bytes allocated for a {blockLength}-byte filter block");
        Assert.True(allocated < blockLength + (64 << 10), $"{allocated} bytes allocated for a {blockLength}-byte filter block");
    }
}
