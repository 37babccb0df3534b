using AimLsm.Kv;
using System.Buffers.Binary;
using System.Text;
using AimLsm.Kv.Cache;
using AimLsm.Kv.Common;
using AimLsm.Kv.Iteration;
using AimLsm.Kv.Keys;
using AimLsm.Kv.RangeDel;
using AimLsm.Kv.Sst;

namespace AimLsm.Tests.Lsm.Sst;

/// <summary>
/// Damage to any part of a table surfaces as a <see cref="CorruptionException"/> that names the file and an offset
/// inside the damaged block; never as wrong data.
/// </summary>
public class TableCorruptionTests
{
    private const string Name = "t.sst";

    private static byte[] B(string s) => System.Text.Encoding.ASCII.GetBytes(s);

    /// <summary>One block (or the footer): [Start, End) in the file, trailer included.</summary>
    private readonly record struct Region(string Kind, long Start, long End)
    {
        public bool Contains(long offset) => offset >= Start && offset < End;
    }

    private static (TableHarness Harness, List<(byte[] Key, byte[] Value)> Entries) BuildTable(int count = 60, int blockSize = 128)
    {
        var h = new TableHarness();
        var entries = new List<(byte[], byte[])>();
        for (int i = 0; i < count; i++)
        {
            entries.Add((InternalKey.Make(B($"key{i:D4}"), (ulong)(i + 1), EntryType.Value), B($"value{i}")));
        }
        h.Build(Name, entries, [new RangeTombstone(B("key0010"), B("key0020"), 500)], blockSize: blockSize);
        return (h, entries);
    }

    /// <summary>Decodes the layout of an undamaged table: every data block, the meta blocks, the index and the footer.</summary>
    private static List<Region> Layout(TableHarness h)
    {
        byte[] d = h.Contents(Name);
        var regions = new List<Region>();
        long footer = d.Length - TableFormat.FooterSize;
        regions.Add(new Region("footer", footer, d.Length));
        ReadOnlySpan<byte> f = d.AsSpan((int)footer);
        int n = BlockHandle.TryDecode(f[1..], out BlockHandle meta);
        BlockHandle.TryDecode(f[(1 + n)..], out BlockHandle index);
        regions.Add(Block("metaindex", meta));
        regions.Add(Block("index", index));

        var metaIt = new BlockIterator(internalKeys: false);
        metaIt.Reset(d, (int)meta.Offset, (int)meta.Size, Name, (long)meta.Offset);
        for (metaIt.SeekToFirst(); metaIt.Valid; metaIt.Next())
        {
            BlockHandle.TryDecode(metaIt.Value, out BlockHandle mh);
            regions.Add(Block(System.Text.Encoding.ASCII.GetString(metaIt.Key), mh));
        }
        var indexIt = new BlockIterator(internalKeys: true);
        indexIt.Reset(d, (int)index.Offset, (int)index.Size, Name, (long)index.Offset);
        for (indexIt.SeekToFirst(); indexIt.Valid; indexIt.Next())
        {
            BlockHandle.TryDecode(indexIt.Value, out BlockHandle dh);
            regions.Add(Block("data", dh));
        }
        regions.Sort((a, b) => a.Start.CompareTo(b.Start));
        // The regions tile the file exactly.
        Assert.Equal(0, regions[0].Start);
        for (int i = 1; i < regions.Count; i++)
        {
            Assert.Equal(regions[i - 1].End, regions[i].Start);
        }
        Assert.Equal(d.Length, regions[^1].End);
        return regions;
    }

    private static Region Block(string kind, BlockHandle h) =>
        new(kind, (long)h.Offset, (long)h.Offset + (long)h.Size + TableFormat.BlockTrailerSize);

