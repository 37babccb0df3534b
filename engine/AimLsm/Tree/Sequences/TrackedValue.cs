using AimLsm.Encoding;

namespace AimLsm.Tree.Sequences;

/// <summary>
/// One tracked value, encoded once in the caller's thread so that the background writer never sees (or races
/// with) the caller's objects. Numbers and other scalars need no heap allocation: int, float, bool and None live in
/// <see cref="Bits"/>. Str and bytes hold their Aim encoding; lists, dicts and custom objects hold their flattened
/// records (docs/format.md, section 13.4) and, apart, their large binary fields (<see cref="Blobs"/>).
/// </summary>
internal readonly struct TrackedValue
{
    public TrackedValue(AimType type, long bits, byte[]? encoded = null, BlobField[]? blobs = null)
    {
        Type = type;
        Bits = bits;
        Encoded = encoded;
        Blobs = blobs;
    }

    /// <summary>The top-level type: a scalar type, or List, Dict or CustomObject for composite values.</summary>
    public AimType Type { get; }

    /// <summary>An int, the bits of a float, or 0/1 for a bool.</summary>
    public long Bits { get; }

    /// <summary>Str and bytes: the encoded Aim value. Composite values: their records. Otherwise null.</summary>
    public byte[]? Encoded { get; }

    /// <summary>Fields stored apart (their record in <see cref="Encoded"/> has an empty value), or null.</summary>
    public BlobField[]? Blobs { get; }

    public bool IsNumber => Type is AimType.Int or AimType.Float;

    public double AsDouble => Type == AimType.Float ? BitConverter.Int64BitsToDouble(Bits) : Bits;

    public static TrackedValue Float(double value) => new(AimType.Float, BitConverter.DoubleToInt64Bits(value));

    public static TrackedValue Int(long value) => new(AimType.Int, value);

    /// <summary>A str or bytes value stored apart (<see cref="LargeValue"/>): its chunk record is the blob sentinel.</summary>
    public static TrackedValue StoredApart(AimType type) => new(type, 1);

    /// <summary>Whether this is a str or bytes value stored apart: no <see cref="Encoded"/>, <see cref="Bits"/> 1.</summary>
    public bool IsStoredApart => Type is AimType.Str or AimType.Bytes && Encoded is null && Bits == 1;

    /// <summary>The value as the tree reader materializes it; composite values are rebuilt from their records.</summary>
    public object? ToObject(BlobLoader? blobs) => Type switch
    {
        AimType.None => null,
        AimType.Bool => Bits != 0,
        AimType.Int => Bits,
        AimType.Float => BitConverter.Int64BitsToDouble(Bits),
        AimType.Str or AimType.Bytes => AimValue.Parse(Encoded).ToScalar(),
        _ => Composite(Encoded!, blobs),
    };

    private static object? Composite(byte[] records, BlobLoader? blobs)
    {
        object? value = ValueRecords.Build(records, blobs);
        // A value that is one blob as a whole is a str or bytes stored apart: what was tracked is the payload itself.
        return value is AimBlob whole ? whole.Load() : value;
    }
}

/// <summary>A field of a composite value stored under its own key, like Aim's BLOBs: its path relative to the value
/// and its encoded value.</summary>
internal sealed record BlobField(byte[] RelativePath, byte[] EncodedValue);

