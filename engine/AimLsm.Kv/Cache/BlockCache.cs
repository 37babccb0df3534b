using System.Numerics;

namespace AimLsm.Kv.Cache;

/// <summary>
/// The block cache shared by every table of a database: uncompressed data blocks keyed by (table file number,
/// block offset), in 2^k LRU shards chosen by a hash of the key so that concurrent readers rarely meet on a lock.
/// Capacity counts the blocks' uncompressed lengths (split evenly between the shards); the buffers are rented from
/// <see cref="Common.PooledBuffers"/>, so their real footprint is the pool's rounded-up size (blocks above 1 MiB are
/// plain arrays, never kept in the pool after eviction).
/// The cache keeps byte arrays and one small object per block, nothing with references into the blocks, so a
/// large cache adds little to the GC's marking work (Pebble's lesson).
/// Thread-safe. A lookup, hit or miss, allocates nothing.
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

    /// <summary>Bytes of blocks held now (uncompressed lengths), not counting evicted blocks still in use.</summary>
    public long Usage => Sum(static s => s.Usage);

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
    /// Adds a block and returns a reference to it that the caller must release. The cache takes ownership of
    /// <paramref name="buffer"/>, which must come from <see cref="Common.PooledBuffers.Rent"/>; its contents
    /// are <c>[0, length)</c>. When the block is already cached, the cached copy is returned and
    /// <paramref name="buffer"/> goes back to the pool. A block larger than a shard's capacity is not kept.
    /// </summary>
    public BlockHandleRef Insert(ulong fileNumber, ulong offset, byte[] buffer, int length)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, buffer.Length);
        var key = new BlockCacheKey(fileNumber, offset);
        return ShardOf(key).Insert(key, buffer, length);
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
