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
internal sealed unsafe class MemTableFilter
{
    private readonly ulong* _words;
    private readonly uint _count;

    /// <summary>
    /// A filter of one 64-bit word per 256 bytes of write buffer, at most a quarter of an arena chunk (so it shares a
    /// pooled chunk with entries instead of taking a chunk of its own) and at least 8 words, allocated from the
    /// memtable's <paramref name="arena"/>: it lives and is freed with the entries, costs the GC nothing, and counts
    /// towards the memtable's size as RocksDB's memtable bloom does.
    /// </summary>
    /// <remarks>A 64 MiB memtable (4 MiB chunks) gets 1 MiB, 131,072 words; its ~480,000 entries of db_bench's
    /// 116 bytes put under 4 keys in a word, about 0.5% false positives.</remarks>
    public MemTableFilter(Arena arena, long writeBufferSize, int chunkSize)
    {
        long words = Math.Max(8, Math.Min(writeBufferSize / 256, chunkSize / 4 / sizeof(ulong)));
        _count = (uint)words;
        _words = (ulong*)arena.Allocate((int)words * sizeof(ulong));
        // Arena memory may be a reused chunk: the filter must start empty.
        new Span<ulong>(_words, (int)words).Clear();
    }

    /// <summary>Sets the bits of a key's hash. REQUIRES: the caller is the memtable's one writer.</summary>
    public void Add(ulong hash)
    {
        ulong* word = _words + WordIndex(hash);
        Volatile.Write(ref *word, *word | Mask(hash));
    }

    /// <summary>False when no key with this hash was added; true when one may have been.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool MayContain(ulong hash)
    {
        ulong mask = Mask(hash);
        return (Volatile.Read(ref *(_words + WordIndex(hash))) & mask) == mask;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private nuint WordIndex(ulong hash) => (nuint)(((ulong)(uint)hash * _count) >> 32);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mask(ulong hash)
    {
        uint h = (uint)(hash >> 32);
        return (1UL << (int)(h & 63)) | (1UL << (int)((h >> 6) & 63)) | (1UL << (int)((h >> 12) & 63)) | (1UL << (int)((h >> 18) & 63));
    }
}
