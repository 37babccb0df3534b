using System.Buffers;
using System.Numerics;
using AimLsm.Encoding;

namespace AimLsm.Tree.Sequences;

/// <summary>
/// The float values of chunk format version 2 (docs/format.md, section 13.2): each double's bits, less the trailing
/// zero bits every value of the chunk shares, mapped to an int that sorts as the doubles do, as a
/// <see cref="PackedColumn"/>.
/// <code>
/// u8 shift s (0..63) | packed column of keys;  key = v ^ ((v >> 63) &amp; (long.MaxValue >> s)), v = bits >> s (arithmetic)
/// </code>
/// A float32 value widened to a double has 29 trailing zero bits, so s ≥ 29 for a chunk of them; the order-keeping
/// map makes the column's range the number of representable values between the chunk's smallest and largest value,
/// so a curve that moves little costs few bits whatever its sign. Every entry keeps O(1) random access.
/// </summary>
internal static class FloatColumn
{
    /// <summary>Writes the doubles whose bits are <paramref name="bits"/>; <paramref name="keys"/> is scratch of the same length.</summary>
    public static void Write(IBufferWriter<byte> writer, ReadOnlySpan<long> bits, Span<long> keys)
    {
        long any = 0;
        foreach (long b in bits)
        {
            any |= b;
        }

        int shift = any == 0 ? 0 : Math.Min(63, BitOperations.TrailingZeroCount(any));
        long mask = long.MaxValue >> shift;
        for (int i = 0; i < bits.Length; i++)
        {
            long v = bits[i] >> shift;
            keys[i] = v ^ ((v >> 63) & mask);
        }

        writer.GetSpan(1)[0] = (byte)shift;
        writer.Advance(1);
        PackedColumn.Write(writer, keys[..bits.Length]);
    }

    /// <summary>Parses the float values of <paramref name="count"/> records at the start of <paramref name="data"/>.</summary>
    /// <returns>The bytes they take.</returns>
    /// <exception cref="AimFormatException">The column is malformed or truncated.</exception>
    public static int Read(ReadOnlySpan<byte> data, int count, string what, int offset, out int shift, out IntColumnView keys)
    {
        if (data.IsEmpty || data[0] > 63)
        {
            throw new AimFormatException(what, offset, data.IsEmpty ? "the float values are missing" : $"a float shift of {data[0]}; the largest is 63");
        }

        shift = data[0];
        return 1 + PackedColumn.Read(data[1..], count, what, offset + 1, out keys);
    }

    /// <summary>The double whose key, at <paramref name="shift"/>, is <paramref name="key"/>.</summary>
    public static double FromKey(long key, int shift)
    {
        long v = key ^ ((key >> 63) & (long.MaxValue >> shift));
        return BitConverter.Int64BitsToDouble(v << shift);
    }
}
