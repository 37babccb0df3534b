namespace AimLsm.Testing;

/// <summary>Unsigned bytewise order, a shorter prefix first: the engine's key order (RocksDB's BytewiseComparator).</summary>
public sealed class ByteComparer : IComparer<byte[]>
{
    /// <summary>The one instance; it holds no state.</summary>
    public static readonly ByteComparer Instance = new();

    /// <inheritdoc/>
    public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
}
