using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;

namespace AimLsm.Encoding;

/// <summary>
/// Writes one encoded value (docs/format.md, section 12.3; Aim's <c>encode</c>): the <see cref="AimType"/> byte,
/// then the payload, straight into the caller's <see cref="IBufferWriter{T}"/> with no intermediate buffer.
/// Stateless and thread-safe (the writer passed in is not).
/// </summary>
internal static class AimValueWriter
{
    /// <summary>Writes <c>None</c>: <c>00</c>.</summary>
    public static void WriteNone(IBufferWriter<byte> writer) => WriteMarker(writer, AimType.None);

    /// <summary>Writes a bool: <c>01 00</c> or <c>01 01</c>.</summary>
    public static void WriteBool(IBufferWriter<byte> writer, bool value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Span<byte> span = writer.GetSpan(2);
        span[0] = (byte)AimType.Bool;
        span[1] = value ? (byte)1 : (byte)0;
        writer.Advance(2);
    }

    /// <summary>Writes an int: <c>02</c> + 8 bytes little-endian.</summary>
    public static void WriteInt(IBufferWriter<byte> writer, long value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Span<byte> span = writer.GetSpan(9);
        span[0] = (byte)AimType.Int;
        BinaryPrimitives.WriteInt64LittleEndian(span[1..], value);
        writer.Advance(9);
    }

    /// <summary>Writes a float: <c>03</c> + 8 bytes little-endian IEEE-754 (the bits as they are, NaN payloads included).</summary>
    public static void WriteFloat(IBufferWriter<byte> writer, double value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Span<byte> span = writer.GetSpan(9);
        span[0] = (byte)AimType.Float;
        BinaryPrimitives.WriteDoubleLittleEndian(span[1..], value);
        writer.Advance(9);
    }

    /// <summary>Writes a str: <c>04</c> + UTF-8.</summary>
    /// <exception cref="ArgumentException"><paramref name="value"/> holds a lone surrogate, which has no UTF-8 encoding.</exception>
    public static void WriteString(IBufferWriter<byte> writer, ReadOnlySpan<char> value) => WriteUtf16(writer, AimType.Str, value);

    /// <summary>Writes bytes: <c>05</c> + the raw bytes.</summary>
    public static void WriteBytes(IBufferWriter<byte> writer, ReadOnlySpan<byte> value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Span<byte> span = writer.GetSpan(value.Length + 1);
        span[0] = (byte)AimType.Bytes;
        value.CopyTo(span[1..]);
        writer.Advance(value.Length + 1);
    }

    /// <summary>Writes the list marker: <c>06</c>.</summary>
    public static void WriteListMarker(IBufferWriter<byte> writer) => WriteMarker(writer, AimType.List);

    /// <summary>Writes the dict marker: <c>07</c> (Aim writes it only for an empty dict).</summary>
    public static void WriteDictMarker(IBufferWriter<byte> writer) => WriteMarker(writer, AimType.Dict);

    /// <summary>Writes the custom-object marker: <c>0F</c> + the UTF-8 type name; the fields are children.</summary>
    /// <exception cref="ArgumentException"><paramref name="typeName"/> is empty or holds a lone surrogate.</exception>
    public static void WriteCustomObject(IBufferWriter<byte> writer, ReadOnlySpan<char> typeName)
    {
        if (typeName.IsEmpty)
        {
            throw new ArgumentException("A custom object's type name must not be empty.", nameof(typeName));
        }

        WriteUtf16(writer, AimType.CustomObject, typeName);
    }

    private static void WriteMarker(IBufferWriter<byte> writer, AimType type)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.GetSpan(1)[0] = (byte)type;
        writer.Advance(1);
    }

    private static void WriteUtf16(IBufferWriter<byte> writer, AimType type, ReadOnlySpan<char> value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        int max = System.Text.Encoding.UTF8.GetMaxByteCount(value.Length) + 1;
        Span<byte> span = writer.GetSpan(max);
        span[0] = (byte)type;
        if (Utf8.FromUtf16(value, span[1..], out _, out int written, replaceInvalidSequences: false) != OperationStatus.Done)
        {
            throw new ArgumentException($"The {type} text holds a lone surrogate; it has no UTF-8 encoding.", nameof(value));
        }

        writer.Advance(written + 1);
    }
}
