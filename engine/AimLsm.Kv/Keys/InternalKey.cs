using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace AimLsm.Kv.Keys;

/// <summary>
/// An internal key is the user key followed by an 8-byte little-endian trailer <c>(sequence &lt;&lt; 8) | type</c>,
/// exactly as in RocksDB. Internal keys order by user key ascending (unsigned bytewise, a shorter prefix first),
/// then by trailer descending, so the newest version of a key comes first. docs/format.md, "Internal keys".
/// </summary>
internal static class InternalKey
{
    /// <summary>Bytes in the trailer.</summary>
    public const int TrailerSize = 8;

    /// <summary>The largest sequence number: 56 bits.</summary>
    public const ulong MaxSequence = (1UL << 56) - 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong PackTrailer(ulong sequence, EntryType type) => (sequence << 8) | (byte)type;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> UserKey(ReadOnlySpan<byte> internalKey) => internalKey[..^TrailerSize];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Trailer(ReadOnlySpan<byte> internalKey) =>
        BinaryPrimitives.ReadUInt64LittleEndian(internalKey[^TrailerSize..]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Sequence(ReadOnlySpan<byte> internalKey) => Trailer(internalKey) >> 8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static EntryType Type(ReadOnlySpan<byte> internalKey) => (EntryType)(byte)Trailer(internalKey);

    /// <summary>Writes <paramref name="userKey"/> and the trailer into <paramref name="dest"/>; returns the length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Write(Span<byte> dest, ReadOnlySpan<byte> userKey, ulong sequence, EntryType type)
    {
        userKey.CopyTo(dest);
        BinaryPrimitives.WriteUInt64LittleEndian(dest[userKey.Length..], PackTrailer(sequence, type));
        return userKey.Length + TrailerSize;
    }

    /// <summary>A new array holding the internal key.</summary>
    public static byte[] Make(ReadOnlySpan<byte> userKey, ulong sequence, EntryType type)
    {
        var key = new byte[userKey.Length + TrailerSize];
        Write(key, userKey, sequence, type);
        return key;
    }

    /// <summary>Compares two internal keys: user key ascending, then trailer descending.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Compare(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        int c = a[..^TrailerSize].SequenceCompareTo(b[..^TrailerSize]);
        if (c != 0)
        {
            return c;
        }
        return Trailer(b).CompareTo(Trailer(a));
    }

    /// <summary>A readable rendering for error messages and tools: <c>'key' @ seq : type</c>.</summary>
    public static string Describe(ReadOnlySpan<byte> internalKey)
    {
        if (internalKey.Length < TrailerSize)
        {
            return $"<bad internal key of {internalKey.Length} bytes>";
        }
        return $"{Convert.ToHexString(UserKey(internalKey))} @ {Sequence(internalKey)} : {Type(internalKey)}";
    }
}
