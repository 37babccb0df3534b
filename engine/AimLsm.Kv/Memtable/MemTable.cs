using AimLsm.Kv.Iteration;
using AimLsm.Kv.Keys;
using AimLsm.Kv.RangeDel;

namespace AimLsm.Kv.Memtable;

/// <summary>
/// The in-memory write buffer: point entries in an arena-backed <see cref="SkipList"/>, range tombstones in a list
/// beside it. One writer at a time (the write path's lock); readers need no lock. Once the memtable is full it
/// becomes immutable and is flushed to an L0 SSTable; it is never modified again.
/// </summary>
internal sealed unsafe class MemTable
{
    private readonly Arena _arena;
    private readonly SkipList _list;
    private readonly MemTableFilter _filter;
    private readonly object _tombstoneGate = new();
    private readonly List<RangeTombstone> _tombstones = [];
    private long _tombstoneBytes;
    private FragmentedRangeTombstones? _fragmented = FragmentedRangeTombstones.Empty;

    /// <param name="logNumber">The WAL file that holds this memtable's writes (0 when none).</param>
    /// <param name="writeBufferSize">Sizes the arena's chunks.</param>
    /// <param name="pool">Where the arena takes chunks from and returns them to, or null to leave them to the GC.</param>
    public MemTable(ulong logNumber, long writeBufferSize, ChunkPool? pool = null)
    {
        LogNumber = logNumber;
        int chunkSize = pool?.ChunkSize ?? ChunkSizeFor(writeBufferSize);
        _arena = new Arena(chunkSize, pool);
        _list = new SkipList(_arena);
        _filter = new MemTableFilter(_arena, writeBufferSize, chunkSize);
    }

    /// <summary>
    /// The hash a point lookup and the memtable's filter take: XXH64 of the user key with seed 0, the same as
    /// <see cref="Sst.BloomFilter.KeyHash"/>, so that a point lookup hashes its key once for every memtable and table.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static ulong KeyHash(ReadOnlySpan<byte> userKey) => System.IO.Hashing.XxHash64.HashToUInt64(userKey);

    /// <summary>The arena chunk size for a write buffer: an eighth of it, between 4 KiB and 4 MiB.</summary>
    public static int ChunkSizeFor(long writeBufferSize) => (int)Math.Clamp(writeBufferSize / 8, 4096, 4 << 20);

    /// <summary>One per super version holding the memtable; the last release gives the arena back to its pool.</summary>
    private int _refs;

    public void Ref() => Interlocked.Increment(ref _refs);

    public void Unref()
    {
        if (Interlocked.Decrement(ref _refs) == 0)
        {
            _arena.Release();
        }
    }

    public ulong LogNumber { get; }

    /// <summary>Bytes of entries held, compared with the write buffer size.</summary>
    public long ApproximateMemoryUsage => _arena.BytesUsed + Volatile.Read(ref _tombstoneBytes);

    public bool IsEmpty => _list.Count == 0 && Volatile.Read(ref _tombstoneBytes) == 0;

    public int Count => _list.Count;

    /// <summary>True once a write skipped the WAL: closing the database must flush this memtable or lose it.</summary>
    public bool HasUnloggedWrites { get; set; }

    /// <summary>Adds one update. REQUIRES: the caller serializes writers.</summary>
    public void Add(ulong sequence, EntryType type, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (type == EntryType.RangeDeletion)
        {
            lock (_tombstoneGate)
            {
                _tombstones.Add(new RangeTombstone(key.ToArray(), value.ToArray(), sequence));
                _tombstoneBytes += key.Length + value.Length + 64;
                _fragmented = null;
            }
            return;
        }
        // The filter first: its bits must be set before the skiplist's release store publishes the entry.
        _filter.Add(KeyHash(key));
        _list.Insert(key, sequence, type, value);
    }

