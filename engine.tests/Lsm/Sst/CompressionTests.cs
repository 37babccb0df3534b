using AimLsm.Kv;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using AimLsm.Kv.Common;
using AimLsm.Kv.Keys;
using AimLsm.Kv.Sst;
using Xunit.Abstractions;

namespace AimLsm.Tests.Lsm.Sst;

/// <summary>LZ4 data blocks: round trips, the 1/8 rule, and damage inside a compressed block.</summary>
public class CompressionTests(ITestOutputHelper output)
{
    private const string Name = "t.sst";

    private static byte[] Key(int i) => InternalKey.Make(System.Text.Encoding.ASCII.GetBytes("key" + i.ToString("D13", CultureInfo.InvariantCulture)), (ulong)(i + 1), EntryType.Value);

    /// <summary>db_bench's values at compression ratio 0.5: half random bytes, repeated to fill the value.</summary>
    private static List<(byte[] Key, byte[] Value)> HalfCompressible(int count, int valueSize, int seed)
    {
        var rng = new Random(seed);
        var list = new List<(byte[], byte[])>(count);
        for (int i = 0; i < count; i++)
        {
            var v = new byte[valueSize];
            var half = new byte[valueSize / 2];
            rng.NextBytes(half);
            for (int j = 0; j < valueSize; j++)
            {
                v[j] = half[j % half.Length];
            }
            list.Add((Key(i), v));
        }
        return list;
    }

    private static List<(byte[] Key, byte[] Value)> Random(int count, int valueSize, int seed)
    {
        var rng = new Random(seed);
        var list = new List<(byte[], byte[])>(count);
        for (int i = 0; i < count; i++)
        {
            var v = new byte[valueSize];
            rng.NextBytes(v);
            list.Add((Key(i), v));
        }
        return list;
    }

    /// <summary>Each data block's compression type byte and handle.</summary>
    private static List<(BlockHandle Handle, byte Type)> DataBlocks(byte[] file)
    {
        int footer = file.Length - TableFormat.FooterSize;
        int n = BlockHandle.TryDecode(file.AsSpan(footer + 1), out _);
        BlockHandle.TryDecode(file.AsSpan(footer + 1 + n), out BlockHandle index);
        var it = new BlockIterator(internalKeys: true);
        it.Reset(file, (int)index.Offset, (int)index.Size, Name, (long)index.Offset);
        var list = new List<(BlockHandle, byte)>();
        for (it.SeekToFirst(); it.Valid; it.Next())
        {
            BlockHandle.TryDecode(it.Value, out BlockHandle h);
            list.Add((h, file[h.Offset + h.Size]));
        }
        return list;
    }

    private static void AssertReadsBack(TableReader table, List<(byte[] Key, byte[] Value)> entries)
    {
        List<(byte[] Key, byte[] Value)> scanned = TableHarness.Scan(table);
        Assert.Equal(entries.Count, scanned.Count);
        for (int i = 0; i < entries.Count; i++)
        {
            Assert.Equal(entries[i].Key, scanned[i].Key);
            Assert.Equal(entries[i].Value, scanned[i].Value);
        }
        for (int i = 0; i < entries.Count; i += 7)
        {
            Assert.Equal(entries[i].Value, TableHarness.Get(table, InternalKey.UserKey(entries[i].Key), InternalKey.MaxSequence).Value);
        }
    }

    [Fact]
    public void Compressible_round_trips_and_is_smaller_than_uncompressed()
    {
        List<(byte[] Key, byte[] Value)> entries = HalfCompressible(20_000, 100, seed: 1);
        var h = new TableHarness();
        long lz4 = h.Build("lz4.sst", entries, blockSize: 4096, compression: Compression.Lz4).FileSize;
        long none = h.Build("none.sst", entries, blockSize: 4096, compression: Compression.None).FileSize;
        using TableReader lz4Table = h.Open("lz4.sst");
        using TableReader noneTable = h.Open("none.sst");
        AssertReadsBack(lz4Table, entries);
        AssertReadsBack(noneTable, entries);

        TableProperties p = lz4Table.Properties;
        double dataRatio = (double)p.DataUncompressedSize / (p.DataSize - (p.DataBlocks * TableFormat.BlockTrailerSize));
        output.WriteLine($"20,000 entries (16-byte user keys, 100-byte half-compressible values): LZ4 {lz4} bytes, none {none} bytes, "
            + $"file ratio {(double)none / lz4:F2}x, data-block ratio {dataRatio:F2}x");
        Assert.True(lz4 < none * 0.8, $"lz4 {lz4} vs none {none}");
        Assert.All(DataBlocks(h.Contents("lz4.sst")), b => Assert.Equal((byte)CompressionType.Lz4, b.Type));
        Assert.All(DataBlocks(h.Contents("none.sst")), b => Assert.Equal((byte)CompressionType.None, b.Type));
        Assert.Equal(noneTable.Properties.DataUncompressedSize, p.DataUncompressedSize);
        Assert.Equal(2u, lz4Table.FormatVersion);
    }

