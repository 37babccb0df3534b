namespace AimLsm.Tree.Sequences;

/// <summary>
/// Constants of the sequence chunk value (docs/format.md, section 13.2). Part of the on-disk format: do not change
/// a value; add new ones and bump <see cref="Version"/> for an incompatible change.
/// </summary>
internal static class ChunkFormat
{
    /// <summary>The chunk format version this code writes: packed int columns and packed floats (13.2, 13.3).</summary>
    public const byte Version = 2;

    /// <summary>The first chunk format: fixed-width int columns and 8-byte floats. Still read, no longer written.</summary>
    public const byte Version1 = 1;

    /// <summary>Values are IEEE-754 doubles, 8 bytes little-endian each.</summary>
    public const byte FloatValues = 1;

    /// <summary>Values are int64, as an <see cref="IntColumn"/>.</summary>
    public const byte IntValues = 2;

    /// <summary>Values are record lists behind a u32 offset table.</summary>
    public const byte EncodedValues = 3;

    /// <summary>No record has an epoch.</summary>
    public const byte NoEpochs = 0;

    /// <summary>Every record has an epoch.</summary>
    public const byte AllEpochs = 1;

    /// <summary>Some records have an epoch: a presence bitmap follows.</summary>
    public const byte SomeEpochs = 2;

    /// <summary>The in-memory marker for "no epoch"; never written.</summary>
    public const long NoEpoch = long.MinValue;
}
