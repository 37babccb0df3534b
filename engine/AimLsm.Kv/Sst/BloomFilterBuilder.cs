using System.Buffers;
using System.Buffers.Binary;

namespace AimLsm.Kv.Sst;

/// <summary>
/// Builds a table's whole-key bloom filter (layout in <see cref="BloomFilter"/>, docs/format.md "Filter block") from
/// the user keys of its point entries. Keys arrive in table order, so the versions of one user key are adjacent;
/// a key whose hash equals the previous key's is not counted twice. Memory: 8 bytes per distinct key until
/// <see cref="Finish"/>, in arrays rented from <see cref="ArrayPool{T}.Shared"/> up to <see cref="MaxPooledHashes"/>
/// (every flush and compaction grows one by doubling: allocated, a 100k-key table left about 2 MB of large-object
/// garbage behind) and returned by <see cref="Finish"/>. Not thread-safe.
/// </summary>
internal sealed class BloomFilterBuilder
{
    private readonly int _bitsPerKey;
    /// <summary>The largest hash array kept in the pool: as many hashes as <see cref="Common.PooledBuffers.MaxPooledBytes"/>
    /// holds, for the same reason (the shared pool keeps what it is given for the life of the process).</summary>
    private const int MaxPooledHashes = Common.PooledBuffers.MaxPooledBytes / sizeof(ulong);

    private ulong[] _hashes = [];
    private int _count;

    /// <param name="bitsPerKey">1..64; 10 gives about 1% false positives.</param>
    public BloomFilterBuilder(int bitsPerKey)
    {
        if (bitsPerKey is < 1 or > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(bitsPerKey), bitsPerKey, "bits per key must be 1..64");
        }
        _bitsPerKey = bitsPerKey;
    }

    /// <summary>Distinct keys added so far.</summary>
    public int KeyCount => _count;

    public void AddKey(ReadOnlySpan<byte> userKey)
    {
        ulong h = BloomFilter.KeyHash(userKey);
        if (_count > 0 && _hashes[_count - 1] == h)
        {
            return; // another version of the same user key (or a full 64-bit collision, which sets the same bits)
        }
        if (_count == _hashes.Length)
        {
            Grow();
        }
        _hashes[_count++] = h;
    }

    private void Grow()
    {
        int size = Math.Max(256, _hashes.Length * 2);
        ulong[] bigger = size > MaxPooledHashes ? new ulong[size] : ArrayPool<ulong>.Shared.Rent(size);
        _hashes.AsSpan(0, _count).CopyTo(bigger);
        ReturnHashes();
        _hashes = bigger;
    }

    /// <summary>Gives the hash array back to the pool (one above <see cref="MaxPooledHashes"/> to the GC); leaves an empty one.</summary>
    private void ReturnHashes()
    {
        if (_hashes.Length is > 0 and <= MaxPooledHashes)
        {
            ArrayPool<ulong>.Shared.Return(_hashes);
        }
        _hashes = [];
    }

    /// <summary>
    /// RocksDB's choice for its cache-local bloom (FastLocalBloomImpl::ChooseNumProbes): the probe count that
    /// minimizes false positives when all probes of a key fall in one 512-bit line.
    /// </summary>
    public static int ChooseNumProbes(int bitsPerKey)
    {
        int millibits = bitsPerKey * 1000;
        return millibits switch
        {
            <= 2080 => 1,
            <= 3580 => 2,
            <= 5100 => 3,
            <= 6640 => 4,
            <= 8300 => 5,
            <= 10070 => 6,
            <= 11720 => 7,
            <= 14001 => 8,
            <= 16050 => 9,
            <= 18300 => 10,
            <= 22001 => 11,
            <= 25501 => 12,
            > 50000 => 24,
            _ => ((millibits - 1) / 2000) - 1,
        };
    }

    /// <summary>The filter block contents, or null when no key was added (the table then has no filter block).</summary>
    public byte[]? Finish()
    {
        if (_count == 0)
        {
            ReturnHashes();
            return null;
        }
        long bits = (long)_count * _bitsPerKey;
        long lineCount = Math.Max(1, (bits + BloomFilter.LineBits - 1) / BloomFilter.LineBits);
        if (lineCount * BloomFilter.LineBytes > int.MaxValue / 2)
        {
            throw new InvalidOperationException($"a bloom filter over {_count} keys would exceed 1 GiB");
        }
        int lines = (int)lineCount;
        int probes = ChooseNumProbes(_bitsPerKey);
        byte[] block = new byte[(lines * BloomFilter.LineBytes) + BloomFilter.MetadataSize];
        for (int i = 0; i < _count; i++)
        {
            BloomFilter.AddHash(block, lines, probes, _hashes[i]);
        }
        Span<byte> meta = block.AsSpan(lines * BloomFilter.LineBytes);
        meta[0] = BloomFilter.KindCacheLocalXxh64;
        meta[1] = (byte)probes;
        meta[2] = BloomFilter.LineBytesLog2;
        meta[3] = 0;
        BinaryPrimitives.WriteUInt32LittleEndian(meta[4..], (uint)lines);
        _count = 0;
        ReturnHashes();
        return block;
    }
}
