using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace AimLsm.Lsm.Sst;

/// <summary>
/// XXH64 (Yann Collet's xxHash, 64-bit variant) with seed 0: the hash of user keys in bloom filters
/// (docs/format.md, "Filter block"). PART OF THE ON-DISK FORMAT: a filter written with one hash can only be read
/// with the same one, so this code must never change; a new hash needs a new filter kind.
/// Written out here because the BCL has no xxHash (System.IO.Hashing is a package) and <see cref="HashCode"/> is
/// randomized per process. Reference vectors: XXH64("") = 0xEF46DB3751D8E999, XXH64("abc") = 0x44BC2CF5AD770999.
/// Allocation-free and thread-safe.
/// </summary>
internal static class XxHash64
{
    private const ulong Prime1 = 0x9E3779B185EBCA87UL;
    private const ulong Prime2 = 0xC2B2AE3D27D4EB4FUL;
    private const ulong Prime3 = 0x165667B19E3779F9UL;
    private const ulong Prime4 = 0x85EBCA77C2B2AE63UL;
    private const ulong Prime5 = 0x27D4EB2F165667C5UL;

    public static ulong Hash(ReadOnlySpan<byte> data, ulong seed = 0)
    {
        int length = data.Length;
        int p = 0;
        ulong h;
        if (length >= 32)
        {
            ulong v1 = seed + Prime1 + Prime2;
            ulong v2 = seed + Prime2;
            ulong v3 = seed;
            ulong v4 = seed - Prime1;
            int limit = length - 32;
            do
            {
                v1 = Round(v1, BinaryPrimitives.ReadUInt64LittleEndian(data[p..]));
                v2 = Round(v2, BinaryPrimitives.ReadUInt64LittleEndian(data[(p + 8)..]));
                v3 = Round(v3, BinaryPrimitives.ReadUInt64LittleEndian(data[(p + 16)..]));
                v4 = Round(v4, BinaryPrimitives.ReadUInt64LittleEndian(data[(p + 24)..]));
                p += 32;
            }
            while (p <= limit);
            h = BitOperations.RotateLeft(v1, 1) + BitOperations.RotateLeft(v2, 7)
                + BitOperations.RotateLeft(v3, 12) + BitOperations.RotateLeft(v4, 18);
            h = MergeRound(h, v1);
            h = MergeRound(h, v2);
            h = MergeRound(h, v3);
            h = MergeRound(h, v4);
        }
        else
        {
            h = seed + Prime5;
        }
        h += (ulong)length;
        while (p + 8 <= length)
        {
            h ^= Round(0, BinaryPrimitives.ReadUInt64LittleEndian(data[p..]));
            h = (BitOperations.RotateLeft(h, 27) * Prime1) + Prime4;
            p += 8;
        }
        if (p + 4 <= length)
        {
            h ^= BinaryPrimitives.ReadUInt32LittleEndian(data[p..]) * Prime1;
            h = (BitOperations.RotateLeft(h, 23) * Prime2) + Prime3;
            p += 4;
        }
        while (p < length)
        {
            h ^= data[p] * Prime5;
            h = BitOperations.RotateLeft(h, 11) * Prime1;
            p++;
        }
        h ^= h >> 33;
        h *= Prime2;
        h ^= h >> 29;
        h *= Prime3;
        h ^= h >> 32;
        return h;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Round(ulong acc, ulong input)
    {
        acc += input * Prime2;
        acc = BitOperations.RotateLeft(acc, 31);
        return acc * Prime1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MergeRound(ulong acc, ulong value)
    {
        acc ^= Round(0, value);
        return (acc * Prime1) + Prime4;
    }
}
