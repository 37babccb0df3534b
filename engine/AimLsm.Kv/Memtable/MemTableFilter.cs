using System.Runtime.CompilerServices;

namespace AimLsm.Kv.Memtable;

/// <summary>
/// A whole-key filter over a memtable's point entries (RocksDB's <c>memtable_whole_key_filtering</c>), so that a point
/// lookup of a key the memtable does not hold costs one cache line instead of a skiplist search (about 20 dependent
/// node loads in a full 64 MiB memtable, each a likely cache miss). In memory only, never written to disk.
/// Layout: a blocked bloom filter of 64-bit words; a key sets 4 bits of one word, chosen by its 64-bit hash
/// (<see cref="MemTable.KeyHash"/>): word = (low 32 bits x words) >> 32, bits = four 6-bit fields of the high 32 bits.
/// Thread safety: one writer (the memtable's) sets bits with plain 8-byte stores, atomic on every 64-bit platform;
/// readers load words without a lock. The writer sets a key's bits before the skiplist's release store links its
/// entry, and the database publishes the entry's sequence number after that, so a reader whose snapshot includes the
/// entry sees its bits: the filter never hides a visible entry. False positives only cost the skiplist search.
/// </summary>
internal sealed class MemTableFilter
{
    private readonly ulong[] _words;

    /// <summary>A filter of one 64-bit word per 256 bytes of write buffer (2 MiB for 64 MiB), at least 8 words.</summary>
    /// <remarks>A 64 MiB memtable of the 116-byte entries of db_bench holds about 480,000 keys: under 2 keys per
    /// word, about 0.2% false positives. Entries of 40 bytes (1.6 million keys) still give about 3%.</remarks>
    public MemTableFilter(long writeBufferSize)
    {
        long words = Math.Clamp(writeBufferSize / 256, 8, 1 << 24);
        _words = GC.AllocateArray<ulong>((int)words, pinned: false);
    }

    /// <summary>Bytes the filter occupies.</summary>
    public long MemoryUsage => _words.LongLength * sizeof(ulong);

    /// <summary>Sets the bits of a key's hash. REQUIRES: the caller is the memtable's one writer.</summary>
    public void Add(ulong hash)
    {
        ref ulong word = ref _words[WordIndex(hash)];
        Volatile.Write(ref word, word | Mask(hash));
    }

    /// <summary>False when no key with this hash was added; true when one may have been.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool MayContain(ulong hash)
    {
        ulong mask = Mask(hash);
        return (Volatile.Read(ref _words[WordIndex(hash)]) & mask) == mask;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int WordIndex(ulong hash) => (int)(((ulong)(uint)hash * (ulong)_words.Length) >> 32);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mask(ulong hash)
    {
        uint h = (uint)(hash >> 32);
        return (1UL << (int)(h & 63)) | (1UL << (int)((h >> 6) & 63)) | (1UL << (int)((h >> 12) & 63)) | (1UL << (int)((h >> 18) & 63));
    }
}