    [Fact]
    public void Incompressible_blocks_are_stored_raw()
    {
        List<(byte[] Key, byte[] Value)> entries = Random(2_000, 100, seed: 2);
        var h = new TableHarness();
        long lz4 = h.Build("lz4.sst", entries, blockSize: 4096, compression: Compression.Lz4).FileSize;
        long none = h.Build("none.sst", entries, blockSize: 4096, compression: Compression.None).FileSize;
        Assert.Equal(none, lz4); // every block failed the 1/8 rule, so the files are alike but for the creation time
        Assert.All(DataBlocks(h.Contents("lz4.sst")), b => Assert.Equal((byte)CompressionType.None, b.Type));
        using TableReader table = h.Open("lz4.sst");
        AssertReadsBack(table, entries);
    }

    [Fact]
    public void The_one_eighth_rule()
    {
        Assert.True(TableFormat.GoodCompressionRatio(874, 1000));
        Assert.False(TableFormat.GoodCompressionRatio(875, 1000));
        byte[] scratch = [];
        var random = new byte[1000];
        new Random(3).NextBytes(random);
        Assert.Equal(-1, BlockCompression.TryCompressLz4(random, ref scratch));
        int stored = BlockCompression.TryCompressLz4(new byte[1000], ref scratch);
        Assert.InRange(stored, 3, 100);
        Assert.Equal(new byte[] { 0xe8, 0x07 }, scratch[..2]); // varint32 1000
    }

    [Fact]
    public void Mixed_blocks_some_compressed_some_raw_round_trip()
    {
        var rng = new Random(4);
        var entries = new List<(byte[], byte[])>();
        for (int i = 0; i < 3000; i++)
        {
            var v = new byte[rng.Next(0, 300)];
            if ((i / 40) % 2 == 0)
            {
                rng.NextBytes(v);
            }
            entries.Add((Key(i), v));
        }
        var h = new TableHarness();
        h.Build(Name, entries, blockSize: 1024);
        var types = DataBlocks(h.Contents(Name)).Select(b => b.Type).ToHashSet();
        Assert.Equal([(byte)0, (byte)4], types.Order());
        using TableReader table = h.Open(Name);
        AssertReadsBack(table, entries);
        using TableReader cached = h.Open(Name, cache: new AimLsm.Kv.Cache.BlockCache(64 << 10));
        AssertReadsBack(cached, entries);
        AssertReadsBack(cached, entries);
    }

    /// <summary>Rewrites a compressed block's stored bytes and fixes its CRC, so only the LZ4 layer can notice.</summary>
    private static (TableHarness Harness, BlockHandle Block) DamageCompressedBlock(Action<byte[], BlockHandle> damage)
    {
        List<(byte[] Key, byte[] Value)> entries = HalfCompressible(500, 100, seed: 5);
        var h = new TableHarness();
        h.Build(Name, entries, blockSize: 4096);
        byte[] d = h.Contents(Name);
        BlockHandle block = DataBlocks(d).Where(b => b.Type == (byte)CompressionType.Lz4).ElementAt(1).Handle;
        damage(d, block);
        int end = (int)(block.Offset + block.Size);
        BinaryPrimitives.WriteUInt32LittleEndian(d.AsSpan(end + 1), Checksum.ComputeMasked(d.AsSpan((int)block.Offset, (int)block.Size + 1)));
        h.Replace(Name, d);
        return (h, block);
    }

    [Fact]
    public void Corrupt_compressed_block_wrong_size_prefix_is_corruption_with_file_and_offset()
    {
        // The varint says one byte more than LZ4 produces.
        (TableHarness h, BlockHandle block) = DamageCompressedBlock((d, b) =>
        {
            Varint.TryRead32(d.AsSpan((int)b.Offset), out uint size);
            Assert.Equal(Varint.Length(size), Varint.Length(size + 1));
            Varint.Write(d.AsSpan((int)b.Offset), size + 1);
        });
        using TableReader table = h.Open(Name);
        CorruptionException e = Assert.Throws<CorruptionException>(() => TableHarness.Scan(table));
        Assert.Equal(h.PathOf(Name), e.File);
        Assert.Equal((long)block.Offset, e.Offset);
        Assert.Contains("LZ4", e.Detail);
    }

    [Fact]
    public void Corrupt_compressed_block_garbled_payload_is_corruption_with_file_and_offset()
    {
        (TableHarness h, BlockHandle block) = DamageCompressedBlock((d, b) =>
            d.AsSpan((int)b.Offset + 2, (int)b.Size - 2).Fill(0xFF));
        using TableReader table = h.Open(Name, cache: new AimLsm.Kv.Cache.BlockCache(1 << 20));
        CorruptionException e = Assert.Throws<CorruptionException>(() => TableHarness.Scan(table));
        Assert.Equal(h.PathOf(Name), e.File);
        Assert.Equal((long)block.Offset, e.Offset);
    }

    [Fact]
    public void Corrupt_compressed_block_malformed_size_prefix_is_corruption()
    {
        (TableHarness h, BlockHandle block) = DamageCompressedBlock((d, b) =>
            d.AsSpan((int)b.Offset, 5).Fill(0xFF));
        using TableReader table = h.Open(Name);
        CorruptionException e = Assert.Throws<CorruptionException>(() => TableHarness.Scan(table));
        Assert.Equal((long)block.Offset, e.Offset);
    }
}
