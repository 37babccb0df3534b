using System.Buffers;
using AimLsm.Kv.Common;

namespace AimLsm.Kv.Cache;

/// <summary>
/// One uncompressed block owned by a <see cref="BlockCache"/>: a buffer rented from
/// <see cref="Common.PooledBuffers"/> and a reference count. The count is the cache's own reference (held while the
/// block is in the cache's table) plus one per outstanding <see cref="BlockHandleRef"/>; the buffer goes back to
/// the pool when the count reaches zero, so a block evicted while an iterator reads it stays valid until that
/// iterator releases it. The LRU links and <see cref="InCache"/> are guarded by the owning shard's lock.
/// </summary>
internal sealed class CachedBlock
{
    private byte[]? _buffer;
    private int _refs;

    internal CachedBlock(ulong fileNumber, ulong offset, byte[] buffer, int length, int refs)
    {
        FileNumber = fileNumber;
        Offset = offset;
        _buffer = buffer;
        Length = length;
        _refs = refs;
    }

    public ulong FileNumber { get; }

    public ulong Offset { get; }

    /// <summary>Uncompressed contents' length: also what the block is charged against the capacity.</summary>
    public int Length { get; }

    /// <summary>The buffer; valid while the caller holds a reference.</summary>
    public byte[] Buffer => _buffer ?? ThrowReleased();

    /// <summary>Current references (for tests and invariants).</summary>
    internal int RefCount => Volatile.Read(ref _refs);

    // Guarded by the shard lock.
    internal CachedBlock? LruPrev;
    internal CachedBlock? LruNext;
    internal bool InCache;

    /// <summary>Adds a reference. REQUIRES: the caller already holds one, or holds the shard lock while InCache.</summary>
    internal void AddRef() => Interlocked.Increment(ref _refs);

    /// <summary>Drops a reference; the last one returns the buffer to the pool.</summary>
    internal void Release()
    {
        int r = Interlocked.Decrement(ref _refs);
        if (r == 0)
        {
            byte[]? b = Interlocked.Exchange(ref _buffer, null);
            if (b is not null)
            {
                Common.PooledBuffers.Return(b);
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
