using AimLsm.Encoding;

namespace AimLsm.Streaming;

/// <summary>
/// One record of a stream (docs/format.md, section 14.1): an encoded path and an encoded value, copied out of the
/// pipe, so it stays valid after the reader moves on. Immutable.
/// </summary>
public readonly struct StreamRecord
{
    /// <summary>Creates a record.</summary>
    public StreamRecord(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, long offset)
    {
        Key = key;
        Value = value;
        Offset = offset;
    }

    /// <summary>The encoded path (section 12.2); its first segment is the top-level object's key.</summary>
    public ReadOnlyMemory<byte> Key { get; }

    /// <summary>The encoded value (section 12.3).</summary>
    public ReadOnlyMemory<byte> Value { get; }

    /// <summary>The offset of the record's first byte in the stream.</summary>
    public long Offset { get; }

    /// <summary>The path's segments.</summary>
    /// <exception cref="AimFormatException">The key is not a valid encoded path.</exception>
    public PathSegment[] DecodeKey() => TreePath.Decode(Key.Span);

    /// <summary>The value: a scalar as <see cref="AimValue.ToScalar"/> gives it, or the <see cref="AimType"/> of a
    /// marker (list, dict, custom object).</summary>
    /// <exception cref="AimFormatException">The value is malformed.</exception>
    public object? DecodeValue()
    {
        AimValue value = AimValue.Parse(Value.Span);
        return value.Type is AimType.List or AimType.Dict or AimType.CustomObject ? value.Type : value.ToScalar();
    }
}
