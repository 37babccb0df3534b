using System.Buffers;
using AimLsm.Tree.Sequences;
using FsCheck;
using FsCheck.Fluent;

namespace AimLsm.Tests.Tree.Sequences;

/// <summary>
/// Float values of chunk format 2 keep every double bit for bit (NaN payloads, -0.0, infinities, subnormals, mixed
/// signs), and cost what their spread needs: float32 values widened to double drop their 29 zero bits.
/// </summary>
public class FloatColumnTests
{
    private static readonly Config Quick = Config.QuickThrowOnFailure.WithMaxTest(500).WithQuietOnSuccess(true);

    private static readonly double[] Specials =
        [0.0, -0.0, double.NaN, BitConverter.Int64BitsToDouble(0x7FF0_0000_0000_0123), double.PositiveInfinity,
         double.NegativeInfinity, double.Epsilon, -double.Epsilon, double.MaxValue, double.MinValue, 1.0, -1.0];

    private static readonly Gen<long[]> Columns =
        from count in Gen.Choose(1, 400)
        from kind in Gen.Choose(0, 3)
        from seed in Gen.Choose(0, int.MaxValue)
        select Build(count, kind, seed);

    private static long[] Build(int count, int kind, int seed)
    {
        var rng = new Random(seed);
        var bits = new long[count];
        for (int i = 0; i < count; i++)
        {
            double v = kind switch
            {
                0 => rng.NextDouble() * 2 - 1,                          // full precision, both signs
                1 => (float)(0.5 + (0.01 * rng.NextDouble())),           // a float32 curve
                2 => Specials[rng.Next(Specials.Length)],
                _ => BitConverter.Int64BitsToDouble(rng.NextInt64(long.MinValue, long.MaxValue)),
            };
            bits[i] = BitConverter.DoubleToInt64Bits(v);
        }

        return bits;
    }

    [Fact]
    public void Every_double_reads_back_bit_for_bit()
    {
        Property prop = Prop.ForAll(Arb.From(Columns), bits =>
        {
            var writer = new ArrayBufferWriter<byte>();
            FloatColumn.Write(writer, bits, new long[bits.Length]);
            int used = FloatColumn.Read(writer.WrittenSpan, bits.Length, "test floats", 0, out int shift, out IntColumnView keys);
            Assert.Equal(writer.WrittenCount, used);
            var copied = new long[bits.Length];
            keys.CopyTo(0, copied);
            for (int i = 0; i < bits.Length; i++)
            {
                Assert.Equal(bits[i], BitConverter.DoubleToInt64Bits(FloatColumn.FromKey(keys[i], shift)));
                Assert.Equal(keys[i], copied[i]);
            }
        });
        Check.One(Quick, prop);
    }

    [Fact]
    public void Float32_values_cost_their_mantissa_not_eight_bytes()
    {
        // 256 float32 values of uniform noise in [1, 2): 23 random bits each, 736 bytes of entropy.
        var rng = new Random(9);
        long[] bits = [.. Enumerable.Range(0, 256).Select(_ => BitConverter.DoubleToInt64Bits((float)(1 + rng.NextDouble())))];
        var writer = new ArrayBufferWriter<byte>();
        FloatColumn.Write(writer, bits, new long[bits.Length]);
        Assert.InRange(writer.WrittenCount, 736, 736 + 24);
    }
}
