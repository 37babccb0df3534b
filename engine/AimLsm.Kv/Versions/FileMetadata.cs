using AimLsm.Kv.Keys;

namespace AimLsm.Kv.Versions;

/// <summary>
/// One live SSTable as the MANIFEST records it: its number, size, and the internal keys it spans (range tombstones
/// included). Immutable.
/// </summary>
internal sealed class FileMetadata(ulong number, long size, byte[] smallest, byte[] largest, ulong smallestSequence, ulong largestSequence)
{
    public ulong Number { get; } = number;
    public long Size { get; } = size;
    public byte[] Smallest { get; } = smallest;
    public byte[] Largest { get; } = largest;
    public ulong SmallestSequence { get; } = smallestSequence;
    public ulong LargestSequence { get; } = largestSequence;

    public ReadOnlySpan<byte> SmallestUserKey => Smallest.Length >= InternalKey.TrailerSize ? InternalKey.UserKey(Smallest) : default;

    public ReadOnlySpan<byte> LargestUserKey => Largest.Length >= InternalKey.TrailerSize ? InternalKey.UserKey(Largest) : default;

    /// <summary>How many live versions hold the file. At 0 it is obsolete and may be deleted.</summary>
    private int _refs;

    public void Ref() => Interlocked.Increment(ref _refs);

    /// <summary>Drops a version's hold; true when that was the last one.</summary>
    public bool Unref() => Interlocked.Decrement(ref _refs) == 0;

    /// <summary>Set by the compaction picker while the file is an input of a running compaction. Guarded by the DB mutex.</summary>
    public bool BeingCompacted { get; set; }

    /// <summary>True when <paramref name="userKey"/> lies within the file's key range (bounds inclusive).</summary>
    public bool MayContain(ReadOnlySpan<byte> userKey) =>
        Smallest.Length > 0 && userKey.SequenceCompareTo(SmallestUserKey) >= 0 && userKey.SequenceCompareTo(LargestUserKey) <= 0;
}
