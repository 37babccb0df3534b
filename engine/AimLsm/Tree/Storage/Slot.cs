using System.Globalization;
using AimLsm.Kv;
using AimLsm.Kv.IO;

namespace AimLsm.Tree.Storage;

/// <summary>
/// One writer slot of a repo: an engine directory <c>slots/NNNN</c> that at most one process writes at a time
/// (the engine's LOCK file guarantees it, and the kernel releases the lock of a killed process), read by everyone
/// else through read-only instances (docs/aim-repo.md). Every run lives in exactly one slot, its home.
/// </summary>
internal sealed class Slot : IDisposable
{
    private readonly Lock _lock = new();
    private readonly IFileSystem _fs;
    private readonly DbOptions _options;
    private readonly Action<Slot, WalRecoveryReport?, CorruptionException?> _onRecovery;
    private StoreHandle? _handle;
    private StoreHandle? _indexHandle;
    private CorruptionException? _quarantine;

    /// <param name="name">The slot's folder name (<c>NNNN</c>).</param>
    /// <param name="directory">The slot's engine directory.</param>
    /// <param name="options">Engine options for every instance opened on the slot; its file system (never null) is
    /// the one the slot's own files go through too.</param>
    /// <param name="onRecovery">Told, outside this slot's lock, each time an open of the slot's engine found WAL
    /// damage it recovered from (the report) or refused (the exception: the slot is then quarantined).</param>
    public Slot(string name, string directory, DbOptions options, Action<Slot, WalRecoveryReport?, CorruptionException?> onRecovery)
    {
        Name = name;
        Directory = directory;
        _fs = options.FileSystem ?? throw new ArgumentException("The slot's engine options name no file system.", nameof(options));
        _options = options;
        _onRecovery = onRecovery;
    }

    public string Name { get; }

    public string Directory { get; }

    /// <summary>The writable engine when this process owns the slot, else null.</summary>
    public Db? Writable { get; private set; }

    /// <summary>
    /// Why the slot's engine refused to open (damage in synced WAL bytes, a damaged table or MANIFEST), or null. A
    /// quarantined slot serves nothing: its runs throw a <see cref="CorruptionException"/> naming the file and offset,
    /// queries skip them, and no writer takes it over (which would recover it destructively). Cleared by
    /// <see cref="Refresh"/> for a retry.
    /// </summary>
    public CorruptionException? Quarantine
    {
        get
        {
            lock (_lock)
            {
                return _quarantine;
            }
        }
    }

    /// <summary>Where the owner writes who it is, for error messages about a held slot.</summary>
    public string OwnerFile => Directory + ".owner";