    /// <summary>Adds a put whose value is <paramref name="valueHead"/> then <paramref name="valueTail"/>, copied once,
    /// into the arena. REQUIRES: the caller serializes writers.</summary>
    public void AddPut(ulong sequence, ReadOnlySpan<byte> key, ReadOnlySpan<byte> valueHead, ReadOnlySpan<byte> valueTail)
    {
        _filter.Add(KeyHash(key));
        _list.Insert(key, sequence, EntryType.Value, valueHead, valueTail);
    }

    /// <summary>The range tombstones, fragmented for lookups. Cached until the next range deletion.</summary>
    public FragmentedRangeTombstones Tombstones
    {
        get
        {
            FragmentedRangeTombstones? f = Volatile.Read(ref _fragmented);
            if (f is not null)
            {
                return f;
            }
            lock (_tombstoneGate)
            {
                return _fragmented ??= FragmentedRangeTombstones.Build(_tombstones);
            }
        }
    }

    /// <summary>A copy of the raw range tombstones.</summary>
    public RangeTombstone[] RangeTombstones()
    {
        lock (_tombstoneGate)
        {
            return [.. _tombstones];
        }
    }

    /// <summary>The longest user key whose seek key <c>Get</c> builds on the stack; a longer one takes a heap buffer.</summary>
    internal const int MaxStackSeekKey = 256;

    /// <summary>
    /// Finds the newest point entry for <paramref name="userKey"/> at or below <paramref name="snapshot"/>.
    /// The value span points into the arena and stays valid while the memtable is reachable.
    /// </summary>
    public bool Get(ReadOnlySpan<byte> userKey, ulong snapshot, out EntryType type, out ulong sequence, out ReadOnlySpan<byte> value) =>
        Get(userKey, KeyHash(userKey), snapshot, out type, out sequence, out value);

    /// <summary>As <see cref="Get(ReadOnlySpan{byte}, ulong, out EntryType, out ulong, out ReadOnlySpan{byte})"/>, with
    /// the key's <see cref="KeyHash"/> already computed: a key the filter rules out skips the skiplist search.</summary>
    public bool Get(ReadOnlySpan<byte> userKey, ulong keyHash, ulong snapshot, out EntryType type, out ulong sequence, out ReadOnlySpan<byte> value)
    {
        if (!_filter.MayContain(keyHash))
        {
            type = default;
            sequence = 0;
            value = default;
            return false;
        }
        Span<byte> seekKey = userKey.Length <= MaxStackSeekKey ? stackalloc byte[userKey.Length + InternalKey.TrailerSize] : new byte[userKey.Length + InternalKey.TrailerSize];
        InternalKey.Write(seekKey, userKey, snapshot, EntryType.ForSeek);
        byte* node = _list.FindGreaterOrEqual(seekKey);
        if (node != null)
        {
            ReadOnlySpan<byte> k = SkipList.KeyOf(node);
            if (InternalKey.UserKey(k).SequenceEqual(userKey))
            {
                ulong trailer = InternalKey.Trailer(k);
                type = (EntryType)(byte)trailer;
                sequence = trailer >> 8;
                value = SkipList.ValueOf(node);
                return true;
            }
        }
        type = default;
        sequence = 0;
        value = default;
        return false;
    }

    public InternalIterator NewIterator() => new MemTableIterator(this);

    private sealed class MemTableIterator(MemTable table) : InternalIterator
    {
        // Holding the memtable keeps its arena, and so every node pointer, alive.
        private readonly MemTable _table = table;
        private byte* _node;

        public override bool Valid => _node != null;

        public override ReadOnlySpan<byte> Key => SkipList.KeyOf(_node);

        public override ReadOnlySpan<byte> Value => SkipList.ValueOf(_node);

        public override void SeekToFirst() => _node = _table._list.First;

        public override void SeekToLast() => _node = _table._list.FindLast();

        public override void Seek(ReadOnlySpan<byte> internalKey) => _node = _table._list.FindGreaterOrEqual(internalKey);

        public override void Next() => _node = SkipList.Next(_node);

        // No back links: LevelDB's search from the top, O(log n).
        public override void Prev() => _node = _table._list.FindLessThan(SkipList.KeyOf(_node));
    }
}
