namespace AimLsm.Kv.Memtable;

/// <summary>
/// Bump allocator over large arrays allocated pinned on the pinned object heap, so that memtable entries cost the
/// garbage collector a handful of objects however many entries there are (Pebble's lesson, docs/memory.md), and
/// raw pointers into them stay valid for the arena's lifetime without fixed statements.
/// Lifetime: the memory lives as long as the arena object is reachable; readers that hold the memtable keep it alive.
/// With a <see cref="ChunkPool"/>, <see cref="Release"/> hands the chunks back for reuse: call it only when no reader
/// can touch the memory any more (the memtable's reference count says when).
/// Not thread-safe: one writer allocates (the memtable's writer); readers only read published memory.
/// </summary>
internal sealed unsafe class Arena
{
    private readonly ChunkPool? _pool;
    private readonly int _chunkSize;
    private readonly List<byte[]> _chunks = [];
    private byte* _next;
    private int _remaining;
    private long _allocated;
    private long _used;

    public Arena(int chunkSize, ChunkPool? pool = null)
    {
        _chunkSize = pool?.ChunkSize ?? chunkSize;
        _pool = pool;
    }

    /// <summary>Returns every standard-size chunk to the pool. REQUIRES: no reader or writer uses this arena again.</summary>
    public void Release()
    {
        if (_pool is null)
        {
            return;
        }
        foreach (byte[] c in _chunks)
        {
            _pool.Return(c);
        }
        _chunks.Clear();
    }

    /// <summary>Bytes reserved from the runtime, the memtable's true memory cost.</summary>
    public long MemoryUsage => Volatile.Read(ref _allocated);

    /// <summary>Bytes handed out, the figure the write buffer size is compared with.</summary>
    public long BytesUsed => Volatile.Read(ref _used);

    /// <summary>Returns <paramref name="size"/> bytes aligned to 8. Their contents are undefined (pooled chunks are reused).</summary>
    public byte* Allocate(int size)
    {
        int aligned = (size + 7) & ~7;
        Volatile.Write(ref _used, _used + aligned);
        if (aligned > _remaining)
        {
            // Entries larger than a quarter chunk get a chunk of their own, so the current one is not wasted.
            if (aligned > _chunkSize / 4)
            {
                return NewChunk(aligned);
            }
            _next = NewChunk(_chunkSize);
            _remaining = _chunkSize;
        }
        byte* p = _next;
        _next += aligned;
        _remaining -= aligned;
        return p;
    }

    private byte* NewChunk(int size)
    {
        byte[] chunk = _pool is not null && size == _chunkSize ? _pool.Rent() : GC.AllocateUninitializedArray<byte>(size, pinned: true);
        _chunks.Add(chunk);
        Volatile.Write(ref _allocated, _allocated + size);
        fixed (byte* p = chunk)
        {
            // Pinned-heap arrays never move, so the address outlives the fixed block.
            return p;
        }
    }
}
