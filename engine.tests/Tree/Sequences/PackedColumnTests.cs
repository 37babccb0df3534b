using System.Buffers;
using AimLsm.Tree.Sequences;
using FsCheck;
using FsCheck.Fluent;

namespace AimLsm.Tests.Tree.Sequences;

/// <summary>
/// A packed column (chunk format 2) reads back what was written, entry by entry and through <c>CopyTo</c> over any
/// window, for every width from 0 to 64 bits (the generators spread values to force each, extremes included), and it
/// takes no more bytes than its widest residual needs.
/// </summary>
public class PackedColumnTests
{
    private static readonly Config Quick = Config.QuickThrowOnFailure.WithMaxTest(1_000).WithQuietOnSuccess(true);

    private static readonly Gen<long[]> Columns =
        from count in Gen.Choose(1, 600)
        from bits in Gen.Choose(0, 64)
        from origin in Gen.Elements(0L, -5L, 1_700_000_000_000_000L, long.MinValue, long.MaxValue)
        from slope in Gen.Elements(0L, 1L, 100L, -3L, 40_000L, long.MaxValue / 1000)
        from seed in Gen.Choose(0, int.MaxValue)
        select Build(count, bits, origin, slope, seed);

    private static long[] Build(int count, int bits, long origin, long slope, int seed)
    {
        var rng = new Random(seed);
        var values = new long[count];
        for (int i = 0; i < count; i++)
        {
            ulong noise = bits == 0 ? 0 : (ulong)rng.NextInt64() >> (64 - bits) | (bits == 64 && rng.Next(2) == 1 ? 1UL << 63 : 0);
            values[i] = unchecked(origin + (i * slope) + (long)noise);
        }

        return values;
    }

    [Fact]
    public void Every_window_reads_back_what_was_written()
    {
        Property prop = Prop.ForAll(Arb.From(from v in Columns from a in Gen.Choose(0, 1000) from b in Gen.Choose(0, 1000) select (v, a, b)), c =>
        {
            (long[] values, int a, int b) = c;
            ColumnChecks.EveryWindowReadsBack(values, a, b, PackedColumn.Write, PackedColumn.Read);
        });
        Check.One(Quick, prop);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(100, 1)]
    [InlineData(-7, 1_000)]
    public void A_progression_takes_only_its_header(long first, long stride)
    {
        long[] values = [.. Enumerable.Range(0, 256).Select(i => first + (i * stride))];
        var writer = new ArrayBufferWriter<byte>();
        PackedColumn.Write(writer, values);
        Assert.True(writer.WrittenCount <= 1 + 3 + 3, $"{writer.WrittenCount} bytes");
    }

    [Fact]
    public void Jittered_timestamps_pack_their_jitter_not_their_range()
    {
        // 256 timestamps 100 ms apart with up to 1 ms of jitter: the range needs 25 bits, the residuals from the
        // line 10 or 11.
        var rng = new Random(5);
        long[] values = [.. Enumerable.Range(0, 256).Select(i => 1_700_000_000_000_000L + (i * 100_000L) + rng.Next(1000))];
        var writer = new ArrayBufferWriter<byte>();
        PackedColumn.Write(writer, values);
        Assert.InRange(writer.WrittenCount, 256 * 10 / 8, 256 * 11 / 8 + 20);
    }

    [Fact]
    public void A_truncated_column_names_what_is_missing()
    {
        long[] values = [.. Enumerable.Range(0, 100).Select(i => (long)(i * i))];
        var writer = new ArrayBufferWriter<byte>();
        PackedColumn.Write(writer, values);
        var e = Assert.Throws<AimLsm.Encoding.AimFormatException>(
            () => PackedColumn.Read(writer.WrittenSpan[..^1], values.Length, "test column", 7, out _));
        Assert.Contains("test column", e.Message);
        Assert.Contains("bytes of", e.Message);
        byte[] wide = [.. writer.WrittenSpan];
        wide[0] = 65;
        e = Assert.Throws<AimLsm.Encoding.AimFormatException>(() => PackedColumn.Read(wide, values.Length, "test column", 0, out _));
        Assert.Contains("65-bit", e.Message);
    }
}
