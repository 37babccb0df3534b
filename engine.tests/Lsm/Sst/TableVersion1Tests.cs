using AimLsm.Kv;
using System.Buffers.Binary;
using System.Text;
using AimLsm.Kv.Common;
using AimLsm.Kv.Keys;
using AimLsm.Kv.Sst;

namespace AimLsm.Tests.Lsm.Sst;

/// <summary>
/// Tables of format version 1 (written before issue 4: no filter block, no compression) must stay readable.
/// The fixture was written by the version-1 code (commit 9378559) with block size 256 and restart interval 4:
/// keys key000..key039 (value "value-i-" and i%13 copies of a letter, at sequence i+1), a newer Deletion (sequence
/// 100+i) of every key with i%7 == 3, and the range tombstone [key030, key035) at sequence 200.
/// </summary>
public class TableVersion1Tests
{
    private const string Name = "v1.sst";

    private static readonly byte[] Fixture = Convert.FromBase64String(
          "AA4Ia2V5MDAwAQEAAAAAAAB2YWx1ZS0wLQUJCTEBAgAAAAAAAHZhbHVlLTEtYgUJCjIBAwAAAAAAAHZhbHVlLTItY2MFCQAzAGcAAAAAAAAADgtr"
        + "ZXkwMDMBBAAAAAAAAHZhbHVlLTMtZGRkBQkMNAEFAAAAAAAAdmFsdWUtNC1lZWVlBQkNNQEGAAAAAAAAdmFsdWUtNS1mZmZmZgUJDjYBBwAAAAAA"
        + "AHZhbHVlLTYtZ2dnZ2dnAA4Pa2V5MDA3AQgAAAAAAAB2YWx1ZS03LWhoaGhoaGgFCRA4AQkAAAAAAAB2YWx1ZS04LWlpaWlpaWlpAAAAAFAAAAC3"
        + "AAAAAwAAAADxLsmOAA4Ra2V5MDA5AQoAAAAAAAB2YWx1ZS05LWpqampqampqagQKADEwAG4AAAAAAAAGCBMBCwAAAAAAAHZhbHVlLTEwLWtra2tr"
        + "a2tra2sFCRQxAQwAAAAAAAB2YWx1ZS0xMS1sbGxsbGxsbGxsbAAOFWtleTAxMgENAAAAAAAAdmFsdWUtMTItbW1tbW1tbW1tbW1tBQkJMwEOAAAA"
        + "AAAAdmFsdWUtMTMtBQkKNAEPAAAAAAAAdmFsdWUtMTQtbwUJCzUBEAAAAAAAAHZhbHVlLTE1LXBwAA4Ma2V5MDE2AREAAAAAAAB2YWx1ZS0xNi1x"
        + "cXEAAAAAbQAAANUAAAADAAAAAMdwAVkADgBrZXkwMTcAdQAAAAAAAAYIDQESAAAAAAAAdmFsdWUtMTctcnJycgUJDjgBEwAAAAAAAHZhbHVlLTE4"
        + "LXNzc3NzBQkPOQEUAAAAAAAAdmFsdWUtMTktdHR0dHR0AA4Qa2V5MDIwARUAAAAAAAB2YWx1ZS0yMC11dXV1dXV1BQkRMQEWAAAAAAAAdmFsdWUt"
        + "MjEtdnZ2dnZ2dnYFCRIyARcAAAAAAAB2YWx1ZS0yMi13d3d3d3d3d3cFCRMzARgAAAAAAAB2YWx1ZS0yMy14eHh4eHh4eHh4AA4Aa2V5MDI0AHwA"
        + "AAAAAAAGCBQBGQAAAAAAAHZhbHVlLTI0LXl5eXl5eXl5eXl5AAAAAF4AAADZAAAAAwAAAAD61K17AA4Va2V5MDI1ARoAAAAAAAB2YWx1ZS0yNS16"
        + "enp6enp6enp6enoFCQk2ARsAAAAAAAB2YWx1ZS0yNi0FCQo3ARwAAAAAAAB2YWx1ZS0yNy1iBQkLOAEdAAAAAAAAdmFsdWUtMjgtY2MADgxrZXkw"
        + "MjkBHgAAAAAAAHZhbHVlLTI5LWRkZAQKDTMwAR8AAAAAAAB2YWx1ZS0zMC1lZWVlBQkAMQCDAAAAAAAABggOASAAAAAAAAB2YWx1ZS0zMS1mZmZm"
        + "ZgAOD2tleTAzMgEhAAAAAAAAdmFsdWUtMzItZ2dnZ2dnBQkQMwEiAAAAAAAAdmFsdWUtMzMtaGhoaGhoaAAAAABoAAAAxAAAAAMAAAAAVy4tiAAO"
        + "EWtleTAzNAEjAAAAAAAAdmFsdWUtMzQtaWlpaWlpaWkFCRI1ASQAAAAAAAB2YWx1ZS0zNS1qampqampqamoFCRM2ASUAAAAAAAB2YWx1ZS0zNi1r"
        + "a2tra2tra2trBQkUNwEmAAAAAAAAdmFsdWUtMzctbGxsbGxsbGxsbGwADgBrZXkwMzgAigAAAAAAAAYIFQEnAAAAAAAAdmFsdWUtMzgtbW1tbW1t"
        + "bW1tbW1tBQkJOQEoAAAAAAAAdmFsdWUtMzktAAAAAH8AAAACAAAAABJdTioADgZrZXkwMzAPyAAAAAAAAGtleTAzNQAAAAABAAAAAN9noEcAFAVh"
        + "aW1sc20uY3JlYXRpb24udGltZe3ultgGABIBYWltbHNtLmRhdGEuYmxvY2tzBQAQAmFpbWxzbS5kYXRhLnNpemWYCgAQAWFpbWxzbS5kZWxldGlv"
        + "bnMGAA4BYWltbHNtLmVudHJpZXMuABUBYWltbHNtLmZvcm1hdC52ZXJzaW9uAQARAmFpbWxzbS5pbmRleC5zaXplgAEAFgFhaW1sc20ucmFuZ2Uu"
        + "ZGVsZXRpb25zAQATAmFpbWxzbS5yYXcua2V5LnNpemWEBQAVAmFpbWxzbS5yYXcudmFsdWUuc2l6ZcgEABICYWltbHNtLnNlcS5sYXJnZXN0yAEA"
        + "EwFhaW1sc20uc2VxLnNtYWxsZXN0AQAAAAAcAAAAMgAAAEcAAABbAAAAbQAAAIYAAACcAAAAtgAAAM4AAADoAAAA/wAAAAwAAAAAvnOchAARBGFp"
        + "bWxzbS5wcm9wZXJ0aWVzvArKAgAQA2FpbWxzbS5yYW5nZV9kZWyYCh8AAAAAGAAAAAIAAAAAwAf0/QAOA2tleTAwOAEJAAAAAAAAAIMCAA4Ea2V5"
        + "MDE2AREAAAAAAACIAoICAA4Ea2V5MDI0ARkAAAAAAACPBJkCAA4Ea2V5MDMzASIAAAAAAACtBpACAA4Ea2V5MDM5ASgAAAAAAADCCNEBAAAAABQA"
        + "AAApAAAAPgAAAFMAAAAFAAAAAIN0Zl4Biw06yg2AAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEAAADVTX0lQUlNTFNNU1M=");

