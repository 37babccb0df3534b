namespace AimLsm.Kv.Cache;

/// <summary>
/// One shard of a <see cref="BlockCache"/>: a map from (file number, block offset) to block, and a recency list over
/// the same blocks, both guarded by <see cref="_lock"/>. The list is LRU with a second chance (CLOCK, as RocksDB's
/// HyperClockCache): a hit only marks its block <see cref="CachedBlock.Referenced"/> instead of relinking it at the
/// front, which would write to two neighbouring blocks' objects, each a likely CPU cache miss, on every hit;
/// eviction takes the block at the tail unless it is marked, and a marked one goes back to the front unmarked.
/// Eviction takes blocks whether or not a reader still holds them: an evicted block leaves the map and the usage at
/// once, and its buffer comes back when its last reader releases it. Usage counts the buffers of the blocks in the
/// map only, at their real length.
/// <para>
/// Memory. The shard owns its buffers: each is an array of the block's size class (<see cref="SizeClass"/>: the
/// length rounded up by at most about 3%, so a 4.1 KiB block costs 4.1 KiB, not the 8 KiB of a power-of-two pool),
/// allocated on the pinned object heap, which the GC never compacts or copies. A buffer freed by eviction goes to a
/// free list of its class and is handed to the next miss of that class; the free lists hold at most
/// <see cref="FreeLimit"/> bytes (1/32 of the capacity, but room for a few blocks in a small shard, and never more
/// than the capacity) and what is freed beyond that is left to the GC. So the shard's memory is at most its
/// capacity plus <see cref="FreeLimit"/>, plus the evicted blocks readers still hold; and once the cache is warm a
/// miss allocates nothing (the freed <see cref="CachedBlock"/> objects are reused too).
/// </para>
/// </summary>
internal sealed class BlockCacheShard
{
    /// <summary>Free <see cref="CachedBlock"/> objects kept for reuse, at most.</summary>
    private const int MaxFreeBlocks = 4096;

    private readonly Lock _lock = new();
    private readonly Dictionary<BlockCacheKey, CachedBlock> _map = [];
    private readonly long _capacity;
    private readonly Dictionary<int, Stack<byte[]>> _freeBuffers = []; // by size class; guarded by _lock
    private readonly Stack<CachedBlock> _freeBlocks = new();           // guarded by _lock
    private long _freeBytes;    // guarded by _lock: bytes in _freeBuffers
    private CachedBlock? _head; // most recently used
    private CachedBlock? _tail; // least recently used; evicted first
    private long _usage;        // guarded by _lock; read without it for statistics
    private long _hits;         // guarded by _lock
    private long _misses;       // guarded by _lock

    public BlockCacheShard(long capacity)
    {
        _capacity = capacity;
        FreeLimit = Math.Min(capacity, Math.Max(capacity / 32, MinFreeLimit));
    }

    /// <summary>The free lists' least bound: a few default-sized blocks, so that a small shard recycles too.</summary>
    private const long MinFreeLimit = 64 * 1024;

    /// <summary>The most bytes the free lists keep.</summary>
    public long FreeLimit { get; }

    /// <summary>
    /// The buffer length a block of <paramref name="length"/> bytes is stored in: a multiple of 64 bytes up to 8 KiB,
    /// above that a multiple of 1/32 of the next lower power of two (at most ~3% more than the block).
    /// </summary>
    public static int SizeClass(int length)
    {
        int granule = length <= 8192 ? 64 : (int)(System.Numerics.BitOperations.RoundUpToPowerOf2((uint)length + 1) >> 6);
        return Math.Max(granule, (length + granule - 1) / granule * granule);
    }

    /// <summary>Bytes held in the free lists (for tests and statistics).</summary>
    public long FreeBytes => Volatile.Read(ref _freeBytes);

    /// <summary>
    /// A buffer of <paramref name="length"/>'s size class for a block about to be inserted: a freed one, or a new
    /// one from the pinned object heap when none of that class is free.
    /// </summary>
    public byte[] Rent(int length)
    {
        int size = SizeClass(length);
        lock (_lock)
        {
            if (_freeBuffers.TryGetValue(size, out Stack<byte[]>? free) && free.TryPop(out byte[]? buffer))
            {
                Volatile.Write(ref _freeBytes, _freeBytes - buffer.Length);
                return buffer;
            }
        }
        return GC.AllocateUninitializedArray<byte>(size, pinned: true);
    }

    /// <summary>
    /// Takes back a block's buffer and object once nothing references the block. Called by
    /// <see cref="CachedBlock.Release"/>, with or without the lock held (the lock is re-entrant).
    /// </summary>
    internal void Recycle(CachedBlock block, byte[] buffer)
    {
        lock (_lock)
        {
            ReturnBuffer(buffer);
            if (_freeBlocks.Count < MaxFreeBlocks)
            {
                _freeBlocks.Push(block);
            }
        }
    }

