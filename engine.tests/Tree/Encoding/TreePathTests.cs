using System.Buffers;
using AimLsm.Encoding;

namespace AimLsm.Tests.Tree.Encoding;

/// <summary>Golden bytes and edge cases of the path encoding (docs/format.md, section 12.2).</summary>
public class TreePathTests
{
    internal static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    internal static int Sign(int c) => Math.Sign(c);

    [Fact]
    public void Hparams_lr_matches_Aim()
    {
        Assert.Equal(Hex("68 70 61 72 61 6d 73 fe 6c 72 fe"), TreePath.Encode(["hparams", "lr"]));
    }

    [Fact]
    public void Mixed_path_from_the_Aim_notes()
    {
        // ('foo', 19, 'α-γ')
        Assert.Equal(
            Hex("66 6f 6f fe | fe 00 00 00 00 00 00 00 13 fe | ce b1 2d ce b3 fe".Replace("|", "", StringComparison.Ordinal)),
            TreePath.Encode(["foo", 19, "α-γ"]));
    }

    [Theory]
    [InlineData(0L, "fe 00 00 00 00 00 00 00 00 fe")]
    [InlineData(1L, "fe 00 00 00 00 00 00 00 01 fe")]
    [InlineData(-1L, "fe ff ff ff ff ff ff ff ff fe")]
    [InlineData(long.MaxValue, "fe 7f ff ff ff ff ff ff ff fe")]
    [InlineData(long.MinValue, "fe 80 00 00 00 00 00 00 00 fe")]
    [InlineData(0x0102030405060708L, "fe 01 02 03 04 05 06 07 08 fe")]
    public void Int_segment_is_fe_then_big_endian_int64_then_fe(long value, string hex)
    {
        byte[] encoded = TreePath.Encode([value]);
        Assert.Equal(Hex(hex), encoded);
        Assert.Equal([new PathSegment(value)], TreePath.Decode(encoded));
    }

    [Fact]
    public void Int_payload_may_contain_fe_and_ff()
    {
        long tricky = unchecked((long)0xFEFEFFFEFF00FEFEUL);
        PathSegment[] path = ["a", tricky, "b"];
        Assert.Equal(path, TreePath.Decode(TreePath.Encode(path)));
    }

    [Fact]
    public void Empty_path_encodes_to_nothing()
    {
        Assert.Empty(TreePath.Encode([]));
        Assert.Empty(TreePath.Decode([]));
    }

    [Fact]
    public void Negative_int_segments_sort_after_positive_ones_Aim_quirk()
    {
        byte[] minusOne = TreePath.Encode(["val", -1]);
        byte[] zero = TreePath.Encode(["val", 0]);
        byte[] max = TreePath.Encode(["val", long.MaxValue]);
        byte[] min = TreePath.Encode(["val", long.MinValue]);
        Assert.True(zero.AsSpan().SequenceCompareTo(max) < 0);
        Assert.True(max.AsSpan().SequenceCompareTo(min) < 0, "long.MinValue sorts after long.MaxValue");
        Assert.True(min.AsSpan().SequenceCompareTo(minusOne) < 0, "among negatives, order is numeric: MinValue .. -1");
    }

    [Fact]
    public void A_str_segment_sorts_after_its_own_extensions_separator_quirk()
    {
        // "ab" + FE vs "abc" + FE: at byte 2, FE > 'c'. The separator is the largest byte UTF-8 can sit next to.
        byte[] ab = TreePath.Encode(["ab"]);
        byte[] abc = TreePath.Encode(["abc"]);
        Assert.True(abc.AsSpan().SequenceCompareTo(ab) < 0);
    }

    [Fact]
    public void Int_children_sort_after_str_children()
    {
        byte[] str = TreePath.Encode(["x", "\U0010FFFF"]);
        byte[] int0 = TreePath.Encode(["x", 0]);
        Assert.True(str.AsSpan().SequenceCompareTo(int0) < 0);
    }

    [Fact]
    public void Subtree_bounds_contain_exactly_the_subtree()
    {
        byte[] prefix = TreePath.Encode(["meta", "chunks", "0a1b"]);
        byte[] upper = TreePath.SubtreeUpperBound(prefix);
        Assert.Equal([.. prefix, 0xFF], upper);

        bool Inside(byte[] key) => key.AsSpan().SequenceCompareTo(prefix) >= 0 && key.AsSpan().SequenceCompareTo(upper) < 0;
        Assert.True(Inside(prefix));
        Assert.True(Inside(TreePath.Encode(["meta", "chunks", "0a1b", "attrs"])));
        Assert.True(Inside(TreePath.Encode(["meta", "chunks", "0a1b", long.MinValue, "\U0010FFFF"])));
        Assert.True(Inside(TreePath.Encode(["meta", "chunks", "0a1b", -1, -1])));
        Assert.False(Inside(TreePath.Encode(["meta", "chunks", "0a1b2"])));
        Assert.False(Inside(TreePath.Encode(["meta", "chunks", "0a1"])));
        Assert.False(Inside(TreePath.Encode(["meta", "chunks", "0a1c"])));
        Assert.False(Inside(TreePath.Encode(["meta", "chunks"])));
    }

