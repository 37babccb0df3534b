using AimLsm.Common;
using AimLsm.IO;
using AimLsm.Lsm.Memtable;
using AimLsm.Lsm.Version;
using AimLsm.Lsm.Wal;

namespace AimLsm;

/// <summary>
/// An embedded, ordered key-value database with RocksDB's semantics: unsigned bytewise key order, atomic batches,
/// snapshots, iterators with bounds, a write-ahead log and crash recovery.
/// </summary>
/// <remarks>
/// <para>Thread safety: every member may be called from any number of threads at once. Writes are serialized
/// (group commit comes with the compaction work); reads never take a lock and never wait for writers or flushes.</para>
/// <para>Layout: <c>Db.Open.cs</c> opens and recovers, <c>Db.Write.cs</c> writes, <c>Db.Read.cs</c> reads,
/// <c>Db.Flush.cs</c> turns memtables into L0 tables.</para>
/// <para>Lock order: <c>_writeLock</c> before <c>_mutex</c>; nothing is taken while holding <c>_mutex</c> but file I/O.</para>
/// </remarks>
public sealed partial class Db : IDisposable
{
    private readonly string _path;
    private readonly DbOptions _options;
    private readonly IFileSystem _fs;
    private readonly IDisposable _fileLock;
    private readonly VersionSet _versions;
    private readonly TableCache _tables;

    /// <summary>Serializes writers. Guards <see cref="_wal"/>, <see cref="_walNumber"/> and inserts into the mutable memtable.</summary>
    private readonly object _writeLock = new();

    /// <summary>Guards the memtable switch, <see cref="_super"/> replacement, the background error and flush state.</summary>
    private readonly object _mutex = new();

    private readonly List<Snapshot> _snapshots = [];
    private LogWriter? _wal;
    private ulong _walNumber;

    /// <summary>The last sequence number whose write is complete and visible. Published with a release store after the memtable insert.</summary>
    private ulong _lastSequence;

    /// <summary>What readers see: the memtables and the version, swapped atomically as one.</summary>
    private SuperVersion _super;

    private Exception? _backgroundError;
    private volatile bool _disposed;
    private Thread? _flushThread;
    private bool _stopFlushThread;

    private Db(string path, DbOptions options, IFileSystem fs, IDisposable fileLock, VersionSet versions)
    {
        _path = path;
        _options = options;
        _fs = fs;
        _fileLock = fileLock;
        _versions = versions;
        _tables = new TableCache(fs, path);
        _super = new SuperVersion(new MemTable(0, options.WriteBufferSize), null, versions.Current);
    }

    /// <summary>The database directory.</summary>
    public string Path => _path;

    /// <summary>What WAL recovery replayed and dropped when the database was opened.</summary>
    public WalRecoveryReport RecoveryReport { get; private set; } = new();

    /// <summary>The sequence number of the last completed write.</summary>
    public ulong LatestSequenceNumber => Volatile.Read(ref _lastSequence);

    internal bool IsDisposed => _disposed;

    /// <summary>Memtables and version that readers see together.</summary>
    internal sealed record SuperVersion(MemTable Mem, MemTable? Imm, Lsm.Version.Version Version);

    /// <summary>Takes a snapshot of the current state. Dispose it to release it.</summary>
    public Snapshot GetSnapshot()
    {
        ThrowIfDisposed();
        lock (_snapshots)
        {
            var s = new Snapshot(this, Volatile.Read(ref _lastSequence));
            _snapshots.Add(s);
            return s;
        }
    }

    internal void ReleaseSnapshot(Snapshot snapshot)
    {
        lock (_snapshots)
        {
            _snapshots.Remove(snapshot);
        }
    }

    /// <summary>The oldest sequence number a live snapshot reads at, or the latest when none is held.</summary>
    internal ulong OldestSnapshotSequence()
    {
        lock (_snapshots)
        {
            ulong oldest = Volatile.Read(ref _lastSequence);
            foreach (Snapshot s in _snapshots)
            {
                oldest = Math.Min(oldest, s.Sequence);
            }
            return oldest;
        }
    }

    private void ThrowIfDisposed()
    {
        if (_disposed)
        {
            ThrowHelper.ThrowObjectDisposed(nameof(Db));
        }
    }

    /// <summary>
    /// Closes the database. Writes made without the WAL are flushed to a table first so they are not lost;
    /// everything else is already in the WAL. Like RocksDB's Close, the WAL is not fsynced: write with
    /// <see cref="WriteOptions.Sync"/> (or call <see cref="SyncWal"/>) when that matters.
    /// </summary>
    public void Dispose()
    {
        lock (_writeLock)
        {
            if (_disposed)
            {
                return;
            }
            try
            {
                if (_backgroundError is null && Volatile.Read(ref _super).Mem.HasUnloggedWrites)
                {
                    FlushLocked();
                }
            }
            catch (Exception e) when (e is IOException or DbException)
            {
                // The error is recorded; closing goes on so that the lock is released.
            }
            _disposed = true;
            lock (_mutex)
            {
                _stopFlushThread = true;
                Monitor.PulseAll(_mutex);
            }
            _flushThread?.Join();
            try
            {
                _wal?.Dispose();
            }
            catch (IOException)
            {
                // Nothing acknowledged depends on this flush: unsynced writes may be lost by a crash anyway.
            }
            _versions.Dispose();
            _tables.Dispose();
            _fileLock.Dispose();
        }
    }
}