    /// <summary>Takes the slot for writing. Returns false when another instance holds it (its LOCK file is locked:
    /// the holder is alive, since the kernel releases a dead process's lock) or it is quarantined.</summary>
    /// <exception cref="DbException">The engine cannot be opened for another reason, named in the message: a
    /// read-only file system, permission denied, out of file descriptors. Never reported as "held".</exception>
    public bool TryOwn()
    {
        if (Quarantine is not null)
        {
            return false;
        }

        Db db;
        try
        {
            db = Db.Open(Directory, _options);
        }
        catch (DbLockedException)
        {
            return false;
        }
        catch (CorruptionException e)
        {
            SetQuarantine(e);
            return false;
        }

        lock (_lock)
        {
            StoreHandle? old = _handle;
            _handle = new StoreHandle(db);
            Writable = db;
            old?.Release();
        }

        Report(db);
        try
        {
            // Not synced: after a power loss no writer is alive, and a stale or missing owner file only words a message.
            SmallFiles.Write(_fs, OwnerFile, string.Create(CultureInfo.InvariantCulture,
                $"pid {Environment.ProcessId} on {Environment.MachineName} since {DateTime.UtcNow:O}\n"), sync: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The owner file only improves error messages; the LOCK file is what guards the slot.
        }

        return true;
    }

    /// <summary>Who holds the slot, as its owner last wrote it, for error messages.</summary>
    public string DescribeOwner()
    {
        try
        {
            return SmallFiles.Read(_fs, OwnerFile).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "an unknown process";
        }
    }

    /// <summary>A lease on the current instance, opening a read-only one on first use; null when the slot has no
    /// engine yet (its creator has not written CURRENT).</summary>
    /// <exception cref="CorruptionException">The slot is quarantined (see <see cref="Quarantine"/>).</exception>
    public StoreLease? TryLease()
    {
        Db? opened = null;
        CorruptionException? refused = null;
        StoreLease lease = default;
        lock (_lock)
        {
            if (_quarantine is { } q)
            {
                throw QuarantineError(q);
            }

            if (_handle is null)
            {
                try
                {
                    opened = Db.OpenReadOnly(Directory, _options);
                    _handle = new StoreHandle(opened);
                }
                catch (DbNotFoundException)
                {
                    return null;
                }
                catch (CorruptionException e)
                {
                    _quarantine = refused = e;
                }
            }

            if (refused is null)
            {
                _handle!.Acquire();
                lease = new StoreLease(_handle);
            }
        }

        if (refused is not null)
        {
            _onRecovery(this, null, refused);
            throw QuarantineError(refused);
        }

        if (opened is not null)
        {
            Report(opened);
        }

        return lease;
    }

    /// <summary>
    /// A lease good enough to list the slot's runs: <see cref="TryLease"/>, or for a quarantined slot an instance
    /// opened point-in-time without the synced-WAL check (read-only: it changes nothing), so that the repo knows
    /// which runs the quarantine holds. Null when even that cannot open.
    /// </summary>
    public StoreLease? TryLeaseIndex()
    {
        if (Quarantine is null)
        {
            try
            {
                return TryLease();
            }
            catch (CorruptionException)
            {
                // Quarantined by this very call: fall through to the lenient instance.
            }
        }

        lock (_lock)
        {
            if (_indexHandle is null)
            {
                DbOptions lenient = _options.Clone();
                lenient.WalRecoveryMode = WalRecoveryMode.PointInTime;
                lenient.VerifySyncedWal = false;
                try
                {
                    _indexHandle = new StoreHandle(Db.OpenReadOnly(Directory, lenient));
                }
                catch (DbException)
                {
                    return null;
                }
            }

            _indexHandle.Acquire();
            return new StoreLease(_indexHandle);
        }
    }

    /// <summary>Catches a read-only slot up with its writer: the next lease sees everything made durable so far. A
    /// quarantine is lifted, so the next lease checks the files again.</summary>
    public void Refresh()
    {
        StoreHandle? old, oldIndex;
        lock (_lock)
        {
            if (Writable is not null)
            {
                return;
            }

            old = _handle;
            oldIndex = _indexHandle;
            _handle = _indexHandle = null;
            _quarantine = null;
        }

        old?.Release();
        oldIndex?.Release();
    }

    public void Dispose()
    {
        StoreHandle? old, oldIndex;
        lock (_lock)
        {
            old = _handle;
            oldIndex = _indexHandle;
            _handle = _indexHandle = null;
            Writable = null;
        }

        old?.Release();
        oldIndex?.Release();
    }

    private void SetQuarantine(CorruptionException e)
    {
        lock (_lock)
        {
            _quarantine = e;
        }

        _onRecovery(this, null, e);
    }

    private void Report(Db db)
    {
        if (!db.RecoveryReport.IsClean)
        {
            _onRecovery(this, db.RecoveryReport, null);
        }
    }

    /// <summary>Throws the quarantine's error (the damaged file and offset) when the slot is quarantined.</summary>
    public void ThrowIfQuarantined()
    {
        lock (_lock)
        {
            if (_quarantine is { } q)
            {
                throw QuarantineError(q);
            }
        }
    }

    private CorruptionException QuarantineError(CorruptionException q) => new(q.File, q.Offset,
        $"{q.Detail} [writer slot '{Name}' of the repo is quarantined: its runs are not served until this is resolved]");
}