    /// <summary>Opens, scans both ways and looks up every key; returns the exception, or null when all data matched.</summary>
    private static CorruptionException? ReadEverything(TableHarness h, List<(byte[] Key, byte[] Value)> entries)
    {
        try
        {
            using TableReader table = h.Open(Name);
            List<(byte[] Key, byte[] Value)> scanned = TableHarness.Scan(table);
            Assert.Equal(entries.Count, scanned.Count);
            for (int i = 0; i < entries.Count; i++)
            {
                Assert.Equal(entries[i].Key, scanned[i].Key);
                Assert.Equal(entries[i].Value, scanned[i].Value);
                var got = TableHarness.Get(table, InternalKey.UserKey(entries[i].Key), InternalKey.MaxSequence);
                Assert.True(got.Found);
                Assert.Equal(entries[i].Value, got.Value);
            }
            using var it = table.NewIterator();
            int n = 0;
            for (it.SeekToLast(); it.Valid; it.Prev())
            {
                n++;
            }
            Assert.Equal(entries.Count, n);
            Assert.Single(table.RawTombstones);
            Assert.Equal(500UL, table.RawTombstones[0].Sequence);
            return null;
        }
        catch (CorruptionException e)
        {
            return e;
        }
    }

    [Fact]
    public void Undamaged_reads_everything()
    {
        (TableHarness h, var entries) = BuildTable();
        List<Region> layout = Layout(h);
        Assert.True(layout.Count(r => r.Kind == "data") > 3);
        Assert.Contains(layout, r => r.Kind == TableFormat.RangeDelBlockName);
        Assert.Contains(layout, r => r.Kind == TableFormat.PropertiesBlockName);
        Assert.Null(ReadEverything(h, entries));
    }

