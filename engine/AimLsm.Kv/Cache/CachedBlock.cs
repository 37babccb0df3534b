using AimLsm.Kv.Common;

namespace AimLsm.Kv.Cache;

/// <summary>
/// One uncompressed block owned by a <see cref="BlockCache"/>: a buffer of the block's size class (see
/// <see cref="BlockCacheShard.SizeClass"/>) and a reference count. The count is the cache's own reference (held while
/// the block is in the cache's table) plus one per outstanding <see cref="BlockHandleRef"/>; when it reaches zero the
/// buffer and this object go back to the owning shard's free lists, so a block evicted while an iterator reads it
/// stays valid until that iterator releases it. Objects are reused for other blocks after that, which is why a
/// handle must be released exactly once. The LRU links, <see cref="InCache"/> and the identity fields are guarded by
/// the owning shard's lock.
/// </summary>
internal sealed class CachedBlock
{
    private byte[]? _buffer;
    private int _refs;

    internal CachedBlock(BlockCacheShard shard)
    {
        Shard = shard;
    }

    /// <summary>The shard whose free lists take the buffer and this object back.</summary>
    public BlockCacheShard Shard { get; }

    public ulong FileNumber { get; private set; }

    public ulong Offset { get; private set; }

    /// <summary>Uncompressed contents' length. The block is charged its buffer's length, which is at least this.</summary>
    public int Length { get; private set; }

    /// <summary>The buffer; valid while the caller holds a reference. Its length is what the cache charges.</summary>
    public byte[] Buffer => _buffer ?? ThrowReleased();

    /// <summary>Current references (for tests and invariants).</summary>
    internal int RefCount => Volatile.Read(ref _refs);

    // Guarded by the shard lock.
    internal CachedBlock? LruPrev;
    internal CachedBlock? LruNext;
    internal bool InCache;

    /// <summary>Read since it was inserted or last passed the eviction end: spared once by eviction (CLOCK).</summary>
    internal bool Referenced;

    /// <summary>Gives a free object its block. REQUIRES: the object is not referenced (new, or taken from the free list).</summary>
    internal void Assign(ulong fileNumber, ulong offset, byte[] buffer, int length, int refs)
    {
        FileNumber = fileNumber;
        Offset = offset;
        Length = length;
        _buffer = buffer;
        LruPrev = LruNext = null;
        InCache = false;
        Referenced = false;
        Volatile.Write(ref _refs, refs);
    }

    /// <summary>Adds a reference. REQUIRES: the caller already holds one, or holds the shard lock while InCache.</summary>
    internal void AddRef() => Interlocked.Increment(ref _refs);

    /// <summary>Drops a reference; the last one gives the buffer and this object back to the shard.</summary>
    internal void Release()
    {
        int r = Interlocked.Decrement(ref _refs);
        if (r == 0)
        {
            byte[]? b = Interlocked.Exchange(ref _buffer, null);
            if (b is not null)
            {
                Shard.Recycle(this, b);
            }
        }
        else if (r < 0)
        {
            ThrowHelper.ThrowInvalidOperation("a cached block was released more times than it was referenced");
        }
    }

    private static byte[] ThrowReleased()
    {
        ThrowHelper.ThrowInvalidOperation("a cached block was used after its last reference was released");
        return null!;
    }
}
