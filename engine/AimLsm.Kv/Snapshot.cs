namespace AimLsm.Kv;

/// <summary>
/// A stable, read-only view of the database as of one sequence number. Reads and iterators given it see exactly the
/// writes made before it was taken. Dispose it when done: the engine keeps the versions it can see until then.
/// </summary>
public sealed class Snapshot : IDisposable
{
    private readonly Db _db;
    private int _released;

    internal Snapshot(Db db, ulong sequence)
    {
        _db = db;
        Sequence = sequence;
    }

    /// <summary>The sequence number the snapshot reads at: the last write it sees.</summary>
    public ulong Sequence { get; }

    internal bool IsReleased => Volatile.Read(ref _released) != 0;

    internal Db Owner => _db;

    /// <summary>Releases the snapshot.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            _db.ReleaseSnapshot(this);
        }
    }
}
