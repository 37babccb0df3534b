using System.Buffers;

namespace AimLsm.Kv.Cache;

/// <summary>
/// One shard of a <see cref="BlockCache"/>: a map from (file number, block offset) to block, and an LRU list over
/// the same blocks, both guarded by <see cref="_lock"/>. Eviction takes blocks from the LRU end whether or not a
/// reader still holds them: an evicted block leaves the map and the usage at once, and its buffer returns to the
/// pool when its last reader releases it. Usage counts the blocks in the map only.
/// </summary>
internal sealed class BlockCacheShard
{
    private readonly Lock _lock = new();
    private readonly Dictionary<BlockCacheKey, CachedBlock> _map = [];
    private readonly long _capacity;
    private CachedBlock? _head; // most recently used
    private CachedBlock? _tail; // least recently used; evicted first
    private long _usage;        // guarded by _lock; read without it for statistics
    private long _hits;         // guarded by _lock
    private long _misses;       // guarded by _lock

    public BlockCacheShard(long capacity)
    {
        _capacity = capacity;
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
                MoveToFront(block);
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
    public BlockHandleRef Insert(BlockCacheKey key, byte[] buffer, int length)
    {
        lock (_lock)
        {
            if (_map.TryGetValue(key, out CachedBlock? existing))
            {
                // Another reader loaded the same block first: share its copy, drop ours.
                existing.AddRef();
                MoveToFront(existing);
                Common.PooledBuffers.Return(buffer);
                return new BlockHandleRef(existing);
            }
            if (length > _capacity)
            {
                // Too large to keep: the caller's reference is the only one.
                return new BlockHandleRef(new CachedBlock(key.FileNumber, key.Offset, buffer, length, refs: 1));
            }
            var block = new CachedBlock(key.FileNumber, key.Offset, buffer, length, refs: 2);
            _map.Add(key, block);
            block.InCache = true;
            PushFront(block);
            Volatile.Write(ref _usage, _usage + length);
            while (_usage > _capacity && _tail is not null && _tail != block)
            {
                Remove(_tail);
            }
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
        Volatile.Write(ref _usage, _usage - block.Length);
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
