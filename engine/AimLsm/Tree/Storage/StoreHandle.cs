using AimLsm.Kv;

namespace AimLsm.Tree.Storage;

/// <summary>
/// A reference-counted engine instance. A read-only slot swaps its instance on a repo refresh;
/// reads in flight keep the old one alive through their lease, and the last release disposes it.
/// </summary>
internal sealed class StoreHandle
{
    private int _refs = 1;

    public StoreHandle(Db db) => Db = db;

    public Db Db { get; }

    public void Acquire() => Interlocked.Increment(ref _refs);

    public void Release()
    {
        if (Interlocked.Decrement(ref _refs) == 0)
        {
            Db.Dispose();
        }
    }
}

/// <summary>A read's hold on a <see cref="StoreHandle"/>; dispose it when the read is done.</summary>
internal readonly struct StoreLease(StoreHandle handle) : IDisposable
{
    public Db Db => handle.Db;

    /// <summary>The blob reads of the leased engine: what the layers above the tree use instead of <see cref="Db"/>.</summary>
    public BlobReader Blobs => new(handle.Db);

    public void Dispose() => handle.Release();
}
