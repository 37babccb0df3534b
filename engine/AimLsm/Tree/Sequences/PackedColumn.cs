using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AimLsm.Kv.Common;
using AimLsm.Encoding;

namespace AimLsm.Tree.Sequences;

/// <summary>
/// The int column of chunk format version 2 (docs/format.md, section 13.3): a line plus bit-packed residuals, so
/// every entry is read in O(1) and a column that is constant or an arithmetic progression (steps 0, 1, 2, ...) has
/// no body at all.
/// <code>
/// u8 width w (0..64) | zigzag varint base | zigzag varint slope | ceil(count x w / 8) bytes of residuals
/// entry i = base + i x slope + r_i (mod 2^64), r_i the w-bit unsigned at bit i x w, LSB first
/// </code>
/// The writer tries two lines, slope 0 (frame of reference: base is the minimum) and the slope from the first to the
/// last entry (for timestamps and smooth curves, whose residuals from that line are narrower than their range), and
/// keeps the narrower.
/// </summary>
internal static class PackedColumn
{
    /// <summary>Writes <paramref name="values"/> as a packed column.</summary>
    public static void Write(IBufferWriter<byte> writer, ReadOnlySpan<long> values)
    {
        long min = values[0], max = values[0];
        for (int i = 1; i < values.Length; i++)
        {
            min = Math.Min(min, values[i]);
            max = Math.Max(max, values[i]);
        }

        long baseValue = min, slope = 0;
        ulong range = unchecked((ulong)(max - min));
        if (values.Length > 2 && range > 0 && range < (1UL << 61))
        {
            // Residuals from the line through the first and last entries. With the range below 2^61, every
            // |v_i - v_0| and |slope x i| is below 2^61, so a residual fits a long: no wrap-around can make a wide
            // column look narrow. (Wider columns keep slope 0.)
            long candidate = (values[^1] - values[0]) / (values.Length - 1);
            long low = long.MaxValue, high = long.MinValue;
            for (int i = 0; i < values.Length; i++)
            {
                long r = values[i] - values[0] - (candidate * i);
                low = Math.Min(low, r);
                high = Math.Max(high, r);
            }

            if ((ulong)(high - low) < range)
            {
                range = (ulong)(high - low);
                slope = candidate;
                baseValue = values[0] + low;
            }
        }

        int width = 64 - BitOperations.LeadingZeroCount(range);
        Span<byte> head = writer.GetSpan(1 + 2 * Varint.MaxLength64);
        head[0] = (byte)width;
        int n = 1 + Varint.Write(head[1..], IntColumn.ZigZag(baseValue));
        n += Varint.Write(head[n..], IntColumn.ZigZag(slope));
        writer.Advance(n);
        if (width == 0)
        {
            return;
        }

        int bytes = BodyLength(values.Length, width);
        Span<byte> body = writer.GetSpan(bytes)[..bytes];
        body.Clear();
        ulong acc = 0;
        int filled = 0, pos = 0;
        for (int i = 0; i < values.Length; i++)
        {
            ulong r = unchecked((ulong)(values[i] - baseValue - (i * slope)));
            acc |= r << filled;
            int taken = 64 - filled;
            filled += width;
            if (filled >= 64)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(body[pos..], acc);
                pos += 8;
                filled -= 64;
                acc = filled == 0 ? 0 : r >> taken;
            }
        }

        for (; filled > 0; filled -= 8)
        {
            body[pos++] = (byte)acc;
            acc >>= 8;
        }

        writer.Advance(bytes);
    }

    /// <summary>Parses a column of <paramref name="count"/> entries at the start of <paramref name="data"/>.</summary>
    /// <returns>The bytes the column takes.</returns>
    /// <exception cref="AimFormatException">The column is malformed or runs past the end of <paramref name="data"/>.</exception>
    public static int Read(ReadOnlySpan<byte> data, int count, string what, int offset, out IntColumnView column)
    {
        if (data.IsEmpty)
        {
            throw new AimFormatException(what, offset, "the column is missing");
        }

        int width = data[0];
        if (width > 64)
        {
            throw new AimFormatException(what, offset, $"a packed column of {width}-bit entries; the widest is 64");
        }

        int pos = 1;
        long baseValue = IntColumn.ReadZigZag(data, ref pos, what, offset);
        long slope = IntColumn.ReadZigZag(data, ref pos, what, offset);
        int bytes = BodyLength(count, width);
        if (data.Length - pos < bytes)
        {
            throw new AimFormatException(what, offset + pos, $"the column needs {bytes} bytes of {width}-bit entries, {data.Length - pos} remain");
        }

        column = IntColumnView.Packed(width, baseValue, slope, data.Slice(pos, bytes));
        return pos + bytes;
    }

    /// <summary>
    /// Entries [start, start + destination.Length) of a packed column: one unaligned 8-byte read per entry while
    /// 8 bytes remain and the entry fits one read (width ≤ 56), the careful <see cref="Residual"/> for the rest.
    /// </summary>
    public static void Unpack(ReadOnlySpan<byte> body, int width, long baseValue, long slope, int start, Span<long> destination)
    {
        ulong mask = width == 64 ? ulong.MaxValue : (1UL << width) - 1;
        long line = unchecked(baseValue + (start * slope));
        long bit = (long)start * width;
        int i = 0;
        if (width <= 56 && BitConverter.IsLittleEndian)
        {
            // Entries whose 8-byte read ends inside the body: bit / 8 + 8 <= length.
            long room = (((long)body.Length - 8) * 8) - bit;
            long fastEnd = room < 0 ? 0 : Math.Min(destination.Length, (room / width) + 1);
            ref byte first = ref MemoryMarshal.GetReference(body);
            for (; i < fastEnd; i++)
            {
                ulong v = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref first, (nint)(bit >> 3))) >> (int)(bit & 7);
                destination[i] = unchecked(line + (long)(v & mask));
                line = unchecked(line + slope);
                bit += width;
            }
        }

        for (; i < destination.Length; i++)
        {
            destination[i] = unchecked(line + (long)Residual(body, start + i, width));
            line = unchecked(line + slope);
        }
    }

    /// <summary>The w-bit residual at index <paramref name="index"/> of <paramref name="body"/> (0 &lt; w ≤ 64).</summary>
    public static ulong Residual(ReadOnlySpan<byte> body, int index, int width)
    {
        long bit = (long)index * width;
        int at = (int)(bit >> 3);
        int shift = (int)(bit & 7);
        ulong v;
        if (at + 8 <= body.Length)
        {
            v = BinaryPrimitives.ReadUInt64LittleEndian(body[at..]) >> shift;
            if (shift + width > 64)
            {
                v |= (ulong)body[at + 8] << (64 - shift);
            }
        }
        else
        {
            // The last few entries: fewer than 8 bytes remain, so the entry ends inside them.
            v = 0;
            for (int k = 0; at + k < body.Length; k++)
            {
                v |= (ulong)body[at + k] << (8 * k);
            }

            v >>= shift;
        }

        return width == 64 ? v : v & ((1UL << width) - 1);
    }

    private static int BodyLength(int count, int width) => (int)(((long)count * width + 7) >> 3);
}
