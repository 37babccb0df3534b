using System.Runtime.InteropServices;
using System.Buffers;
using System.Buffers.Binary;
using AimLsm.Kv.Common;
using AimLsm.Encoding;

namespace AimLsm.Tree.Sequences;

/// <summary>
/// A column of int64 values with O(1) random access (docs/format.md, section 13.3): frame of reference, so each
/// entry is a fixed-width unsigned offset from the column's minimum, or no entries at all when the column is
/// constant or an arithmetic progression (the usual shape of steps: 0, 1, 2, ... or 0, 100, 200, ...).
/// <code>
/// u8 mode | zigzag varint base | [zigzag varint stride if mode = Stride] | [count x width bytes LE if mode = 1,2,4,8]
/// </code>
/// </summary>
internal static class IntColumn
{
    /// <summary>Every value equals the base. Part of the format: do not change.</summary>
    public const byte Constant = 0;

    /// <summary>value[i] = base + i x stride. Part of the format: do not change.</summary>
    public const byte Stride = 0x40;

    /// <summary>Writes <paramref name="values"/> as a column.</summary>
    public static void Write(IBufferWriter<byte> writer, ReadOnlySpan<long> values)
    {
        long min = values[0], max = values[0];
        bool progression = values.Length > 1;
        long stride = values.Length > 1 ? unchecked(values[1] - values[0]) : 0;
        for (int i = 1; i < values.Length; i++)
        {
            long v = values[i];
            min = Math.Min(min, v);
            max = Math.Max(max, v);
            progression &= unchecked(v - values[i - 1]) == stride;
        }

        Span<byte> head = writer.GetSpan(1 + 2 * Varint.MaxLength64);
        if (min == max)
        {
            head[0] = Constant;
            int n = 1 + Varint.Write(head[1..], ZigZag(min));
            writer.Advance(n);
            return;
        }

        if (progression && stride != 0)
        {
            head[0] = Stride;
            int n = 1 + Varint.Write(head[1..], ZigZag(values[0]));
            n += Varint.Write(head[n..], ZigZag(stride));
            writer.Advance(n);
            return;
        }

        ulong range = unchecked((ulong)(max - min));
        int width = range <= byte.MaxValue ? 1 : range <= ushort.MaxValue ? 2 : range <= uint.MaxValue ? 4 : 8;
        head[0] = (byte)width;
        int written = 1 + Varint.Write(head[1..], ZigZag(min));
        writer.Advance(written);
        Span<byte> body = writer.GetSpan(values.Length * width);
        for (int i = 0; i < values.Length; i++)
        {
            ulong offset = unchecked((ulong)(values[i] - min));
            switch (width)
            {
                case 1: body[i] = (byte)offset; break;
                case 2: BinaryPrimitives.WriteUInt16LittleEndian(body[(2 * i)..], (ushort)offset); break;
                case 4: BinaryPrimitives.WriteUInt32LittleEndian(body[(4 * i)..], (uint)offset); break;
                default: BinaryPrimitives.WriteUInt64LittleEndian(body[(8 * i)..], offset); break;
            }
        }

        writer.Advance(values.Length * width);
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

        byte mode = data[0];
        int pos = 1;
        long baseValue = ReadZigZag(data, ref pos, what, offset);
        switch (mode)
        {
            case Constant:
                column = new IntColumnView(mode, baseValue, 0, default);
                return pos;
            case Stride:
                long stride = ReadZigZag(data, ref pos, what, offset);
                column = new IntColumnView(mode, baseValue, stride, default);
                return pos;
            case 1 or 2 or 4 or 8:
                long bytes = (long)count * mode;
                if (data.Length - pos < bytes)
                {
                    throw new AimFormatException(what, offset + pos, $"the column needs {bytes} bytes of {mode}-byte entries, {data.Length - pos} remain");
                }

                column = new IntColumnView(mode, baseValue, 0, data.Slice(pos, (int)bytes));
                return pos + (int)bytes;
            default:
                throw new AimFormatException(what, offset, $"unknown int column mode 0x{mode:X2}");
        }
    }

    /// <summary>Zigzag-maps a signed value for a varint (shared with <see cref="PackedColumn"/>).</summary>
    internal static ulong ZigZag(long v) => unchecked((ulong)((v << 1) ^ (v >> 63)));