    [Fact]
    public void Root_subtree_bound_is_ff()
    {
        Assert.Equal([0xFF], TreePath.SubtreeUpperBound([]));
    }

    [Fact]
    public void Empty_str_segment_is_an_ArgumentException_naming_its_index()
    {
        var ex = Assert.Throws<ArgumentException>(() => TreePath.Encode(["a", 1, ""]));
        Assert.Contains("segment 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lone_surrogate_is_an_ArgumentException_naming_its_index()
    {
        var ex = Assert.Throws<ArgumentException>(() => TreePath.Encode(["ok", "bad\uD800"]));
        Assert.Contains("segment 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_into_a_span_and_into_a_buffer_writer_agree()
    {
        PathSegment[] path = ["hparams", 3, "€"];
        Span<byte> span = stackalloc byte[64];
        int n = TreePath.Write(span, path);
        Assert.Equal(TreePath.GetEncodedLength(path), n);
        var writer = new ArrayBufferWriter<byte>();
        TreePath.Encode(writer, path);
        Assert.Equal(span[..n].ToArray(), writer.WrittenSpan.ToArray());
        Assert.Throws<ArgumentException>(() => TreePath.Write(new byte[n - 1], path));
    }

    [Fact]
    public void Reader_walks_segments_without_materializing()
    {
        byte[] encoded = TreePath.Encode(["lr", -5, "α"]);
        var reader = new TreePathReader(encoded);
        Assert.True(reader.MoveNext());
        Assert.False(reader.IsInt);
        Assert.True(reader.Utf8.SequenceEqual("lr"u8));
        Assert.True(reader.MoveNext());
        Assert.True(reader.IsInt);
        Assert.Equal(-5, reader.Int);
        Assert.Equal(3, reader.SegmentOffset);
        Assert.True(reader.MoveNext());
        Assert.Equal("α", reader.Current.String);
        Assert.Equal(encoded.Length, reader.Consumed);
        Assert.False(reader.MoveNext());
    }

    [Fact]
    public void Walking_a_path_and_reading_a_value_allocate_nothing()
    {
        byte[] path = TreePath.Encode(["meta", "chunks", "0a1b", 42, "val", -7]);
        byte[] value = [0x02, 1, 0, 0, 0, 0, 0, 0, 0];
        long sum = Walk(path, value); // warm up (JIT)
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            sum += Walk(path, value);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(101 * (42 - 7 + 4 + 6 + 4 + 3 + 1), sum);
    }

    private static long Walk(ReadOnlySpan<byte> path, ReadOnlySpan<byte> value)
    {
        long sum = 0;
        var reader = new TreePathReader(path);
        while (reader.MoveNext())
        {
            sum += reader.IsInt ? reader.Int : reader.Utf8.Length;
        }

        return sum + AimValue.Parse(value).AsLong();
    }

    [Theory]
    [InlineData("61 62", 2, "not terminated")]
    [InlineData("fe 00 00 00 00 00 00 00", 0, "int segment needs 10 bytes")]
    [InlineData("fe 00 00 00 00 00 00 00 01 61", 9, "expected separator")]
    [InlineData("61 fe ff fe", 2, "not valid UTF-8")]
    [InlineData("c3 fe", 0, "not valid UTF-8")]
    public void Malformed_paths_are_AimFormatExceptions_with_the_offset(string hex, int offset, string what)
    {
        var ex = Assert.Throws<AimFormatException>(() => TreePath.Decode(Hex(hex)));
        Assert.Equal(offset, ex.Offset);
        Assert.Contains($"offset {offset}", ex.Message, StringComparison.Ordinal);
        Assert.Contains(what, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Segment_formatting_is_python_like()
    {
        Assert.Equal("('hparams', 'lr', 0)", PathSegment.Format(["hparams", "lr", 0]));
        Assert.Equal("('a',)", PathSegment.Format(["a"]));
        Assert.Equal("()", PathSegment.Format([]));
    }
}
