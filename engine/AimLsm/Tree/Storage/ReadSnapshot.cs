using AimLsm.Kv;

namespace AimLsm.Tree.Storage;

/// <summary>
/// The read scope of one query enumeration over one writer slot: an engine snapshot that every <see cref="Run"/> the
/// enumeration yields from that slot carries (immutably, from its construction), so every read through such a run,
/// on whatever thread, sees the slot as it was when the enumeration reached it, until the enumeration leaves the
/// slot or is disposed (<see cref="Close"/>). After that the runs read the latest state, as any other run does.
/// <para>
/// Evaluating a query over ten thousand runs must cost seeks, not ten thousand iterator creations: the snapshot keeps
/// one idle iterator that a read rents and returns. A read that finds it rented (another thread, or a second reader
/// open on this one, such as a sampler beside a property read) builds its own iterator at the same snapshot, so no
/// iterator is ever used by two reads at once.
/// </para>
/// <para>
/// Thread safety: every member is thread-safe. Invariants, under <c>_lock</c>: <c>_users</c> counts the reads entered
/// and not yet exited; the engine snapshot, the lease and the idle iterator are released exactly once, when the
/// scope is closed and <c>_users</c> is 0; a closed scope admits no new read.
/// </para>
/// </summary>
internal sealed class ReadSnapshot
{
    private readonly Lock _lock = new();
    private readonly StoreLease _lease;
    private readonly Snapshot _snapshot;
    private Iterator? _idle;
    private int _users;
    private bool _closed;

    /// <summary>Takes a snapshot of <paramref name="lease"/>'s engine; the scope owns the lease from here on.</summary>
    public ReadSnapshot(StoreLease lease)
    {
        _lease = lease;
        _snapshot = lease.Db.GetSnapshot();
        Reads = new ReadOptions { Snapshot = _snapshot };
    }

    /// <summary>The engine read; valid between <see cref="TryEnter"/> and <see cref="Exit"/>.</summary>
    public Db Db => _lease.Db;

    /// <summary>Read options at the snapshot, for point lookups and new iterators.</summary>
    public ReadOptions Reads { get; }

    /// <summary>The sequence number the scope reads at (tests compare it across threads).</summary>
    public ulong Sequence => _snapshot.Sequence;

    /// <summary>Begins a read at the snapshot; false once the scope is closed (read the latest state instead). A
    /// true return must be paired with <see cref="Exit"/>.</summary>
    public bool TryEnter()
    {
        lock (_lock)
        {
            if (_closed)
            {
                return false;
            }

            _users++;
            return true;
        }
    }

    /// <summary>Ends a read begun by <see cref="TryEnter"/>; the last read of a closed scope releases it.</summary>
    public void Exit()
    {
        bool release;
        lock (_lock)
        {
            _users--;
            release = _closed && _users == 0;
        }

        if (release)
        {
            Release();
        }
    }

    /// <summary>An iterator at the snapshot for this read alone (between <see cref="TryEnter"/> and <see cref="Exit"/>);
    /// give it back with <see cref="Return"/>.</summary>
    public Iterator Rent()
    {
        Iterator? idle;
        lock (_lock)
        {
            idle = _idle;
            _idle = null;
        }

        return idle ?? Db.NewIterator(Reads);
    }

    /// <summary>Takes back an iterator from <see cref="Rent"/>: kept for the next read, or disposed when one is kept
    /// already or the scope is closing.</summary>
    public void Return(Iterator iterator)
    {
        lock (_lock)
        {
            if (!_closed && _idle is null)
            {
                _idle = iterator;
                return;
            }
        }

        iterator.Dispose();
    }

    /// <summary>Ends the scope: reads entered before finish at the snapshot, later ones read the latest state. The
    /// snapshot and the lease are released when the last read exits. Idempotent.</summary>
    public void Close()
    {
        bool release;
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            release = _users == 0;
        }

        if (release)
        {
            Release();
        }
    }

    private void Release()
    {
        // Only one caller gets here (the invariant above), and no read is in flight, so _idle is ours alone.
        _idle?.Dispose();
        _idle = null;
        _snapshot.Dispose();
        _lease.Dispose();
    }
}
