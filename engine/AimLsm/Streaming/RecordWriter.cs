using System.Buffers;
using System.Buffers.Binary;
using AimLsm.Encoding;

namespace AimLsm.Streaming;

/// <summary>
/// Frames records straight into the output (a <c>PipeWriter</c> is an <see cref="IBufferWriter{T}"/>):
/// <c>u32 LE key length | key | u32 LE value length | value</c> (docs/format.md, section 14.1). Large values are
/// copied in pieces, so no contiguous buffer of a value's size is ever requested. Counts what it writes. Not
/// thread-safe.
/// </summary>
internal sealed class RecordWriter
{
    /// <summary>Records up to this size are framed with one <c>GetSpan</c>; larger ones in pieces.</summary>
    private const int OneSpanLimit = 4096;

    private readonly IBufferWriter<byte> _output;
    private readonly ArrayBufferWriter<byte> _scratch = new(64);

    public RecordWriter(IBufferWriter<byte> output) => _output = output;

    /// <summary>Bytes written since this writer was created.</summary>
    public long Written { get; private set; }

    /// <summary>Writes one whole record.</summary>
    public void Write(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        int size = 2 * StreamFormat.LengthSize + key.Length + value.Length;
        if (size > OneSpanLimit)
        {
            WriteHeader(key, value.Length);
            WriteRaw(value);
            return;
        }

        Span<byte> span = _output.GetSpan(size);
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)key.Length);
        key.CopyTo(span[StreamFormat.LengthSize..]);
        int at = StreamFormat.LengthSize + key.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(span[at..], (uint)value.Length);
        value.CopyTo(span[(at + StreamFormat.LengthSize)..]);
        Advance(size);
    }

    /// <summary>Writes a record's key and its value's length; the caller then writes exactly
    /// <paramref name="valueLength"/> bytes with <see cref="WriteRaw"/> or <see cref="GetSpan"/>/<see cref="Advance"/>.</summary>
    public void WriteHeader(ReadOnlySpan<byte> key, int valueLength)
    {
        Span<byte> length = stackalloc byte[StreamFormat.LengthSize];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)key.Length);
        WriteRaw(length);
        WriteRaw(key);
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)valueLength);
        WriteRaw(length);
    }

    /// <summary>Copies <paramref name="bytes"/> in pieces of whatever size the output offers.</summary>
    public void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            Span<byte> span = _output.GetSpan(Math.Min(bytes.Length, OneSpanLimit));
            int n = Math.Min(span.Length, bytes.Length);
            bytes[..n].CopyTo(span);
            Advance(n);
            bytes = bytes[n..];
        }
    }

    /// <summary>A span of at least <paramref name="sizeHint"/> bytes to fill, then <see cref="Advance"/>.</summary>
    public Span<byte> GetSpan(int sizeHint) => _output.GetSpan(sizeHint);

    /// <summary>Commits <paramref name="count"/> bytes of the last span.</summary>
    public void Advance(int count)
    {
        _output.Advance(count);
        Written += count;
    }

    /// <summary>Writes a record whose value is a str.</summary>
    public void WriteString(ReadOnlySpan<byte> key, string value)
    {
        _scratch.ResetWrittenCount();
        AimValueWriter.WriteString(_scratch, value);
        Write(key, _scratch.WrittenSpan);
    }

    /// <summary>Writes a record whose value is an int.</summary>
    public void WriteInt(ReadOnlySpan<byte> key, long value)
    {
        Span<byte> encoded = stackalloc byte[9];
        encoded[0] = (byte)AimType.Int;
        BinaryPrimitives.WriteInt64LittleEndian(encoded[1..], value);
        Write(key, encoded);
    }

    /// <summary>Writes a record whose value is a bool.</summary>
    public void WriteBool(ReadOnlySpan<byte> key, bool value) => Write(key, [(byte)AimType.Bool, value ? (byte)1 : (byte)0]);

    /// <summary>Writes a record whose value is a marker (None, list or dict).</summary>
    public void WriteMarker(ReadOnlySpan<byte> key, AimType marker) => Write(key, [(byte)marker]);
}

/// <summary>Passes <see cref="TreeWriter"/>'s records to a <see cref="RecordWriter"/>; a struct, so the call is direct.</summary>
internal readonly struct RecordSink(RecordWriter writer) : ITreeSink
{
    /// <inheritdoc/>
    public void Add(ReadOnlySpan<byte> path, ReadOnlySpan<byte> value) => writer.Write(path, value);
}
