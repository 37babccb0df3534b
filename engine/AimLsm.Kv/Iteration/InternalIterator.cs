namespace AimLsm.Kv.Iteration;

/// <summary>
/// A cursor over internal keys (user key + trailer) in internal-key order, implemented by the memtable, the SST
/// reader and the merging iterator. <see cref="Key"/> and <see cref="Value"/> stay valid until the cursor moves.
/// Damage found while reading throws <see cref="CorruptionException"/>. Not thread-safe.
/// </summary>
internal abstract class InternalIterator : IDisposable
{
    public abstract bool Valid { get; }

    public abstract ReadOnlySpan<byte> Key { get; }

    public abstract ReadOnlySpan<byte> Value { get; }

    public abstract void SeekToFirst();

    public abstract void SeekToLast();

    /// <summary>Positions at the first entry whose internal key is at least <paramref name="internalKey"/>.</summary>
    public abstract void Seek(ReadOnlySpan<byte> internalKey);

    /// <summary>REQUIRES: <see cref="Valid"/>.</summary>
    public abstract void Next();

    /// <summary>REQUIRES: <see cref="Valid"/>.</summary>
    public abstract void Prev();

    public virtual void Dispose()
    {
    }
}