    /// <summary>Reads a zigzag varint at <paramref name="pos"/> and moves past it.</summary>
    internal static long ReadZigZag(ReadOnlySpan<byte> data, ref int pos, string what, int offset)
    {
        int n = Varint.TryRead(data[pos..], out ulong raw);
        if (n <= 0)
        {
            throw new AimFormatException(what, offset + pos, "a truncated or overlong varint");
        }

        pos += n;
        return unchecked((long)(raw >> 1) ^ -(long)(raw & 1));
    }
}

/// <summary>A parsed <see cref="IntColumn"/> (format version 1) or <see cref="PackedColumn"/> (version 2): random
/// access without decoding the rest.</summary>
internal readonly ref struct IntColumnView
{
    /// <summary>The in-memory mode of a <see cref="PackedColumn"/>; never written (its width byte is on disk).</summary>
    private const byte PackedMode = 0xFF;

    private readonly byte _mode;
    private readonly byte _width;
    private readonly long _base;
    private readonly long _stride;
    private readonly ReadOnlySpan<byte> _entries;

    public IntColumnView(byte mode, long baseValue, long stride, ReadOnlySpan<byte> entries)
    {
        _mode = mode;
        _base = baseValue;
        _stride = stride;
        _entries = entries;
    }

    private IntColumnView(int width, long baseValue, long slope, ReadOnlySpan<byte> residuals)
    {
        // A packed column without residuals is a progression (slope 0: a constant).
        _mode = width == 0 ? IntColumn.Stride : PackedMode;
        _width = (byte)width;
        _base = baseValue;
        _stride = slope;
        _entries = residuals;
    }

    /// <summary>A view of a version-2 packed column: entry i = base + i x slope + the i-th width-bit residual.</summary>
    public static IntColumnView Packed(int width, long baseValue, long slope, ReadOnlySpan<byte> residuals) =>
        new(width, baseValue, slope, residuals);

    public long this[int index] => _mode switch
    {
        PackedMode => unchecked(_base + (index * _stride) + (long)PackedColumn.Residual(_entries, index, _width)),
        IntColumn.Constant => _base,
        IntColumn.Stride => unchecked(_base + index * _stride),
        1 => unchecked(_base + _entries[index]),
        2 => unchecked(_base + BinaryPrimitives.ReadUInt16LittleEndian(_entries[(2 * index)..])),
        4 => unchecked(_base + BinaryPrimitives.ReadUInt32LittleEndian(_entries[(4 * index)..])),
        _ => unchecked(_base + (long)BinaryPrimitives.ReadUInt64LittleEndian(_entries[(8 * index)..])),
    };

    /// <summary>Copies entries [start, start + destination.Length) into <paramref name="destination"/>.</summary>
    public void CopyTo(int start, Span<long> destination)
    {
        switch (_mode)
        {
            case PackedMode:
                PackedColumn.Unpack(_entries, _width, _base, _stride, start, destination);
                return;
            case IntColumn.Constant:
                destination.Fill(_base);
                return;
            case IntColumn.Stride:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = unchecked(_base + (start + i) * _stride);
                }

                return;
            case 1:
                ReadOnlySpan<byte> bytes = _entries.Slice(start, destination.Length);
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = unchecked(_base + bytes[i]);
                }

                return;
            case 2:
                ReadOnlySpan<ushort> shorts = MemoryMarshal.Cast<byte, ushort>(_entries)[start..(start + destination.Length)];
                for (int i = 0; i < shorts.Length; i++)
                {
                    destination[i] = unchecked(_base + (BitConverter.IsLittleEndian ? shorts[i] : BinaryPrimitives.ReverseEndianness(shorts[i])));
                }

                return;
            case 4:
                ReadOnlySpan<uint> ints = MemoryMarshal.Cast<byte, uint>(_entries)[start..(start + destination.Length)];
                for (int i = 0; i < ints.Length; i++)
                {
                    destination[i] = unchecked(_base + (BitConverter.IsLittleEndian ? ints[i] : BinaryPrimitives.ReverseEndianness(ints[i])));
                }

                return;
            default:
                // Tight loops per width, not a mode switch per entry: a whole-sequence read decodes three columns.
                ReadOnlySpan<ulong> longs = MemoryMarshal.Cast<byte, ulong>(_entries)[start..(start + destination.Length)];
                for (int i = 0; i < longs.Length; i++)
                {
                    destination[i] = unchecked(_base + (long)(BitConverter.IsLittleEndian ? longs[i] : BinaryPrimitives.ReverseEndianness(longs[i])));
                }

                return;
        }
    }
}
