using AimLsm.Kv;
using System.Text;
using AimLsm.Kv.Keys;

namespace AimLsm.Tests.Lsm.Keys;

public class WriteBatchTests
{
    private static byte[] B(string s) => System.Text.Encoding.ASCII.GetBytes(s);

    [Fact]
    public void New_is_empty()
    {
        var batch = new WriteBatch();
        Assert.Equal(0, batch.Count);
        Assert.Equal(WriteBatch.HeaderSize, batch.DataSize);
        Assert.Equal(new byte[WriteBatch.HeaderSize], batch.Data.ToArray());
    }

    [Fact]
    public void Count_counts_every_kind_of_update()
    {
        var batch = new WriteBatch();
        batch.Put(B("a"), B("1")).Delete(B("b")).DeleteRange(B("c"), B("d"));
        Assert.Equal(3, batch.Count);
    }

    [Fact]
    public void Encoding_is_rocks_db_layout()
    {
        var batch = new WriteBatch();
        batch.Put(B("k"), B("vv"));
        batch.Delete(B("d"));
        batch.DeleteRange(B("a"), B("b"));
        batch.Sequence = 0x0102;
        byte[] expected =
        [
            0x02, 0x01, 0, 0, 0, 0, 0, 0, // sequence
            3, 0, 0, 0,                   // count
            0x01, 1, (byte)'k', 2, (byte)'v', (byte)'v',
            0x00, 1, (byte)'d',
            0x0F, 1, (byte)'a', 1, (byte)'b',
        ];
        Assert.Equal(expected, batch.Data.ToArray());
        Assert.Equal(expected.Length, batch.DataSize);
    }

    [Fact]
    public void Clear_empties_and_allows_reuse()
    {
        var batch = new WriteBatch();
        batch.Put(B("a"), B("1"));
        batch.Sequence = 9;
        batch.Clear();
        Assert.Equal(0, batch.Count);
        Assert.Equal(WriteBatch.HeaderSize, batch.DataSize);
        Assert.Equal(0UL, batch.Sequence);
        batch.Put(B("b"), B("2"));
        Assert.Equal(1, batch.Count);
        var reader = new BatchReader(batch.Data);
        Assert.True(reader.Next(out EntryType t, out ReadOnlySpan<byte> k, out ReadOnlySpan<byte> v));
        Assert.Equal(EntryType.Value, t);
        Assert.Equal("b", System.Text.Encoding.ASCII.GetString(k));
        Assert.Equal("2", System.Text.Encoding.ASCII.GetString(v));
        Assert.False(reader.Next(out _, out _, out _));
    }

    [Fact]
    public void Grows_for_many_and_large_updates()
    {
        var batch = new WriteBatch();
        byte[] big = new byte[100_000];
        for (int i = 0; i < 1000; i++)
        {
            batch.Put(B($"key{i:D4}"), B($"value{i}"));
        }
        batch.Put(B("big"), big);
        Assert.Equal(1001, batch.Count);
        var reader = new BatchReader(batch.Data);
        int n = 0;
        while (reader.Next(out _, out ReadOnlySpan<byte> key, out ReadOnlySpan<byte> value))
        {
            if (n < 1000)
            {
                Assert.Equal($"key{n:D4}", System.Text.Encoding.ASCII.GetString(key));
            }
            else
            {
                Assert.Equal(big.Length, value.Length);
            }
            n++;
        }
        Assert.Equal(1001, n);
    }

    [Fact]
    public void Delete_range_begin_after_end_throws()
    {
        var batch = new WriteBatch();
        ArgumentException e = Assert.Throws<ArgumentException>(() => batch.DeleteRange(B("b"), B("a")));
        Assert.Equal("begin", e.ParamName);
        Assert.Equal(0, batch.Count);
    }

    [Fact]
    public void Delete_range_begin_equals_end_is_allowed()
    {
        var batch = new WriteBatch();
        batch.DeleteRange(B("a"), B("a"));
        Assert.Equal(1, batch.Count);
    }

    [Fact]
    public void Delete_range_prefix_begin_shorter_than_end_is_allowed()
    {
        var batch = new WriteBatch();
        batch.DeleteRange(B("a"), B("ab"));
        Assert.Throws<ArgumentException>(() => batch.DeleteRange(B("ab"), B("a")));
        Assert.Equal(1, batch.Count);
    }

    [Fact]
    public void Key_at_limit_accepted_above_limit_rejected()
    {
        var batch = new WriteBatch();
        byte[] atLimit = new byte[Limits.MaxKeySize];
        byte[] above = new byte[Limits.MaxKeySize + 1];
        batch.Put(atLimit, []);
        Assert.Equal("key", Assert.Throws<ArgumentException>(() => batch.Put(above, [])).ParamName);
        Assert.Equal("key", Assert.Throws<ArgumentException>(() => batch.Delete(above)).ParamName);
        Assert.Equal("begin", Assert.Throws<ArgumentException>(() => batch.DeleteRange(above, above)).ParamName);
        Assert.Equal("end", Assert.Throws<ArgumentException>(() => batch.DeleteRange([], above)).ParamName);
        Assert.Equal(1, batch.Count);
    }

    [Fact]
    public void Value_above_limit_rejected()
    {
        var batch = new WriteBatch();
        byte[] above = GC.AllocateUninitializedArray<byte>(Limits.MaxValueSize + 1);
        ArgumentException e = Assert.Throws<ArgumentException>(() => batch.Put(B("k"), above));
        Assert.Equal("value", e.ParamName);
        Assert.Equal(0, batch.Count);
        Assert.Equal(WriteBatch.HeaderSize, batch.DataSize);
    }

    [Fact]
    public void Limits_values()
    {
        Assert.Equal(1 << 20, Limits.MaxKeySize);
        Assert.Equal(256 << 20, Limits.MaxValueSize);
        Assert.Equal(1 << 30, Limits.MaxBatchSize);
    }
}
