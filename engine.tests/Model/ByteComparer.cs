namespace AimLsm.Tests.Model;

/// <summary>Unsigned bytewise order, a shorter prefix first: RocksDB's BytewiseComparator.</summary>
public sealed class ByteComparer : IComparer<byte[]>
{
    public static readonly ByteComparer Instance = new();

    public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
}