    private static TableHarness Load()
    {
        var h = new TableHarness();
        h.Replace(Name, Fixture);
        return h;
    }

    private static byte[] B(string s) => System.Text.Encoding.ASCII.GetBytes(s);

    private static string ValueOf(int i) => "value-" + i + "-" + new string((char)('a' + (i % 26)), i % 13);

    [Fact]
    public void Version_1_table_still_reads()
    {
        TableHarness h = Load();
        using TableReader table = h.Open(Name);
        Assert.Equal(1u, table.FormatVersion);
        Assert.False(table.HasFilter);
        Assert.Equal(1UL, table.Properties.FormatVersion);

        List<(byte[] Key, byte[] Value)> all = TableHarness.Scan(table);
        Assert.Equal(40 + 6, all.Count); // 40 values, deletions of 3, 10, 17, 24, 31, 38
        Assert.Equal(40UL + 6, table.Properties.Entries);
        for (int i = 0; i < 40; i++)
        {
            byte[] user = B("key" + i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture));
            var latest = TableHarness.Get(table, user, InternalKey.MaxSequence);
            Assert.True(latest.Found);
            if (i % 7 == 3)
            {
                Assert.Equal(EntryType.Deletion, latest.Type);
                Assert.Equal((ulong)(100 + i), latest.Sequence);
            }
            else
            {
                Assert.Equal(EntryType.Value, latest.Type);
                Assert.Equal(ValueOf(i), System.Text.Encoding.ASCII.GetString(latest.Value!));
            }
            var old = TableHarness.Get(table, user, (ulong)(i + 1));
            Assert.Equal(ValueOf(i), System.Text.Encoding.ASCII.GetString(old.Value!));
        }
        Assert.False(TableHarness.Get(table, B("key999"), InternalKey.MaxSequence).Found);
        Assert.Single(table.RawTombstones);
        Assert.Equal(200UL, table.RawTombstones[0].Sequence);
    }

    [Fact]
    public void Version_1_table_reads_through_the_block_cache()
    {
        TableHarness h = Load();
        var cache = new AimLsm.Kv.Cache.BlockCache(1 << 20);
        using TableReader table = h.Open(Name, cache: cache);
        Assert.Equal(46, TableHarness.Scan(table).Count);
        Assert.Equal(46, TableHarness.Scan(table).Count);
        Assert.True(cache.Hits > 0);
    }

    [Fact]
    public void Version_1_table_compression_type_4_is_corruption()
    {
        // Version 1 never wrote LZ4: a type-4 block there is damage, even with a valid checksum.
        byte[] d = (byte[])Fixture.Clone();
        int footer = d.Length - TableFormat.FooterSize;
        int n = BlockHandle.TryDecode(d.AsSpan(footer + 1), out _);
        BlockHandle.TryDecode(d.AsSpan(footer + 1 + n), out BlockHandle index);
        var it = new BlockIterator(internalKeys: true);
        it.Reset(d, (int)index.Offset, (int)index.Size, Name, (long)index.Offset);
        it.SeekToFirst();
        BlockHandle.TryDecode(it.Value, out BlockHandle first);
        Assert.Equal(0UL, first.Offset);
        int typeAt = (int)first.Size;
        d[typeAt] = (byte)CompressionType.Lz4;
        BinaryPrimitives.WriteUInt32LittleEndian(d.AsSpan(typeAt + 1), Checksum.ComputeMasked(d.AsSpan(0, typeAt + 1)));

        var h = new TableHarness();
        h.Replace(Name, d);
        using TableReader table = h.Open(Name);
        CorruptionException e = Assert.Throws<CorruptionException>(() => TableHarness.Scan(table));
        Assert.Equal(h.PathOf(Name), e.File);
        Assert.Equal(typeAt, e.Offset);
        Assert.Contains("compression type 4", e.Detail);
    }
}
