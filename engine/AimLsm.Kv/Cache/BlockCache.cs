using System.Numerics;

namespace AimLsm.Kv.Cache;

/// <summary>
/// The block cache shared by every table of a database: uncompressed data blocks keyed by (table file number,
/// block offset), in 2^k LRU shards chosen by a hash of the key so that concurrent readers rarely meet on a lock.
/// Capacity counts the blocks' buffers at their real length (split evenly between the shards): each block is stored
/// in an array of its size class, at most ~3% longer than the block (<see cref="BlockCacheShard.SizeClass"/>), that
/// the cache itself allocates (<see cref="Rent"/>) and reuses after eviction, so what the capacity says is what the
/// cache occupies, plus at most <see cref="FreeLimit"/> in free buffers and the evicted blocks readers still hold.
/// The cache keeps byte arrays (on the pinned object heap, never copied by the GC) and one small reused object per
/// block, nothing with references into the blocks, so a large cache adds little to the GC's marking work (Pebble's
/// lesson). Thread-safe. A lookup, hit or miss, allocates nothing; nor does a miss once the cache is warm.
/// </summary>
internal sealed class BlockCache
{
    /// <summary>Shards are made no smaller than this, up to <see cref="MaxShardBits"/> of them (RocksDB's rule).</summary>
    private const long MinShardCapacity = 512 * 1024;

    private const int MaxShardBits = 4;

    private readonly BlockCacheShard[] _shards;
    private readonly int _shardBits;

    /// <summary>A cache of at most <paramref name="capacityBytes"/> bytes of blocks, in up to 16 shards.</summary>
    public BlockCache(long capacityBytes)
        : this(capacityBytes, DefaultShardBits(capacityBytes))
    {
    }

    /// <summary>A cache with 2^<paramref name="shardBits"/> shards (0..8).</summary>
    public BlockCache(long capacityBytes, int shardBits)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacityBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(shardBits);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(shardBits, 8);
        Capacity = capacityBytes;
        _shardBits = shardBits;
        _shards = new BlockCacheShard[1 << shardBits];
        long perShard = (capacityBytes + _shards.Length - 1) >> shardBits;
        for (int i = 0; i < _shards.Length; i++)
        {
            _shards[i] = new BlockCacheShard(perShard);
        }
    }

    public long Capacity { get; }

    public int ShardCount => _shards.Length;

    /// <summary>Bytes of block buffers held now (real lengths), not counting evicted blocks still in use.</summary>
    public long Usage => Sum(static s => s.Usage);

    /// <summary>Bytes of freed buffers kept for reuse, at most <see cref="FreeLimit"/>.</summary>
    public long FreeBytes => Sum(static s => s.FreeBytes);

    /// <summary>The most bytes of freed buffers kept for reuse: 1/32 of the capacity, at least 64 KiB a shard, at most the capacity.</summary>
    public long FreeLimit => Sum(static s => s.FreeLimit);

    public long Hits => Sum(static s => s.Hits);

    public long Misses => Sum(static s => s.Misses);

    /// <summary>Blocks held now.</summary>
    public int Count => (int)Sum(static s => s.Count);

    private long Sum(Func<BlockCacheShard, long> counter)
    {
        long sum = 0;
        foreach (BlockCacheShard s in _shards)
        {
            sum += counter(s);
        }
        return sum;
    }

    /// <summary>Looks a block up; on a hit the caller owns a reference and must <see cref="BlockHandleRef.Release"/> it.</summary>
    public bool TryGet(ulong fileNumber, ulong offset, out BlockHandleRef handle)
    {
        var key = new BlockCacheKey(fileNumber, offset);
        return ShardOf(key).TryGet(key, out handle);
    }

    /// <summary>
    /// A buffer for the block at (<paramref name="fileNumber"/>, <paramref name="offset"/>) of
    /// <paramref name="length"/> bytes, to fill and then hand to <see cref="Insert"/>: at least
    /// <paramref name="length"/> long (its size class), a freed one when the block's shard has one. A buffer not
    /// inserted (the read failed) is simply dropped.
    /// </summary>
    public byte[] Rent(ulong fileNumber, ulong offset, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return ShardOf(new BlockCacheKey(fileNumber, offset)).Rent(length);
    }

    /// <summary>
    /// Adds a block and returns a reference to it that the caller must release. The cache takes ownership of
    /// <paramref name="buffer"/> (best from <see cref="Rent"/>; any array works, and is charged its whole length);
    /// its contents are <c>[0, length)</c>. When the block is already cached, the cached copy is returned and
    /// <paramref name="buffer"/> is taken back. A block larger than a shard's capacity is not kept.
    /// A <paramref name="lowPriority"/> block goes in at the least recently used end, so it is the first evicted
    /// unless it is read again: what a long scan reads passes through the cache without pushing out the blocks that
    /// point reads keep using (RocksDB's low-priority pool, here of no fixed size), yet stays while there is room.
    /// </summary>
    public BlockHandleRef Insert(ulong fileNumber, ulong offset, byte[] buffer, int length, bool lowPriority = false)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, buffer.Length);
        var key = new BlockCacheKey(fileNumber, offset);
        return ShardOf(key).Insert(key, buffer, length, lowPriority);
    }

    /// <summary>Drops every block of a table, for when the table is deleted. Readers holding a block keep it.</summary>
    public void EraseFile(ulong fileNumber)
    {
        foreach (BlockCacheShard s in _shards)
        {
            s.EraseFile(fileNumber);
        }
    }

    /// <summary>Drops every block (blocks still held are freed when released).</summary>
    public void Clear()
    {
        foreach (BlockCacheShard s in _shards)
        {
            s.Clear();
        }
    }

    private BlockCacheShard ShardOf(BlockCacheKey key)
    {
        if (_shardBits == 0)
        {
            return _shards[0];
        }
        ulong h = (key.FileNumber * 0x9E3779B97F4A7C15UL) ^ (key.Offset * 0xC2B2AE3D27D4EB4FUL);
        h ^= h >> 29;
        h *= 0xBF58476D1CE4E5B9UL;
        return _shards[(int)(h >> (64 - _shardBits))];
    }

    private static int DefaultShardBits(long capacity)
    {
        long shards = capacity / MinShardCapacity;
        return shards <= 1 ? 0 : Math.Min(MaxShardBits, BitOperations.Log2((ulong)shards));
    }
}
