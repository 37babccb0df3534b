using System.Buffers.Binary;
using System.Text;

namespace AimLsm.Encoding;

/// <summary>
/// A decoded view of one encoded value (docs/format.md, section 12.3): a type byte, then a payload. Parsing checks
/// the type byte and the payload length and copies nothing; strings are materialized only by <see cref="AsString"/>
/// and <see cref="TypeName"/>. A ref struct over the caller's span, valid only while that span is (for an engine
/// iterator's value: until the iterator moves).
/// </summary>
public readonly ref struct AimValue
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private AimValue(AimType type, ReadOnlySpan<byte> payload)
    {
        Type = type;
        Payload = payload;
    }

    /// <summary>The value's type.</summary>
    public AimType Type { get; }

    /// <summary>Everything after the type byte.</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>The UTF-8 bytes of a <see cref="AimType.Str"/> value or of a custom object's type name, not copied.</summary>
    /// <exception cref="InvalidOperationException">The value is neither.</exception>
    public ReadOnlySpan<byte> Utf8 => Type is AimType.Str or AimType.CustomObject ? Payload : throw WrongType("str or custom object");

    /// <summary>The payload of a <see cref="AimType.Bytes"/> value, not copied.</summary>
    /// <exception cref="InvalidOperationException">The value is not bytes.</exception>
    public ReadOnlySpan<byte> Bytes => Type == AimType.Bytes ? Payload : throw WrongType("bytes");

    /// <summary>True for a <see cref="AimType.None"/> value.</summary>
    public bool IsNone => Type == AimType.None;

    /// <summary>
    /// Parses <paramref name="encoded"/>. The whole span is the value: Aim stores one value per key, with no length.
    /// </summary>
    /// <exception cref="AimFormatException">The span is empty, the type byte is unknown, or the payload has the wrong length.</exception>
    public static AimValue Parse(ReadOnlySpan<byte> encoded)
    {
        if (encoded.IsEmpty)
        {
            // Aim stores an empty value as a BLOB sentinel (the data lives under BLOBS\xFE + key); not decoded here.
            throw new AimFormatException("value", 0, "expected a type byte, found an empty value (an Aim BLOB sentinel?)");
        }

        var type = (AimType)encoded[0];
        ReadOnlySpan<byte> payload = encoded[1..];
        int expected = type switch
        {
            AimType.None or AimType.List or AimType.Dict => 0,
            AimType.Bool => 1,
            AimType.Int or AimType.Float => 8,
            AimType.Str or AimType.Bytes or AimType.CustomObject => -1,
            _ => throw new AimFormatException("value", 0, $"unknown type byte 0x{encoded[0]:X2}"),
        };

        if (expected >= 0 && payload.Length != expected)
        {
            throw new AimFormatException("value", 1, $"a {type} payload is {expected} bytes, found {payload.Length}");
        }

        if (type == AimType.Bool && payload[0] > 1)
        {
            throw new AimFormatException("value", 1, $"a bool payload is 0 or 1, found 0x{payload[0]:X2}");
        }

        if (type == AimType.CustomObject && payload.IsEmpty)
        {
            throw new AimFormatException("value", 1, "expected a custom object's type name, found nothing");
        }

        return new AimValue(type, payload);
    }

    /// <summary>The value of a <see cref="AimType.Bool"/>.</summary>
    /// <exception cref="InvalidOperationException">The value is not a bool.</exception>
    public bool AsBool() => Type == AimType.Bool ? Payload[0] != 0 : throw WrongType("bool");

    /// <summary>The value of an <see cref="AimType.Int"/>.</summary>
    /// <exception cref="InvalidOperationException">The value is not an int.</exception>
    public long AsLong() => Type == AimType.Int ? BinaryPrimitives.ReadInt64LittleEndian(Payload) : throw WrongType("int");

    /// <summary>The value of a <see cref="AimType.Float"/>.</summary>
    /// <exception cref="InvalidOperationException">The value is not a float.</exception>
    public double AsDouble() => Type == AimType.Float ? BinaryPrimitives.ReadDoubleLittleEndian(Payload) : throw WrongType("float");

    /// <summary>The value of a <see cref="AimType.Str"/>, as a new string.</summary>
    /// <exception cref="InvalidOperationException">The value is not a str.</exception>
    /// <exception cref="AimFormatException">The payload is not valid UTF-8.</exception>
    public string AsString() => Type == AimType.Str ? DecodeUtf8(Payload) : throw WrongType("str");

    /// <summary>The type name of a <see cref="AimType.CustomObject"/> (for example <c>aim.image</c>), as a new string.</summary>
    /// <exception cref="InvalidOperationException">The value is not a custom object.</exception>
    /// <exception cref="AimFormatException">The name is not valid UTF-8.</exception>
    public string TypeName() => Type == AimType.CustomObject ? DecodeUtf8(Payload) : throw WrongType("custom object");

    /// <summary>
    /// A scalar as a boxed .NET value: null, <see cref="bool"/>, <see cref="long"/>, <see cref="double"/>,
    /// <see cref="string"/> or <see cref="byte"/>[]. Markers (list, dict, custom object) are not scalars.
    /// </summary>
    /// <exception cref="InvalidOperationException">The value is a marker.</exception>
    /// <exception cref="AimFormatException">A str payload is not valid UTF-8.</exception>
    public object? ToScalar() => Type switch
    {
        AimType.None => null,
        AimType.Bool => AsBool(),
        AimType.Int => AsLong(),
        AimType.Float => AsDouble(),
        AimType.Str => AsString(),
        AimType.Bytes => Payload.ToArray(),
        _ => throw WrongType("scalar"),
    };

    private static string DecodeUtf8(ReadOnlySpan<byte> utf8)
    {
        try
        {
            return StrictUtf8.GetString(utf8);
        }
        catch (DecoderFallbackException)
        {
            throw new AimFormatException("value", 1, "the payload is not valid UTF-8");
        }
    }

    private InvalidOperationException WrongType(string wanted) => new($"The value is {Type}, not {wanted}.");
}
