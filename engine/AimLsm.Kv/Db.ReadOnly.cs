using AimLsm.Kv.IO;
using AimLsm.Kv;
using AimLsm.Kv.Memtable;
using AimLsm.Kv.Versions;

namespace AimLsm.Kv;

public sealed partial class Db
{
    /// <summary>The most attempts <see cref="OpenReadOnly"/> makes when a live writer changes the files under it.</summary>
    private const int ReadOnlyOpenAttempts = 5;

    /// <summary>
    /// Opens the database for reading only, RocksDB's OpenForReadOnly: takes no LOCK and writes nothing (no new
    /// MANIFEST, no WAL, no flush, no deletion), so it works beside a process that has the database open for writing,
    /// and any number of readers may open it at once. The WALs are replayed into memory, so the view includes every
    /// write that reached the operating system before the open; it is a fixed point-in-time view, and opening again
    /// catches up. Every live table is opened at once and held until <see cref="Dispose"/>, so a writer's compactions
    /// cannot take a file away from it (on Unix an open file outlives its deletion).
    /// Writes, <see cref="Flush"/>, <see cref="CompactRange"/>, <see cref="SyncWal"/> and <see cref="Resume"/> throw
    /// <see cref="NotSupportedException"/>.
    /// </summary>
    /// <exception cref="DbNotFoundException">No database at the path; the message says what is there instead (nothing,
    /// a file, a dangling symbolic link, a file above it).</exception>
    /// <exception cref="CorruptionException">A file is damaged (after retries, when a writer kept changing them).</exception>
    /// <exception cref="IOException">A file cannot be read; the message names it and the operating system's cause.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied (EACCES) on a file or the folder.</exception>
    public static Db OpenReadOnly(string path, DbOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        // Validated as copied: the engine keeps this copy, so a later change to the caller's object changes nothing.
        options = options?.Clone() ?? new DbOptions();
        options.Validate();
        IFileSystem fs = options.FileSystem ?? DiskFileSystem.Instance;
        path = System.IO.Path.GetFullPath(path);
        if (!fs.DirectoryExists(path))
        {
            throw new DbNotFoundException(path, $"No database at '{path}' to open read-only: {fs.DescribeAbsence(path)}.");
        }
        if (!fs.FileExists(System.IO.Path.Combine(path, FileNames.Current)))
        {
            throw new DbNotFoundException(path, $"No database at '{path}' (no CURRENT file) to open read-only.");
        }
        for (int attempt = 1; ; attempt++)
        {
            VersionSet? versions = null;
            Db? db = null;
            try
            {
                versions = VersionSet.Recover(fs, path);
                db = new Db(path, options, fs, NoLock.Instance, versions) { _readOnly = true };
                db.RecoverReadOnly();
                return db;
            }
            catch (Exception e)
            {
                // Whatever happened, nothing half-opened stays behind (pinned tables hold file handles).
                if (db is not null)
                {
                    db.Dispose();
                }
                else
                {
                    versions?.Dispose();
                }
                // A live writer may have replaced the MANIFEST, deleted a WAL or compacted a table away between our
                // reads: read the new state. Real damage fails every attempt and is thrown by the last.
                if (attempt >= ReadOnlyOpenAttempts || e is not (FileNotFoundException or CorruptionException))
                {
                    throw;
                }
                Thread.Sleep(10 * attempt);
            }
        }
    }

    /// <summary>Replays the WALs into memory and opens every live table; writes nothing.</summary>
    private void RecoverReadOnly()
    {
        var logs = new List<ulong>();
        foreach (string name in _fs.ListFiles(_path))
        {
            if (FileNames.Parse(name, out ulong number) == FileKind.Wal && number >= _versions.LogNumber)
            {
                logs.Add(number);
            }
        }
        logs.Sort();
        CheckLiveFiles(logs);
        foreach (FileMetadata f in _versions.Current.AllFiles)
        {
            _pinnedTables.Add(_tables.Acquire(f));
        }

        ulong lastSequence = _versions.LastSequence;
        MemTable mem = NewMemTable(0);
        var report = new WalRecoveryReport();
        var unused = new VersionEdit();
        ulong previousBatch = 0;
        for (int i = 0; i < logs.Count; i++)
        {
            string logPath = System.IO.Path.Combine(_path, FileNames.Wal(logs[i]));
            report.LogsReplayed++;
            if (ReplayLog(logPath, i == logs.Count - 1, report, ref mem, ref lastSequence, ref previousBatch, unused))
            {
                // The newest WAL ends where the writer is appending: a torn record there is normal, not damage.
                if (i < logs.Count - 1)
                {
                    report.StoppedEarly = true;
                    for (int j = i + 1; j < logs.Count; j++)
                    {
                        report.SkippedLogList.Add(System.IO.Path.Combine(_path, FileNames.Wal(logs[j])));
                    }
                }
                break;
            }
        }
        _lastSequence = lastSequence;
        _allocatedSequence = lastSequence;
        _insertedSequence = lastSequence;
        lock (_mutex)
        {
            InstallSuperVersion(mem, [], _versions.Current);
        }
        RecoveryReport = report;
        CreateMeter();
    }

    /// <summary>The lock a read-only instance does not take.</summary>
    private sealed class NoLock : IDisposable
    {
        public static readonly NoLock Instance = new();

        public void Dispose()
        {
        }
    }
}