    /// <summary>Keeps a buffer for reuse if it is of a size class and the free lists have room. REQUIRES: the lock.</summary>
    private void ReturnBuffer(byte[] buffer)
    {
        if (buffer.Length != SizeClass(buffer.Length) || _freeBytes + buffer.Length > FreeLimit)
        {
            return; // not one of ours, or no room: the GC takes it
        }
        if (!_freeBuffers.TryGetValue(buffer.Length, out Stack<byte[]>? free))
        {
            _freeBuffers.Add(buffer.Length, free = new Stack<byte[]>());
        }
        free.Push(buffer);
        Volatile.Write(ref _freeBytes, _freeBytes + buffer.Length);
    }

    /// <summary>A block object for a new entry, reused when one is free. REQUIRES: the lock.</summary>
    private CachedBlock NewBlock(BlockCacheKey key, byte[] buffer, int length, int refs)
    {
        CachedBlock block = _freeBlocks.TryPop(out CachedBlock? free) ? free : new CachedBlock(this);
        block.Assign(key.FileNumber, key.Offset, buffer, length, refs);
        return block;
    }

    public long Usage => Volatile.Read(ref _usage);

    public long Hits => Volatile.Read(ref _hits);

    public long Misses => Volatile.Read(ref _misses);

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _map.Count;
            }
        }
    }

    public bool TryGet(BlockCacheKey key, out BlockHandleRef handle)
    {
        lock (_lock)
        {
            if (_map.TryGetValue(key, out CachedBlock? block))
            {
                block.AddRef();
                block.Referenced = true;
                _hits++;
                handle = new BlockHandleRef(block);
                return true;
            }
            _misses++;
        }
        handle = default;
        return false;
    }

    /// <summary>See <see cref="BlockCache.Insert"/>.</summary>
    public BlockHandleRef Insert(BlockCacheKey key, byte[] buffer, int length, bool lowPriority)
    {
        lock (_lock)
        {
            if (_map.TryGetValue(key, out CachedBlock? existing))
            {
                // Another reader loaded the same block first: share its copy, drop ours.
                existing.AddRef();
                existing.Referenced = true;
                ReturnBuffer(buffer);
                return new BlockHandleRef(existing);
            }
            if (buffer.Length > _capacity)
            {
                // Too large to keep: the caller's reference is the only one.
                return new BlockHandleRef(NewBlock(key, buffer, length, refs: 1));
            }
            // Room first, then the block: a low-priority block goes to the tail, where evicting after the insert
            // would take it at once. Usage stays at or below the capacity (the block alone fits, checked above).
            // A block read since it last reached the tail gets a second chance (CLOCK): it goes back to the front
            // with its mark cleared. Each mark is cleared once, so the loop ends, and a hit costs only the mark.
            while (_usage + buffer.Length > _capacity && _tail is CachedBlock oldest)
            {
                if (oldest.Referenced)
                {
                    oldest.Referenced = false;
                    MoveToFront(oldest);
                }
                else
                {
                    Remove(oldest);
                }
            }
            CachedBlock block = NewBlock(key, buffer, length, refs: 2);
            _map.Add(key, block);
            block.InCache = true;
            if (lowPriority)
            {
                PushBack(block);
            }
            else
            {
                PushFront(block);
            }
            Volatile.Write(ref _usage, _usage + buffer.Length);
            return new BlockHandleRef(block);
        }
    }

    /// <summary>Drops every block of a file (readers holding one keep it until they release it).</summary>
    public void EraseFile(ulong fileNumber)
    {
        lock (_lock)
        {
            CachedBlock? b = _head;
            while (b is not null)
            {
                CachedBlock? next = b.LruNext;
                if (b.FileNumber == fileNumber)
                {
                    Remove(b);
                }
                b = next;
            }
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            while (_tail is not null)
            {
                Remove(_tail);
            }
        }
    }

    /// <summary>Takes a block out of the map and the list and drops the cache's reference. REQUIRES: the lock.</summary>
    private void Remove(CachedBlock block)
    {
        _map.Remove(new BlockCacheKey(block.FileNumber, block.Offset));
        Unlink(block);
        block.InCache = false;
        Volatile.Write(ref _usage, _usage - block.Buffer.Length);
        block.Release();
    }

    private void MoveToFront(CachedBlock block)
    {
        if (_head != block)
        {
            Unlink(block);
            PushFront(block);
        }
    }

    private void PushFront(CachedBlock block)
    {
        block.LruPrev = null;
        block.LruNext = _head;
        if (_head is not null)
        {
            _head.LruPrev = block;
        }
        _head = block;
        _tail ??= block;
    }

    private void PushBack(CachedBlock block)
    {
        block.LruNext = null;
        block.LruPrev = _tail;
        if (_tail is not null)
        {
            _tail.LruNext = block;
        }
        _tail = block;
        _head ??= block;
    }

    private void Unlink(CachedBlock block)
    {
        if (block.LruPrev is not null)
        {
            block.LruPrev.LruNext = block.LruNext;
        }
        else
        {
            _head = block.LruNext;
        }
        if (block.LruNext is not null)
        {
            block.LruNext.LruPrev = block.LruPrev;
        }
        else
        {
            _tail = block.LruPrev;
        }
        block.LruPrev = block.LruNext = null;
    }
}

/// <summary>A cache key: the table's file number and the block's offset in it.</summary>
internal readonly record struct BlockCacheKey(ulong FileNumber, ulong Offset);
