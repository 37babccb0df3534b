using System.Runtime.CompilerServices;

namespace AimLsm.Kv.Common;

/// <summary>
/// LEB128 unsigned varints, as LevelDB's <c>coding.h</c> writes them: seven bits per byte, low group first,
/// the high bit set on every byte but the last. Part of every on-disk format (docs/format.md, "Varints").
/// </summary>
public static class Varint
{
    /// <summary>The longest encoding of a 32-bit value.</summary>
    public const int MaxLength32 = 5;

    /// <summary>The longest encoding of a 64-bit value.</summary>
    public const int MaxLength64 = 10;

    /// <summary>How many bytes <paramref name="value"/> takes encoded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Length(ulong value)
    {
        // 1 + floor(bits / 7), computed without a loop.
        int bits = 64 - System.Numerics.BitOperations.LeadingZeroCount(value | 1);
        return (bits + 6) / 7;
    }

    /// <summary>Writes <paramref name="value"/> at the start of <paramref name="dest"/>; returns the bytes written.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Write(Span<byte> dest, ulong value)
    {
        int i = 0;
        while (value >= 0x80)
        {
            dest[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        dest[i++] = (byte)value;
        return i;
    }

    /// <summary>
    /// Reads a varint from the start of <paramref name="src"/>. Returns the bytes consumed, or 0 when the input
    /// ends inside the varint or the varint is longer than <paramref name="maxLength"/> (corrupt input).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int TryRead(ReadOnlySpan<byte> src, out ulong value, int maxLength = MaxLength64)
    {
        if (src.Length > 0 && src[0] < 0x80)
        {
            value = src[0];
            return 1;
        }
        return TryReadSlow(src, out value, maxLength);
    }

    private static int TryReadSlow(ReadOnlySpan<byte> src, out ulong value, int maxLength)
    {
        ulong result = 0;
        int limit = Math.Min(src.Length, maxLength);
        for (int i = 0, shift = 0; i < limit; i++, shift += 7)
        {
            byte b = src[i];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                value = result;
                return i + 1;
            }
        }
        value = 0;
        return 0;
    }

    /// <summary>Reads a varint that must fit in 32 bits; 0 on truncated or oversized input.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int TryRead32(ReadOnlySpan<byte> src, out uint value)
    {
        int n = TryRead(src, out ulong v, MaxLength32);
        if (n == 0 || v > uint.MaxValue)
        {
            value = 0;
            return 0;
        }
        value = (uint)v;
        return n;
    }
}
