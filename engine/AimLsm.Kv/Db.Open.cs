using AimLsm.Kv;
using AimLsm.Kv.Common;
using AimLsm.Kv.IO;
using AimLsm.Kv.Keys;
using AimLsm.Kv.Memtable;
using AimLsm.Kv.Versions;
using AimLsm.Kv.Wal;

namespace AimLsm.Kv;

public sealed partial class Db
{
    /// <summary>
    /// Opens the database in directory <paramref name="path"/>, replaying its WAL after a crash.
    /// </summary>
    /// <remarks>
    /// With <see cref="DbOptions.CreateIfMissing"/>, only the database's own folder is created, as RocksDB's
    /// <c>create_if_missing</c> does: a missing parent folder is an error that names it. A refused open leaves nothing
    /// behind: every refusal that can be decided by looking (no database, data without a CURRENT file,
    /// <see cref="DbOptions.ErrorIfExists"/>, a missing parent) is decided before the folder or the LOCK file is created,
    /// and an open that fails after creating them (an I/O error writing the new database) removes what it created.
    /// </remarks>
    /// <exception cref="DbNotFoundException">No database there and <see cref="DbOptions.CreateIfMissing"/> is false;
    /// the message says what is at the path (nothing, a dangling symbolic link, a file above it).</exception>
    /// <exception cref="DbLockedException">Another instance, in this process or another, has it open.</exception>
    /// <exception cref="CorruptionException">A file is damaged beyond what the recovery mode allows; nothing was modified.</exception>
    /// <exception cref="DbException">The path is a file; its parent folder is missing; a database exists and
    /// <see cref="DbOptions.ErrorIfExists"/> is set; or the folder or its LOCK file cannot be created or opened, with
    /// the operating system's cause named (a read-only file system, permission denied, out of file descriptors) and
    /// the <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/> as the inner exception.</exception>
    public static Db Open(string path, DbOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        // Validated as copied: the engine keeps this copy, so a later change to the caller's object changes nothing.
        options = options?.Clone() ?? new DbOptions();
        options.Validate();
        IFileSystem fs = options.FileSystem ?? DiskFileSystem.Instance;
        path = System.IO.Path.GetFullPath(path);
        string lockPath = System.IO.Path.Combine(path, FileNames.Lock);
        bool createdFolder = false;
        bool createdLock;
        HashSet<string>? before = null;
        IDisposable? fileLock;
        string step = "read the folder", stepPath = path; // for the message when a step fails
        try
        {
            if (fs.DirectoryExists(path))
            {
                RefuseBeforeCreating(fs, path, options);
                if (!fs.FileExists(System.IO.Path.Combine(path, FileNames.Current)))
                {
                    before = [.. fs.ListFiles(path)]; // a new database: what this open adds is what is not here now
                }
            }
            else
            {
                step = "create the folder";
                CreateFolder(fs, path, options);
                createdFolder = true;
            }

            (step, stepPath) = ("open its LOCK file", lockPath);
            createdLock = !fs.FileExists(lockPath);
            fileLock = fs.TryLock(lockPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (createdFolder)
            {
                // The LOCK file was not created (its creation is what failed), so the new folder is empty: rmdir
                // needs no descriptor, unlike listing it, which matters when the failure was EMFILE.
                RemoveCreated(fs, path, lockPath, null, deleteFolder: true, ownsLock: false);
            }

            throw new DbException($"Cannot open the database at '{path}': cannot {step} '{stepPath}': {OsError.Describe(e, stepPath, fs)}.", e);
        }

        // Held by another instance: it created or kept the LOCK file, so there is nothing of ours to remove (even
        // when the file appeared between our look and our lock, it is the holder's).
        if (fileLock is null)
        {
            throw new DbLockedException(path);
        }

        // An opener that abandoned a new database deletes its LOCK file while holding it (below); a lock taken on
        // that file just before it went would guard nothing, so it counts as held (and nothing here is ours).
        if (!fs.FileExists(lockPath))
        {
            fileLock.Dispose();
            throw new DbLockedException(path);
        }

        VersionSet? versions = null;
        Db? db = null;
        bool creatingNew = false;
        try
        {
            versions = OpenOrCreateVersions(fs, path, options, out creatingNew);
            db = new Db(path, options, fs, fileLock, versions);
            db.Recover();
            db.CreateMeter();
            db.StartBackgroundWork();
            return db;
        }
        catch
        {
            db?._tables.Dispose();
            db?._wal?.Dispose();
            db?._meter?.Dispose();
            versions?.Dispose();
            if (createdLock)
            {
                // Files are removed only when this open was creating the database (decided under the lock): a
                // database another opener created meanwhile is never touched.
                HashSet<string>? keep = !creatingNew ? null : createdFolder ? [] : before;
                RemoveCreated(fs, path, lockPath, keep, deleteFolder: createdFolder && creatingNew, ownsLock: true);
            }

            fileLock.Dispose();
            throw;
        }
    }

    /// <summary>Creates the database's folder for <see cref="DbOptions.CreateIfMissing"/>, its own folder only.</summary>
    private static void CreateFolder(IFileSystem fs, string path, DbOptions options)
    {
        if (fs.FileExists(path))
        {
            throw new DbException($"'{path}' is a file; a database is a directory.");
        }

        if (!options.CreateIfMissing)
        {
            throw new DbNotFoundException(path, $"No database at '{path}': {fs.DescribeAbsence(path)}, and CreateIfMissing is false.");
        }

        string? parent = System.IO.Path.GetDirectoryName(path);
        if (parent is not null && !fs.DirectoryExists(parent))
        {
            throw new DbException($"Cannot create the database folder '{path}': {fs.DescribeAbsence(path)}. " +
                "CreateIfMissing creates the database's own folder only, never its parents.");
        }

        fs.CreateDirectory(path);
    }

    /// <summary>
    /// Refuses, before anything is created in the existing folder <paramref name="path"/>, what
    /// <see cref="OpenOrCreateVersions"/> would refuse under the lock, so that a refused open leaves no LOCK file.
    /// Another process may change the folder in between; the check under the lock is the one that counts.
    /// </summary>
    private static void RefuseBeforeCreating(IFileSystem fs, string path, DbOptions options)
    {
        if (Refusal(fs, path, options, out _) is { } refusal)
        {
            throw refusal;
        }
    }

    /// <summary>
    /// Undoes a failed open's creations, in an order that keeps the lock meaningful: the files this open created (with
    /// <paramref name="keep"/>, the folder's files before a new database was created in it, every file not among
    /// them; with null, an existing database or a folder known to be empty, none), the LOCK file last and while still held (a late opener that
    /// locks the deleted file sees it gone and backs off), then the folder when this open created it. Best effort:
    /// the open's own error is what the caller sees.
    /// </summary>
    private static void RemoveCreated(IFileSystem fs, string path, string lockPath, HashSet<string>? keep, bool deleteFolder, bool ownsLock)
    {
        try
        {
            if (keep is not null)
            {
                foreach (string name in fs.ListFiles(path))
                {
                    if (name != FileNames.Lock && !keep.Contains(name))
                    {
                        fs.Delete(System.IO.Path.Combine(path, name));
                    }
                }
            }

            if (ownsLock)
            {
                fs.Delete(lockPath);
            }

            if (deleteFolder)
            {
                fs.DeleteDirectory(path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Leave it: the folder is unusable anyway (the open failed on it), and the first error is the one to report.
        }
    }

    private static VersionSet OpenOrCreateVersions(IFileSystem fs, string path, DbOptions options, out bool creatingNew)
    {
        creatingNew = false;
        if (Refusal(fs, path, options, out bool exists) is { } refusal)
        {
            throw refusal;
        }

        creatingNew = !exists;
        return exists ? VersionSet.Recover(fs, path) : VersionSet.CreateNew(fs, path);
    }

    /// <summary>Why opening the folder must be refused (ErrorIfExists, data without CURRENT, no database and no
    /// CreateIfMissing), or null; <paramref name="exists"/> says whether a CURRENT file is there. Reads only.</summary>
    private static DbException? Refusal(IFileSystem fs, string path, DbOptions options, out bool exists)
    {
        exists = fs.FileExists(System.IO.Path.Combine(path, FileNames.Current));
        if (exists)
        {
            return options.ErrorIfExists ? new DbException($"A database already exists at '{path}' and ErrorIfExists is set.") : null;
        }
        var data = new List<string>();
        foreach (string name in fs.ListFiles(path))
        {
            FileKind kind = FileNames.Parse(name, out _);
            if (kind is FileKind.Wal or FileKind.Table)
            {
                data.Add(name);
            }
        }
        if (data.Count > 0)
        {
            // Never create a database over data: a missing CURRENT next to tables or WALs is damage, not absence.
            return new CorruptionException(System.IO.Path.Combine(path, FileNames.Current), 0,
                $"CURRENT is missing but the directory holds {data.Count} data file(s) ({string.Join(", ", data.Take(3))}); refusing to create a database over them");
        }
        if (!options.CreateIfMissing)
        {
            return new DbNotFoundException(path, $"'{path}' holds no database (no CURRENT file) and CreateIfMissing is false.");
        }
        return null;
    }

    /// <summary>
    /// Replays the WALs the MANIFEST does not cover, writes what they held to L0, starts a new WAL and a new MANIFEST,
    /// and deletes files nothing refers to. Runs before the database is shared, so it takes no locks.
    /// </summary>
    private void Recover()
    {
        var logs = new List<ulong>();
        var obsolete = new List<string>();
        foreach (string name in _fs.ListFiles(_path))
        {
            FileKind kind = FileNames.Parse(name, out ulong number);
            if (kind is FileKind.Wal or FileKind.Table or FileKind.Manifest or FileKind.Temp)
            {
                _versions.MarkFileNumberUsed(number);
            }
            if (kind == FileKind.Wal && number >= _versions.LogNumber)
            {
                logs.Add(number);
            }
            else if (kind == FileKind.Wal || kind == FileKind.Temp
                || (kind == FileKind.Manifest && number != _versions.ManifestNumber))
            {
                obsolete.Add(name);
            }
        }
        logs.Sort();
        CheckLiveFiles(logs);

        ulong lastSequence = _versions.LastSequence;
        MemTable mem = new(0, _options.WriteBufferSize);
        var report = new WalRecoveryReport();
        var edit = new VersionEdit();
        bool stop = false;
        ulong previousBatch = 0;
        foreach (ulong number in logs)
        {
            string logPath = System.IO.Path.Combine(_path, FileNames.Wal(number));
            if (stop)
            {
                report.SkippedLogList.Add(logPath);
                continue;
            }
            report.LogsReplayed++;
            stop = ReplayLog(logPath, number == logs[^1], report, ref mem, ref lastSequence, ref previousBatch, edit);
        }
        if (!mem.IsEmpty)
        {
            FileMetadata? table = WriteLevel0Table(mem);
            if (table is not null)
            {
                edit.NewFiles.Add((0, table));
            }
        }

        // Install the recovered tables, then move everything to a fresh MANIFEST that names the new WAL, and only
        // then create that WAL: a crash in between leaves a MANIFEST naming a WAL that does not exist yet (harmless),
        // never a WAL without a CURRENT (which the next open would have to refuse as damage).
        ulong walNumber = _versions.NewFileNumber();
        if (edit.NewFiles.Count > 0)
        {
            _versions.ApplyRecovered(edit);
        }
        _versions.WriteNewManifest(walNumber, lastSequence);
        _wal = new LogWriter(CreateWal(walNumber));
        _fs.SyncDirectory(_path);
        _walNumber = walNumber;
        _lastSequence = lastSequence;
        _allocatedSequence = lastSequence;
        _insertedSequence = lastSequence;
        lock (_mutex)
        {
            InstallSuperVersion(NewMemTable(walNumber), [], _versions.Current);
        }

        // Only now, with the MANIFEST durable, is it safe to drop the replayed WALs and any unreferenced files. A WAL
        // whose records recovery dropped (damaged, or skipped after damage) is kept aside instead, under a name no
        // later open replays or deletes, so that what it held can still be inspected or salvaged.
        foreach (ulong number in logs)
        {
            string logPath = System.IO.Path.Combine(_path, FileNames.Wal(number));
            if (report.DamagedLogList.Contains(logPath) || report.SkippedLogList.Contains(logPath))
            {
                string kept = System.IO.Path.Combine(_path, FileNames.DamagedWal(number));
                _fs.Rename(logPath, kept);
                report.KeptLogList.Add(kept);
            }
            else
            {
                obsolete.Add(FileNames.Wal(number));
            }
        }
        if (report.KeptLogList.Count > 0)
        {
            _fs.SyncDirectory(_path);
        }
        var live = new HashSet<ulong>(_versions.Current.AllFiles.Select(f => f.Number));
        foreach (string name in _fs.ListFiles(_path))
        {
            if (FileNames.Parse(name, out ulong number) == FileKind.Table && !live.Contains(number))
            {
                obsolete.Add(name); // a table from a flush that crashed before the MANIFEST recorded it
            }
        }
        foreach (string name in obsolete)
        {
            DeleteQuietly(name);
        }
        RecoveryReport = report;
        if (report.Problems.Count > 0 || report.StoppedEarly)
        {
            _options.Listener?.OnWalRecovery(report);
        }
    }

    /// <summary>
    /// Refuses to open over a MANIFEST that lost an edit something already acted on, and checks that every table the
    /// MANIFEST lists is there, whole (RocksDB's check at open): better a clear refusal now than stale or missing
    /// data served later. Modifies nothing.
    /// </summary>
    private void CheckLiveFiles(List<ulong> logs)
    {
        string manifest = _versions.ManifestPath;
        long torn = _versions.TornTailOffset;
        if (!logs.Contains(_versions.LogNumber) && logs.Count > 0)
        {
            // A WAL is deleted only after a MANIFEST edit moved the log number past it, and the WAL a new log number
            // names is created before any newer one. So the oldest needed WAL missing while a newer one exists means
            // the MANIFEST lost edits that were acted on (cut off, torn, or truncated at a record boundary).
            throw new CorruptionException(manifest, torn >= 0 ? torn : _fs.GetFileSize(manifest),
                $"MANIFEST: WAL {FileNames.Wal(_versions.LogNumber)}, the oldest it says recovery needs, is gone while "
                + $"{FileNames.Wal(logs[^1])} exists: the MANIFEST lost edits that were already acted on"
                + (torn >= 0 ? " (its last edit is cut off)" : ""));
        }
        for (int l = 1; l < Kv.Versions.Version.NumLevels; l++)
        {
            IReadOnlyList<FileMetadata> files = _versions.Current.Files(l);
            for (int i = 1; i < files.Count; i++)
            {
                if (InternalKey.Compare(files[i - 1].Largest, files[i].Smallest) >= 0)
                {
                    throw new CorruptionException(manifest, torn >= 0 ? torn : _fs.GetFileSize(manifest),
                        $"MANIFEST: tables {FileNames.Table(files[i - 1].Number)} and {FileNames.Table(files[i].Number)} overlap in level {l}, whose tables must not");
                }
            }
        }
        foreach (FileMetadata f in _versions.Current.AllFiles)
        {
            string path = System.IO.Path.Combine(_path, FileNames.Table(f.Number));
            long size = _fs.FileExists(path) ? _fs.GetFileSize(path) : -1;
            if (size == f.Size)
            {
                continue;
            }
            string what = size < 0 ? "is missing" : $"is {size} bytes, not the {f.Size} the MANIFEST recorded";
            if (torn >= 0)
            {
                throw new CorruptionException(manifest, torn, $"MANIFEST: its last edit is cut off and table {FileNames.Table(f.Number)} {what}");
            }
            if (size < 0)
            {
                // The MANIFEST and the directory disagree: the MANIFEST lost an edit, or the table was deleted.
                throw new CorruptionException(manifest, _fs.GetFileSize(manifest),
                    $"MANIFEST: it lists table {FileNames.Table(f.Number)} (level {LevelOf(f)}), which is missing");
            }
            throw new CorruptionException(path, Math.Min(size, f.Size), $"a live table {what} (truncated or replaced?)");
        }
    }

    private int LevelOf(FileMetadata f)
    {
        for (int l = 0; l < Kv.Versions.Version.NumLevels; l++)
        {
            if (_versions.Current.Files(l).Contains(f))
            {
                return l;
            }
        }
        return -1;
    }

    /// <summary>
    /// Replays one WAL into <paramref name="mem"/>; returns true when replay must stop here (point-in-time).
    /// <paramref name="previousBatch"/> carries the last sequence number replayed, so batches must ascend across WALs.
    /// <paramref name="newest"/> says whether a newer WAL exists: a memtable switch syncs a WAL whole before it
    /// creates the next one, so every byte of an older WAL was durable.
    /// </summary>
    /// <exception cref="CorruptionException">The mode refuses the damage, or (point-in-time with
    /// <see cref="DbOptions.VerifySyncedWal"/>) the damage lies in bytes the engine had synced.</exception>
    private bool ReplayLog(string logPath, bool newest, WalRecoveryReport report, ref MemTable mem, ref ulong lastSequence, ref ulong previousBatch, VersionEdit edit)
    {
        WalRecoveryMode mode = _options.WalRecoveryMode;
        var problems = new List<LogProblem>();
        using IReadableFile file = _fs.OpenRead(logPath);
        var reader = new LogReader(file, problems.Add);
        int seen = 0;
        bool damaged = false;
        while (true)
        {
            bool more = reader.ReadRecord(out ReadOnlySpan<byte> record);
            // Judge any damage met before this record (or before the end) by the recovery mode.
            for (; seen < problems.Count; seen++)
            {
                LogProblem p = problems[seen];
                report.ProblemList.Add(new WalProblem(logPath, p.Offset, p.BytesDropped, p.Reason));
                bool tail = p.Kind == LogProblemKind.TruncatedTail || (p.Kind == LogProblemKind.ZeroedSpace && !more);
                damaged |= p.Kind != LogProblemKind.TruncatedTail;
                switch (mode)
                {
                    case WalRecoveryMode.AbsoluteConsistency:
                        throw new CorruptionException(logPath, p.Offset, "WAL: " + p.Reason + " (AbsoluteConsistency recovery accepts no damage)");
                    case WalRecoveryMode.TolerateCorruptedTailRecords when !tail:
                        throw new CorruptionException(logPath, p.Offset, "WAL: " + p.Reason + " (only a damaged tail is tolerated)");
                    case WalRecoveryMode.PointInTime:
                        RefuseIfSynced(logPath, newest, p.Offset, p.Reason);
                        StopAt(report, logPath, damaged);
                        return true;
                }
            }
            if (!more)
            {
                if (damaged)
                {
                    report.DamagedLogList.Add(logPath);
                }
                return false;
            }
            string? error;
            if (WalSyncPoint.IsMetadata(record))
            {
                if (WalSyncPoint.TryRead(record, out _))
                {
                    continue;
                }
                error = $"a WAL metadata record of {record.Length} bytes (kind {record[8]}) this build does not know";
            }
            else if (TryApplyBatch(record, ref mem, ref lastSequence, ref previousBatch, edit, out error))
            {
                report.BatchesReplayed++;
                continue;
            }
            long offset = reader.LastRecordOffset;
            report.ProblemList.Add(new WalProblem(logPath, offset, record.Length, error!));
            damaged = true;
            switch (mode)
            {
                case WalRecoveryMode.SkipAnyCorruptedRecords:
                    continue;
                case WalRecoveryMode.PointInTime:
                    RefuseIfSynced(logPath, newest, offset, error!);
                    StopAt(report, logPath, damaged);
                    return true;
                default:
                    throw new CorruptionException(logPath, offset, "WAL: " + error);
            }
        }
    }

    private static void StopAt(WalRecoveryReport report, string logPath, bool damaged)
    {
        report.StoppedEarly = true;
        if (damaged)
        {
            report.DamagedLogList.Add(logPath);
        }
    }

    /// <summary>
    /// Point-in-time recovery is about to stop at damage at <paramref name="offset"/>. That is an ordinary power cut
    /// only when nothing from there on was ever synced; with <see cref="DbOptions.VerifySyncedWal"/> this throws
    /// when it was: the WAL is not the newest (a memtable switch synced it whole), or a sync point after the damage
    /// says the engine had synced beyond it.
    /// </summary>
    private void RefuseIfSynced(string logPath, bool newest, long offset, string reason)
    {
        if (!_options.VerifySyncedWal)
        {
            return;
        }
        const string accept = "; nothing was changed. To recover the history before the damage and lose the rest, "
            + "open once with DbOptions.VerifySyncedWal = false (RepoOptions.VerifySyncedWal for a repo); the damaged WAL is then kept as "
            + "NNNNNN.log.damaged";
        if (!newest)
        {
            throw new CorruptionException(logPath, offset,
                $"WAL: {reason}; a newer WAL exists, so this one was synced whole: the damage is in acknowledged writes" + accept);
        }
        using IReadableFile file = _fs.OpenRead(logPath);
        long synced = WalSyncPoint.LargestClaimAfter(file, offset);
        if (synced >= 0)
        {
            throw new CorruptionException(logPath, offset,
                $"WAL: {reason}; the engine had synced this WAL through offset {synced}, so the damage is in acknowledged writes" + accept);
        }
    }

    /// <summary>Checks a whole batch, then applies it: a damaged batch is never half applied.</summary>
    private bool TryApplyBatch(ReadOnlySpan<byte> record, ref MemTable mem, ref ulong lastSequence, ref ulong previousBatch, VersionEdit edit, out string? error)
    {
        var check = new BatchReader(record);
        if (!check.HeaderValid)
        {
            error = $"a WAL record of {record.Length} bytes is too short for a write batch";
            return false;
        }
        try
        {
            while (check.Next(out _, out _, out _))
            {
            }
        }
        catch (FormatException e)
        {
            error = "malformed write batch: " + e.Message;
            return false;
        }
        if (check.Sequence == 0 || check.Sequence <= previousBatch || check.Sequence + (ulong)check.Count > InternalKey.MaxSequence)
        {
            error = $"write batch sequence {check.Sequence} overlaps or precedes the previous batch (which ended at {previousBatch})";
            return false;
        }
        previousBatch = check.Sequence + (ulong)check.Count - 1;
        var apply = new BatchReader(record);
        ulong seq = apply.Sequence;
        while (apply.Next(out EntryType type, out ReadOnlySpan<byte> key, out ReadOnlySpan<byte> value))
        {
            mem.Add(seq++, type, key, value);
        }
        lastSequence = Math.Max(lastSequence, seq - 1);
        if (!_readOnly && mem.ApproximateMemoryUsage >= _options.WriteBufferSize)
        {
            FileMetadata? table = WriteLevel0Table(mem);
            if (table is not null)
            {
                edit.NewFiles.Add((0, table));
            }
            mem = new MemTable(0, _options.WriteBufferSize);
        }
        error = null;
        return true;
    }
}
