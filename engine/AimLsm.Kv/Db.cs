using AimLsm.Kv.Common;
using AimLsm.Kv.IO;
using AimLsm.Kv;
using AimLsm.Kv.Compaction;
using AimLsm.Kv.Memtable;
using AimLsm.Kv.Sst;
using AimLsm.Kv.Versions;
using AimLsm.Kv.Wal;

namespace AimLsm.Kv;

/// <summary>
/// An embedded, ordered key-value database with RocksDB's semantics: unsigned bytewise key order, atomic batches,
/// snapshots, iterators with bounds, a write-ahead log, crash recovery and leveled compaction.
/// </summary>
/// <remarks>
/// <para>Thread safety: every member may be called from any number of threads at once. Concurrent writes are
/// committed in groups (one WAL write and one fsync per group); reads never take a lock and never wait for writers,
/// flushes or compactions.</para>
/// <para>Layout: <c>Db.Open.cs</c> opens and recovers, <c>Db.Write.cs</c> writes and applies flow control,
/// <c>Db.Read.cs</c> reads, <c>Db.Flush.cs</c> turns memtables into L0 tables, <c>Db.Compaction.cs</c> compacts,
/// <c>Db.Properties.cs</c> reports.</para>
/// <para>Lock order: the writer queue, then <c>_writeLock</c>, then <c>_mutex</c>. While holding <c>_mutex</c> the
/// engine does only MANIFEST and WAL-creation I/O.</para>
/// </remarks>
public sealed partial class Db : IDisposable
{
    private readonly string _path;
    private readonly DbOptions _options;
    private readonly IFileSystem _fs;
    private readonly IDisposable _fileLock;
    private readonly VersionSet _versions;
    private readonly TableCache _tables;
    private readonly TableOptions _tableOptions;
    private readonly CompactionOptions _compactionOptions;
    private readonly CompactionPicker _picker;

    /// <summary>Memtable arena chunks, reused so that steady writing allocates nothing: two write buffers' worth.</summary>
    private readonly ChunkPool _chunks;

    /// <summary>Held by the group-commit leader for the WAL stage. Guards <see cref="_wal"/>, <see cref="_walNumber"/>,
    /// the sequence numbers given out, and the memtable switch; inserts into the mutable memtable run after it, in
    /// sequence order (see <c>Db.Write.cs InsertGroup</c>), so whoever switches or flushes the memtable under it first
    /// waits for them (<c>WaitForMemtableInserts</c>).</summary>
    private readonly Lock _writeLock = new();

    /// <summary>Guards the memtable switch, <see cref="_super"/> replacement, the background error, flush and compaction state.</summary>
    private readonly object _mutex = new();

    private readonly List<Snapshot> _snapshots = [];
    private LogWriter? _wal;
    private ulong _walNumber;

    /// <summary>The last sequence number whose write is complete and visible. Published with a release store after the memtable insert.</summary>
    private ulong _lastSequence;

    /// <summary>What readers see. Replaced under <see cref="_mutex"/> by <see cref="InstallSuperVersion"/>.</summary>
    private SuperVersion _super;

    private Exception? _backgroundError;

    /// <summary>Opened by <see cref="OpenReadOnly"/>: no LOCK, no writes, no background work.</summary>
    private bool _readOnly;

    /// <summary>Tables a read-only instance keeps open for its lifetime, so a writer's compactions cannot take them away.</summary>
    private readonly List<TableCache.Entry> _pinnedTables = [];
    private volatile bool _disposed;
    private Thread? _flushThread;
    private Thread[] _compactionThreads = [];
    private bool _stopBackground;

    // options: the validated copy Open or OpenReadOnly made of the caller's options; this instance owns it, and
    // nothing outside can change it.
    private Db(string path, DbOptions options, IFileSystem fs, IDisposable fileLock, VersionSet versions)
    {
        _path = path;
        _options = options;
        _fs = fs;
        _fileLock = fileLock;
        _versions = versions;
        Kv.Cache.BlockCache? cache = options.BlockCacheSize > 0 ? new Kv.Cache.BlockCache(options.BlockCacheSize) : null;
        // Tables and compaction get option records of their own, built here, so neither refers back to DbOptions.
        _tableOptions = new TableOptions(options.BlockSize, options.BlockRestartInterval, options.Compression, options.BloomFilterBitsPerKey, cache)
        {
            MmapReads = options.AllowMmapReads,
        };
        _tables = new TableCache(fs, path, _tableOptions, options.MaxOpenFiles);
        _compactionOptions = new CompactionOptions(options.MaxBytesForLevelBase, options.MaxBytesForLevelMultiplier, options.Level0FileNumCompactionTrigger);
        _picker = new CompactionPicker(_compactionOptions);
        int chunk = MemTable.ChunkSizeFor(options.WriteBufferSize);
        _chunks = new ChunkPool(chunk, (int)Math.Min(int.MaxValue, (options.MaxWriteBufferNumber * options.WriteBufferSize / chunk) + 2));
        _super = new SuperVersion(NewMemTable(0), [], versions.Current);
    }

