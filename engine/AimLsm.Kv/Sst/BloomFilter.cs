using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using AimLsm.Kv.Common;

namespace AimLsm.Kv.Sst;

/// <summary>
/// A table's whole-key bloom filter, held in memory by its <see cref="TableReader"/> (docs/format.md, "Filter
/// block"). A cache-local design after RocksDB's FastLocalBloom: every probe of a key falls in one 64-byte line,
/// so a lookup touches one cache line. PART OF THE ON-DISK FORMAT; DO NOT CHANGE a constant or the probe sequence.
/// <code>
/// filter block contents (a meta block named "aimlsm.filter.bloom", stored raw with the usual 5-byte trailer)
/// +-------------------------------+-----------+-----------+---------------+------------+--------------+
/// | lines: L x 64 bytes of bits   | kind u8=1 | probes u8 | log2 line u8=6| reserved 0 | L  u32 LE    |
/// +-------------------------------+-----------+-----------+---------------+------------+--------------+
/// h     = XXH64(user key, seed 0)
/// line  = (low32(h) * L) >> 32                       (a fast range reduction of the low 32 bits)
/// p     = high32(h); repeat probes times: set/test bit (p >> 23) of the line (bit b = byte b/8, bit b%8), then
///         p = p * 0x9E3779B9 (mod 2^32)
/// </code>
/// A key was possibly added when every probed bit is set; when any is clear it was certainly not added.
/// Thread-safe (read-only after construction). Allocation-free lookups.
/// </summary>
internal sealed class BloomFilter
{
    /// <summary>Filter kind 1: cache-local bloom over XXH64 of the user key. Unknown kinds are ignored by readers.</summary>
    public const byte KindCacheLocalXxh64 = 1;

    public const int LineBytes = 64;
    public const int LineBits = LineBytes * 8;
    public const byte LineBytesLog2 = 6;
    public const int MetadataSize = 8;

    /// <summary>Multiplier between probes: 2^32 divided by the golden ratio, as in RocksDB.</summary>
    private const uint ProbeMultiplier = 0x9E3779B9;

    private readonly byte[] _data;
    private readonly uint _lines;
    private readonly int _probes;

    private BloomFilter(byte[] data, uint lines, int probes)
    {
        _data = data;
        _lines = lines;
        _probes = probes;
    }

    /// <summary>Bytes the filter occupies in memory.</summary>
    public int Size => _data.Length;

    public int Probes => _probes;

    /// <summary>
    /// Parses filter block contents. Returns null for a filter kind this build does not know (a newer writer's):
    /// the table is then read without a filter. Throws <see cref="CorruptionException"/> when a known kind's
    /// lengths do not add up.
    /// </summary>
    public static BloomFilter? Parse(byte[] contents, string path, long offset)
    {
        if (contents.Length < MetadataSize)
        {
            CorruptionException.Throw(path, offset, $"filter block: {contents.Length} bytes, shorter than its metadata");
        }
        ReadOnlySpan<byte> meta = contents.AsSpan(contents.Length - MetadataSize);
        if (meta[0] != KindCacheLocalXxh64)
        {
            return null;
        }
        int probes = meta[1];
        uint lines = BinaryPrimitives.ReadUInt32LittleEndian(meta[4..]);
        if (meta[2] != LineBytesLog2 || probes is < 1 or > 30 || lines == 0
            || (ulong)lines * LineBytes != (ulong)(contents.Length - MetadataSize))
        {
            CorruptionException.Throw(path, offset + contents.Length - MetadataSize,
                $"filter block: malformed metadata (probes {probes}, line log2 {meta[2]}, {lines} lines in {contents.Length} bytes)");
        }
        return new BloomFilter(contents, lines, probes);
    }

    public bool MayContain(ReadOnlySpan<byte> userKey) => MayContainHash(KeyHash(userKey));

    /// <summary>
    /// The hash of a user key in a filter: XXH64 with seed 0 (docs/format.md, "Filter block"). PART OF THE ON-DISK
    /// FORMAT: a filter written with one hash can only be read with the same one; a new hash needs a new filter kind.
    /// System.IO.Hashing's XXH64, which replaced our own copy with the same bytes (the version-1 and fixture tables,
    /// whose filters the old code wrote, are read through it in the tests). Allocation-free.
    /// </summary>
    public static ulong KeyHash(ReadOnlySpan<byte> userKey) => System.IO.Hashing.XxHash64.HashToUInt64(userKey);

    public bool MayContainHash(ulong hash)
    {
        int line = LineOffset(hash, _lines);
        uint p = (uint)(hash >> 32);
        byte[] data = _data;
        for (int i = 0; i < _probes; i++, p *= ProbeMultiplier)
        {
            int bit = (int)(p >> 23);
            if ((data[line + (bit >> 3)] & (1 << (bit & 7))) == 0)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Sets a key's bits (the writer's half of <see cref="MayContainHash"/>).</summary>
    internal static void AddHash(byte[] data, int lines, int probes, ulong hash)
    {
        int line = LineOffset(hash, (uint)lines);
        uint p = (uint)(hash >> 32);
        for (int i = 0; i < probes; i++, p *= ProbeMultiplier)
        {
            int bit = (int)(p >> 23);
            data[line + (bit >> 3)] |= (byte)(1 << (bit & 7));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int LineOffset(ulong hash, uint lines) => (int)(((ulong)(uint)hash * lines) >> 32) * LineBytes;
}
