using AimLsm.Kv;
using System.Buffers.Binary;
using System.Text;
using AimLsm.Kv.Keys;

namespace AimLsm.Tests.Lsm.Keys;

public class BatchReaderTests
{
    private static byte[] B(string s) => System.Text.Encoding.ASCII.GetBytes(s);

    private static List<(EntryType Type, string Key, string Value)> ReadAll(ReadOnlySpan<byte> data)
    {
        var reader = new BatchReader(data);
        Assert.True(reader.HeaderValid);
        var records = new List<(EntryType, string, string)>();
        while (reader.Next(out EntryType type, out ReadOnlySpan<byte> key, out ReadOnlySpan<byte> value))
        {
            records.Add((type, System.Text.Encoding.ASCII.GetString(key), System.Text.Encoding.ASCII.GetString(value)));
        }
        return records;
    }

    private static FormatException ReadExpectingError(byte[] data)
    {
        return Assert.Throws<FormatException>(() =>
        {
            var reader = new BatchReader(data);
            while (reader.Next(out _, out _, out _))
            {
            }
        });
    }

    private static byte[] Header(ulong seq, uint count, params byte[] records)
    {
        byte[] d = new byte[12 + records.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(d, seq);
        BinaryPrimitives.WriteUInt32LittleEndian(d.AsSpan(8), count);
        records.CopyTo(d, 12);
        return d;
    }

    [Fact]
    public void Empty_batch()
    {
        var batch = new WriteBatch();
        var reader = new BatchReader(batch.Data);
        Assert.True(reader.HeaderValid);
        Assert.Equal(0, reader.Count);
        Assert.False(reader.Next(out _, out _, out _));
    }

    [Fact]
    public void Multiple_records_in_order()
    {
        // LevelDB write_batch_test Multiple.
        var batch = new WriteBatch();
        batch.Put(B("foo"), B("bar"));
        batch.Delete(B("box"));
        batch.Put(B("baz"), B("boo"));
        batch.DeleteRange(B("a"), B("c"));
        batch.Sequence = 100;
        var reader = new BatchReader(batch.Data);
        Assert.Equal(100UL, reader.Sequence);
        Assert.Equal(4, reader.Count);
        Assert.Equal(
            new List<(EntryType, string, string)>
            {
                (EntryType.Value, "foo", "bar"),
                (EntryType.Deletion, "box", ""),
                (EntryType.Value, "baz", "boo"),
                (EntryType.RangeDeletion, "a", "c"),
            },
            ReadAll(batch.Data));
    }

    [Fact]
    public void Empty_keys_and_values()
    {
        var batch = new WriteBatch();
        batch.Put([], []);
        batch.Delete([]);
        batch.DeleteRange([], []);
        Assert.Equal(
            new List<(EntryType, string, string)> { (EntryType.Value, "", ""), (EntryType.Deletion, "", ""), (EntryType.RangeDeletion, "", "") },
            ReadAll(batch.Data));
    }

    [Fact]
    public void Short_header_is_invalid()
    {
        Assert.False(new BatchReader(new byte[11]).HeaderValid);
        Assert.False(new BatchReader([]).HeaderValid);
        Assert.True(new BatchReader(new byte[12]).HeaderValid);
    }

    [Fact]
    public void Unknown_tag_throws_naming_offset()
    {
        byte[] data = Header(1, 1, 0x07, 0x01, (byte)'k');
        FormatException e = ReadExpectingError(data);
        Assert.Contains("offset 12", e.Message);
        Assert.Contains("0x07", e.Message);
    }

    [Fact]
    public void Unknown_tag_in_second_record_throws_naming_its_offset()
    {
        byte[] data = Header(1, 2, 0x00, 0x01, (byte)'k', 0x02, 0x01, (byte)'k');
        FormatException e = ReadExpectingError(data);
        Assert.Contains("offset 15", e.Message);
    }

    [Fact]
    public void Key_length_past_end_throws()
    {
        byte[] data = Header(1, 1, 0x01, 0x05, (byte)'k');
        FormatException e = ReadExpectingError(data);
        Assert.Contains("offset 12", e.Message);
    }

    [Fact]
    public void Value_length_past_end_throws()
    {
        byte[] data = Header(1, 1, 0x01, 0x01, (byte)'k', 0x03, (byte)'v');
        Assert.Contains("offset 12", ReadExpectingError(data).Message);
    }

    [Fact]
    public void Tag_with_nothing_after_throws()
    {
        byte[] data = Header(1, 1, 0x01);
        Assert.Contains("offset 12", ReadExpectingError(data).Message);
    }

    [Fact]
    public void Malformed_varint_length_throws()
    {
        byte[] data = Header(1, 1, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01);
        Assert.Contains("offset 12", ReadExpectingError(data).Message);
    }

    [Fact]
    public void Huge_length_does_not_overflow()
    {
        // 0xFFFFFFFF as the key length: the check must not wrap around.
        byte[] data = Header(1, 1, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, (byte)'k');
        ReadExpectingError(data);
    }

    [Fact]
    public void Count_larger_than_records_throws()
    {
        // LevelDB write_batch_test Corruption: the header promises more than the batch holds.
        byte[] data = Header(1, 2, 0x00, 0x01, (byte)'k');
        Assert.Contains("counts 2", ReadExpectingError(data).Message);
    }

    [Fact]
    public void Count_smaller_than_records_throws()
    {
        byte[] data = Header(1, 1, 0x00, 0x01, (byte)'k', 0x00, 0x01, (byte)'j');
        ReadExpectingError(data);
    }

    [Fact]
    public void Truncated_batch_every_prefix_throws_or_is_invalid_never_misreads()
    {
        var batch = new WriteBatch();
        batch.Put(B("key1"), B("value1"));
        batch.Delete(B("key2"));
        batch.DeleteRange(B("a"), B("z"));
        byte[] full = batch.Data.ToArray();
        for (int len = 0; len < full.Length; len++)
        {
            byte[] prefix = full[..len];
            if (!new BatchReader(prefix).HeaderValid)
            {
                Assert.True(len < 12);
                continue;
            }
            ReadExpectingError(prefix);
        }
    }
}