    /// <summary>The database directory.</summary>
    public string Path => _path;

    /// <summary>What WAL recovery replayed and dropped when the database was opened.</summary>
    public WalRecoveryReport RecoveryReport { get; private set; } = new();

    /// <summary>The sequence number of the last completed write.</summary>
    public ulong LatestSequenceNumber => Volatile.Read(ref _lastSequence);

    internal bool IsDisposed => _disposed;

    internal DbStats Stats { get; } = new();

    /// <summary>The current version, for tests and tools.</summary>
    internal Kv.Versions.Version CurrentVersion => _versions.Current;

    /// <summary>Tables open in the table cache, for tests.</summary>
    internal int OpenTableCount => _tables.OpenCount;

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

    /// <summary>The sequence numbers live snapshots read at, ascending and distinct: compaction's stripe boundaries.</summary>
    internal ulong[] SnapshotSequences()
    {
        lock (_snapshots)
        {
            return _snapshots.Select(s => s.Sequence).Distinct().Order().ToArray();
        }
    }

    private MemTable NewMemTable(ulong logNumber) => new(logNumber, _options.WriteBufferSize, _chunks);

    /// <summary>A new WAL file: mapped unless <see cref="DbOptions.AllowMmapWrites"/> is off.</summary>
    private IO.IWritableFile CreateWal(ulong number)
    {
        string path = System.IO.Path.Combine(_path, FileNames.Wal(number));
        return _options.AllowMmapWrites ? _fs.CreateMapped(path, _options.WriteBufferSize) : _fs.Create(path);
    }

    /// <summary>Takes a reference on the current super version; the caller releases it.</summary>
    private SuperVersion AcquireSuperVersion()
    {
        while (true)
        {
            SuperVersion sv = Volatile.Read(ref _super);
            if (sv.TryRef())
            {
                return sv;
            }
        }
    }

    /// <summary>Publishes a new super version and drops the database's reference on the old one. REQUIRES: <see cref="_mutex"/>.</summary>
    private void InstallSuperVersion(MemTable mem, MemTable[] imms, Kv.Versions.Version version)
    {
        SuperVersion old = _super;
        Volatile.Write(ref _super, new SuperVersion(mem, imms, version));
        old.Release();
    }

    /// <summary>One purge at a time: a caller returns only after every file queued before it is gone (CompactRange promises the space back).</summary>
    private readonly object _purgeLock = new();

    /// <summary>Deletes the table files no live version holds any more, and forgets their open handles and cached blocks.</summary>
    internal void PurgeObsoleteFiles()
    {
        if (_readOnly)
        {
            return; // a read-only instance deletes nothing, ever: the files belong to the writer
        }
        lock (_purgeLock)
        {
            while (_versions.ObsoleteFiles.TryDequeue(out FileMetadata? f))
            {
                _tables.Evict(f.Number);
                _tableOptions.Cache?.EraseFile(f.Number);
                DeleteQuietly(FileNames.Table(f.Number));
            }
        }
    }

    private void ThrowIfReadOnly(string operation)
    {
        if (_readOnly)
        {
            throw new NotSupportedException($"{operation}: the database was opened read-only (Db.OpenReadOnly).");
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
    /// Closes the database: waits for a running flush or compaction to finish, flushes writes made without the WAL so
    /// they are not lost, and releases the LOCK. Like RocksDB's Close, the WAL is not fsynced: write with
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
            WaitForMemtableInserts();
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
                _stopBackground = true;
                Monitor.PulseAll(_mutex);
            }
            _flushThread?.Join();
            foreach (Thread t in _compactionThreads)
            {
                t.Join();
            }
            try
            {
                _wal?.Dispose();
            }
            catch (IOException)
            {
                // Nothing acknowledged depends on this flush: unsynced writes may be lost by a crash anyway.
            }
            lock (_mutex)
            {
                _super.Release();
            }
            PurgeObsoleteFiles();
            foreach (TableCache.Entry e in _pinnedTables)
            {
                e.Release();
            }
            _versions.Dispose();
            _tables.Dispose();
            _tableOptions.Cache?.Clear();
            _meter?.Dispose();
            _fileLock.Dispose();
        }
    }
}