    [Fact]
    public void Flip_data_block_byte_open_succeeds_read_throws_with_block_offset()
    {
        (TableHarness h, var entries) = BuildTable();
        Region data = Layout(h).Where(r => r.Kind == "data").ElementAt(2);
        byte[] d = h.Contents(Name);
        d[data.Start + 3] ^= 0x40;
        h.Replace(Name, d);
        using TableReader table = h.Open(Name); // data blocks are read on demand
        CorruptionException scan = Assert.Throws<CorruptionException>(() => TableHarness.Scan(table));
        Assert.Equal(h.PathOf(Name), scan.File);
        Assert.True(data.Contains(scan.Offset), $"offset {scan.Offset} outside {data}");
        Assert.Contains("checksum", scan.Detail);
        // A lookup of a key in the damaged block fails the same way; one in an intact block still works.
        CorruptionException get = Assert.Throws<CorruptionException>(() =>
        {
            foreach ((byte[] key, _) in entries)
            {
                TableHarness.Get(table, InternalKey.UserKey(key), InternalKey.MaxSequence);
            }
        });
        Assert.True(data.Contains(get.Offset));
        Assert.Equal(entries[0].Value, TableHarness.Get(table, InternalKey.UserKey(entries[0].Key), InternalKey.MaxSequence).Value);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Flip_data_block_byte_is_caught_by_reads_through_the_cache_and_past_it(bool fillCache)
    {
        (TableHarness h, var entries) = BuildTable();
        Region data = Layout(h).Where(r => r.Kind == "data").ElementAt(2);
        byte[] d = h.Contents(Name);
        d[data.Start + 3] ^= 0x40;
        h.Replace(Name, d);
        var cache = new BlockCache(1 << 20);
        using TableReader table = h.Open(Name, cache: cache);
        for (int attempt = 0; attempt < 2; attempt++)
        {
            // The damaged block never enters the cache, so the second attempt reads (and checks) it again.
            using InternalIterator it = table.NewIterator(fillCache);
            CorruptionException scan = Assert.Throws<CorruptionException>(() =>
            {
                for (it.SeekToFirst(); it.Valid; it.Next())
                {
                }
            });
            Assert.True(data.Contains(scan.Offset), $"offset {scan.Offset} outside {data}");
            Assert.Contains("checksum", scan.Detail);
            CorruptionException get = Assert.Throws<CorruptionException>(() =>
            {
                foreach ((byte[] key, _) in entries)
                {
                    var sink = new TableHarness.CaptureSink();
                    table.Get(InternalKey.Make(InternalKey.UserKey(key), InternalKey.MaxSequence, EntryType.ForSeek), BloomFilter.KeyHash(InternalKey.UserKey(key)), 0, out _, out _, ref sink, fillCache);
                }
            });
            Assert.True(data.Contains(get.Offset));
        }
        Assert.Equal(fillCache ? 2 : 0, cache.Count); // the two intact blocks before it, when filling
    }

    [Fact]
    public void Flip_data_block_trailer_throws()
    {
        (TableHarness h, _) = BuildTable();
        Region data = Layout(h).First(r => r.Kind == "data");
        byte[] d = h.Contents(Name);
        d[data.End - 1] ^= 0x01; // last CRC byte
        h.Replace(Name, d);
        using TableReader table = h.Open(Name);
        CorruptionException e = Assert.Throws<CorruptionException>(() => TableHarness.Scan(table));
        Assert.True(data.Contains(e.Offset));
    }

    [Fact]
    public void Unknown_compression_type_with_valid_checksum_throws()
    {
        (TableHarness h, _) = BuildTable();
        Region data = Layout(h).First(r => r.Kind == "data");
        byte[] d = h.Contents(Name);
        long typeAt = data.End - TableFormat.BlockTrailerSize;
        d[typeAt] = 9;
        uint crc = Checksum.ComputeMasked(d.AsSpan((int)data.Start, (int)(typeAt - data.Start + 1)));
        BinaryPrimitives.WriteUInt32LittleEndian(d.AsSpan((int)typeAt + 1), crc);
        h.Replace(Name, d);
        using TableReader table = h.Open(Name);
        CorruptionException e = Assert.Throws<CorruptionException>(() => TableHarness.Scan(table));
        Assert.True(data.Contains(e.Offset));
        Assert.Contains("compression", e.Detail);
    }

    [Theory]
    [InlineData("index")]
    [InlineData("metaindex")]
    [InlineData(TableFormat.PropertiesBlockName)]
    [InlineData(TableFormat.RangeDelBlockName)]
    public void Flip_meta_or_index_block_byte_open_throws_with_block_offset(string kind)
    {
        (TableHarness h, _) = BuildTable();
        Region block = Layout(h).Single(r => r.Kind == kind);
        byte[] d = h.Contents(Name);
        d[(block.Start + block.End) / 2] ^= 0x80;
        h.Replace(Name, d);
        CorruptionException e = Assert.Throws<CorruptionException>(() => h.Open(Name));
        Assert.Equal(h.PathOf(Name), e.File);
        Assert.True(block.Contains(e.Offset), $"offset {e.Offset} outside {block}");
    }

    [Fact]
    public void Flip_footer_byte_open_throws_with_footer_offset()
    {
        (TableHarness h, _) = BuildTable();
        Region footer = Layout(h).Single(r => r.Kind == "footer");
        for (long at = footer.Start; at < footer.End; at++)
        {
            byte[] d = h.Contents(Name);
            d[at] ^= 0x10;
            var h2 = new TableHarness();
            h2.Replace(Name, d);
            CorruptionException e = Assert.Throws<CorruptionException>(() => h2.Open(Name));
            Assert.Equal(h2.PathOf(Name), e.File);
            Assert.True(footer.Contains(e.Offset), $"byte {at}: offset {e.Offset} outside {footer}");
        }
    }

    [Fact]
    public void Bad_magic_open_throws_at_magic_offset()
    {
        (TableHarness h, _) = BuildTable();
        byte[] d = h.Contents(Name);
        d[^1] ^= 0xFF;
        h.Replace(Name, d);
        CorruptionException e = Assert.Throws<CorruptionException>(() => h.Open(Name));
        Assert.Equal(d.Length - 8, e.Offset);
        Assert.Contains("magic", e.Detail);
    }

    [Fact]
    public void Unsupported_format_version_with_valid_footer_checksum_throws()
    {
        (TableHarness h, _) = BuildTable();
        byte[] d = h.Contents(Name);
        int footer = d.Length - TableFormat.FooterSize;
        BinaryPrimitives.WriteUInt32LittleEndian(d.AsSpan(footer + 41), TableFormat.CurrentVersion + 1);
        Checksum.WriteMasked(d.AsSpan(footer + 45), d.AsSpan(footer, 45));
        h.Replace(Name, d);
        CorruptionException e = Assert.Throws<CorruptionException>(() => h.Open(Name));
        Assert.Equal(footer + 41, e.Offset);
        Assert.Contains("version", e.Detail);
    }

    [Fact]
    public void Footer_handle_past_end_with_valid_footer_checksum_throws()
    {
        (TableHarness h, _) = BuildTable();
        byte[] d = h.Contents(Name);
        int footer = d.Length - TableFormat.FooterSize;
        d.AsSpan(footer + 1, TableFormat.HandlesSize).Clear();
        var bogus = new BlockHandle((ulong)d.Length * 2, 100);
        int n = bogus.EncodeTo(d.AsSpan(footer + 1));
        bogus.EncodeTo(d.AsSpan(footer + 1 + n));
        Checksum.WriteMasked(d.AsSpan(footer + 45), d.AsSpan(footer, 45));
        h.Replace(Name, d);
        CorruptionException e = Assert.Throws<CorruptionException>(() => h.Open(Name));
        Assert.InRange(e.Offset, 0, d.Length);
    }

    [Fact]
    public void Truncated_open_throws()
    {
        (TableHarness h, _) = BuildTable();
        byte[] d = h.Contents(Name);
        foreach (int length in new[] { 0, 1, TableFormat.FooterSize - 1, TableFormat.FooterSize, d.Length / 2, d.Length - TableFormat.FooterSize, d.Length - 1 })
        {
            var h2 = new TableHarness();
            h2.Replace(Name, d.AsSpan(0, length));
            CorruptionException e = Assert.Throws<CorruptionException>(() => h2.Open(Name));
            Assert.Equal(h2.PathOf(Name), e.File);
            Assert.True(e.Offset >= 0 && e.Offset <= length, $"length {length}: offset {e.Offset}");
        }
    }

    [Fact]
    public void Extended_with_garbage_open_throws()
    {
        (TableHarness h, _) = BuildTable();
        byte[] d = h.Contents(Name);
        h.Replace(Name, [.. d, .. new byte[100]]);
        Assert.Throws<CorruptionException>(() => h.Open(Name));
    }

    [Fact]
    public void Every_byte_flipped_is_detected_in_its_own_block_never_wrong_data()
    {
        // Exhaustive: each byte of a small table flipped in turn (two patterns).
        (TableHarness h, var entries) = BuildTable(count: 20, blockSize: 96);
        List<Region> layout = Layout(h);
        byte[] original = h.Contents(Name);
        foreach (byte mask in new byte[] { 0x01, 0xFF })
        {
            for (int at = 0; at < original.Length; at++)
            {
                byte[] d = (byte[])original.Clone();
                d[at] ^= mask;
                var h2 = new TableHarness();
                h2.Replace(Name, d);
                CorruptionException? e = ReadEverything(h2, entries);
                Region damaged = layout.Single(r => r.Contains(at));
                Assert.True(e is not null, $"byte {at} ({damaged.Kind}) flipped with 0x{mask:x2} went unnoticed");
                Assert.Equal(h2.PathOf(Name), e.File);
                Assert.True(damaged.Contains(e.Offset), $"byte {at} in {damaged}: reported offset {e.Offset} ({e.Detail})");
            }
        }
    }
}
