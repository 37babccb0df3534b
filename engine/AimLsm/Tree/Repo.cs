using System.Globalization;
using System.Security.Cryptography;
using AimLsm.Kv.IO;
using AimLsm.Kv;
using AimLsm.Query;
using AimLsm.Encoding;
using AimLsm.Tree.Sequences;
using AimLsm.Tree.Storage;
using Microsoft.Extensions.Logging;

namespace AimLsm.Tree;

/// <summary>
/// A repository of runs in one folder, embedded: no server. Layout and multi-process rules: docs/aim-repo.md.
/// <list type="bullet">
/// <item>Each writing process (or writable <see cref="Repo"/> instance) takes a writer slot, an engine of its own
/// under <c>slots/</c>, and creates its runs there; any number of processes can write different runs at once.</item>
/// <item>Reads merge the slots: a run lives in exactly one slot, found through each slot's run index.</item>
/// <item>A read-only repo (<see cref="OpenReadOnly"/>) takes no lock and writes nothing; <see cref="Refresh"/>
/// catches it up with the writers.</item>
/// <item>AimQL queries are <c>repo.QueryRuns(...)</c> and <c>repo.QuerySequences(...)</c>, extension methods of
/// <c>AimLsm.Query.QuerySource</c> over the <see cref="IQuerySource{TRun, TMatch}"/> this class implements.</item>
/// <item>The engine's LOCK file guards a slot; the kernel releases it when a writer dies, and the next writer to
/// take the slot recovers its WAL and marks the dead writer's open runs finished.</item>
/// </list>
/// Thread-safe.
/// </summary>
public sealed partial class Repo : IRepo, IQuerySource<Run, SequenceMatch>
{
    /// <summary>The marker file that makes a folder a repo; it holds the repo format version.</summary>
    public const string MarkerFileName = "AIMLSM_REPO";

    /// <summary>The repo format version this build writes and reads.</summary>
    public const int FormatVersion = 1;

    private const string SlotsFolder = "slots";
    private const string MarkerTempPrefix = ".AIMLSM_REPO.";
    private const int MaxSlots = 10_000;

    private readonly Lock _lock = new();
    private readonly IFileSystem _fs;
    private readonly DbOptions _dbOptions;
    private readonly Dictionary<string, Slot> _slots = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Run> _openRuns = new(StringComparer.Ordinal);
    private readonly Lock _recoveryLock = new();
    private readonly SortedDictionary<string, SlotRecoveryReport> _recovery = new(StringComparer.Ordinal);
    private RepoRecoveryReport _recoveryReport = new([]);
    private Dictionary<string, Slot>? _runIndex;
    private Slot? _primary;
    private Tracker? _tracker;
    private bool _disposed;

    private Repo(string path, RepoOptions options, bool readOnly)
    {
        Path = path;
        Settings = options;
        IsReadOnly = readOnly;
        _dbOptions = options.CreateDbOptions();
        _fs = _dbOptions.FileSystem!;
        try
        {
            DiscoverSlots();
            CheckSlots();
        }
        catch
        {
            // A refused open holds nothing: the engines opened so far are closed, so the repo opens again later.
            foreach (Slot slot in _slots.Values)
            {
                slot.Dispose();
            }

            throw;
        }
    }

    /// <summary>The repo's folder (full path).</summary>
    public string Path { get; }

    /// <summary>Whether this instance only reads.</summary>
    public bool IsReadOnly { get; }

    /// <summary>A copy of the options the repo was opened with: the repo copied and validated them at open, so
    /// changing this object, or the one passed to open, changes nothing.</summary>
    public RepoOptions Options => Settings.Clone();

    /// <summary>The repo's own copy of its options, validated at open; never handed out.</summary>
    internal RepoOptions Settings { get; }

    /// <summary>
    /// What opening the writer slots found in their write-ahead logs: damage recovered from, and slots quarantined
    /// because the damage lies in acknowledged writes (docs/aim-repo.md, "A damaged WAL"). Every slot is opened and
    /// checked by <see cref="Open"/> and <see cref="OpenReadOnly"/>; a slot this instance takes over later, or one
    /// read again after <see cref="Refresh"/>, adds its finding. Each finding is also logged
    /// (<see cref="RepoOptions.Logger"/>).
    /// </summary>
    public RepoRecoveryReport RecoveryReport
    {
        get
        {
            lock (_recoveryLock)
            {
                return _recoveryReport;
            }
        }
    }

    /// <summary>Every run in the repo, as read-only views, in hash order. Runs other processes created after the
    /// last <see cref="Refresh"/> are not listed, nor are the runs of a quarantined slot (see <see cref="RecoveryReport"/>).</summary>
    public IEnumerable<Run> Runs
    {
        get
        {
            List<KeyValuePair<string, Slot>> runs;
            lock (_lock)
            {
                runs = [.. RunIndex()];
            }

            runs.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
            foreach (KeyValuePair<string, Slot> run in runs)
            {
                if (run.Value.Quarantine is null)
                {
                    yield return new Run(this, run.Value, run.Key, writable: false);
                }
            }
        }
    }

    internal Tracker Tracker
    {
        get
        {
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                return _tracker ??= new Tracker(Settings.TrackingQueueCapacity, Settings.TrackingFlushInterval);
            }
        }
    }

    /// <summary>Opens the repo at <paramref name="path"/> for reading and writing, creating it if the folder is
    /// missing or empty. Only the repo's own folder is created, never its parents, and a refused open leaves nothing
    /// behind (docs/aim-repo.md, "Errors").</summary>
    /// <exception cref="RepoNotFoundException">The path is a file, a dangling symbolic link or under a file, its parent
    /// folder is missing, the folder holds other files but no repo marker, or a repo of a newer format.</exception>
    /// <exception cref="RepoException">The folder or its marker cannot be created or read; the message names the path
    /// and the operating system's cause (read-only file system, permission denied, ...), the inner exception is the
    /// <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/>.</exception>
    public static Repo Open(string path, RepoOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options = options?.Clone() ?? new RepoOptions(); // the repo's own copy, validated as kept
        options.Validate();
        path = System.IO.Path.GetFullPath(path);
        string marker = System.IO.Path.Combine(path, MarkerFileName);
        IFileSystem fs = options.ResolvedFileSystem;
        PathState state = PathState.Of(path, fs);
        if (state.Kind == PathKind.Missing && state.Culprit != path)
        {
            throw new RepoNotFoundException(path, $"Cannot create a repo at '{path}': {state.DescribeAbsence()}. " +
                "Repo.Open creates the repo's own folder only, never its parents.");
        }

        if (state.Kind is not (PathKind.Folder or PathKind.Missing))
        {
            throw new RepoNotFoundException(path, $"No repo at '{path}': {state.DescribeAbsence()}; a repo is a folder.");
        }

        Guard(fs, path, "open the repo", () =>
        {
            // The marker, then the slots folder, are made durable before any slot can hold data: a power loss must
            // never leave acknowledged runs in a folder without its marker (which reads as "not a repo"). The slots
            // folder appears only after the marker is synced, and whichever open creates it syncs the folder again,
            // which also covers a marker whose first sync failed. An existing repo is not synced (nor written: a
            // read-only mount opens).
            if (!fs.FileExists(marker))
            {
                CreateMarker(fs, path, marker);
                fs.SyncDirectory(path);
            }

            string slots = System.IO.Path.Combine(path, SlotsFolder);
            if (!fs.DirectoryExists(slots))
            {
                fs.CreateDirectory(slots);
                fs.SyncDirectory(path);
            }

            CheckMarker(fs, path, marker);
        });
        return new Repo(path, options, readOnly: false);
    }

    /// <summary>Opens an existing repo read-only: no lock is taken and nothing is written, so it works beside live
    /// writers in other processes. It sees what they had written when it opened; <see cref="Refresh"/> catches up.</summary>
    /// <exception cref="RepoNotFoundException">The folder is not a repo; the message says what is at the path (nothing,
    /// a file, an empty folder, a dangling symbolic link, ...).</exception>
    /// <exception cref="RepoException">The marker cannot be read; the message names the operating system's cause.</exception>
    public static Repo OpenReadOnly(string path, RepoOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options = options?.Clone() ?? new RepoOptions(); // the repo's own copy, validated as kept
        options.Validate();
        path = System.IO.Path.GetFullPath(path);
        string marker = System.IO.Path.Combine(path, MarkerFileName);
        IFileSystem fs = options.ResolvedFileSystem;
        PathState state = PathState.Of(path, fs);
        if (state.Kind != PathKind.Folder)
        {
            throw new RepoNotFoundException(path, $"No repo at '{path}': {state.DescribeAbsence()}; a repo is a folder.");
        }

        Guard(fs, path, "open the repo", () =>
        {
            if (!fs.FileExists(marker))
            {
                throw NotARepo(fs, path);
            }

            CheckMarker(fs, path, marker);
        });
        return new Repo(path, options, readOnly: true);
    }

    /// <summary>Creates a run in this process's writer slot and returns it open for writing.</summary>
    /// <exception cref="InvalidOperationException">The repo is read-only.</exception>
    public Run CreateRun(string? experiment = null, string? name = null, IEnumerable<string>? tags = null, string? description = null)
    {
        ThrowIfReadOnly();
        string hash = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        Run run;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Slot slot = PrimarySlot();
            var props = new RunProps
            {
                Name = name ?? "Run: " + hash,
                Experiment = experiment ?? Run.DefaultExperiment,
                Description = description,
                Tags = tags is null ? [] : [.. tags.Distinct(StringComparer.Ordinal)],
                CreatedAt = RunProps.Now(),
            };
            run = new Run(this, slot, hash, writable: true, created: true);
            run.WriteProps(props);
            _openRuns[hash] = run;
            _runIndex?.Add(hash, slot);
        }

        return run;
    }

    /// <inheritdoc/>
    IRun IRepo.CreateRun(string? experiment, string? name, IEnumerable<string>? tags, string? description) =>
        CreateRun(experiment, name, tags, description);

    /// <inheritdoc/>
    IRun IRepo.OpenRun(string hash) => OpenRun(hash);

    /// <summary>Resumes a run for writing (Aim's <c>Run(run_hash=...)</c>); it becomes active again until disposed.</summary>
    /// <exception cref="RunNotFoundException">No such run.</exception>
    /// <exception cref="RunLockedException">The run is open for writing in this process, or its slot is held by another process.</exception>
    public Run OpenRun(string hash)
    {
        ThrowIfReadOnly();
        ArgumentException.ThrowIfNullOrEmpty(hash);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_openRuns.ContainsKey(hash))
            {
                throw new RunLockedException(hash, "this process (dispose the open Run first)");
            }

            Slot slot = OwnSlotOf(hash);
            var run = new Run(this, slot, hash, writable: true);
            RunProps props = RunProps.Load(slot.Writable!, hash);
            props.EndTime = null;
            run.WriteProps(props);
            _openRuns[hash] = run;
            return run;
        }
    }

    /// <summary>A read-only view of a run.</summary>
    /// <exception cref="RunNotFoundException">No such run (call <see cref="Refresh"/> to see runs created elsewhere since).</exception>
    /// <exception cref="CorruptionException">The run's slot is quarantined: the message names the damaged file and offset.</exception>
    public Run GetRun(string hash)
    {
        ArgumentException.ThrowIfNullOrEmpty(hash);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!RunIndex().TryGetValue(hash, out Slot? slot))
            {
                throw new RunNotFoundException(hash);
            }

            slot.ThrowIfQuarantined();
            return new Run(this, slot, hash, writable: false);
        }
    }

    /// <summary>Whether a run with this hash exists.</summary>
    public bool ContainsRun(string hash)
    {
        lock (_lock)
        {
            return RunIndex().ContainsKey(hash);
        }
    }

    /// <summary>
    /// Deletes a run: its tree, its sequences and their blobs, in one atomic write, then compacts the run's key
    /// ranges so that the disk space comes back.
    /// </summary>
    /// <exception cref="RunNotFoundException">No such run.</exception>
    /// <exception cref="RunLockedException">The run is open for writing here or its slot is held by another process.</exception>
    public void DeleteRun(string hash)
    {
        ThrowIfReadOnly();
        ArgumentException.ThrowIfNullOrEmpty(hash);
        Db db;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_openRuns.ContainsKey(hash))
            {
                throw new RunLockedException(hash, "this process (dispose the open Run before deleting it)");
            }

            db = OwnSlotOf(hash).Writable!;
            var batch = new WriteBatch();
            foreach (byte[] prefix in RunRanges(hash))
            {
                batch.DeleteRange(prefix, TreePath.SubtreeUpperBound(prefix));
            }

            db.Write(batch, new WriteOptions { Sync = true });
            RunIndex().Remove(hash);
        }

        foreach (byte[] prefix in RunRanges(hash))
        {
            db.CompactRange(prefix, TreePath.SubtreeUpperBound(prefix));
        }
    }

    /// <inheritdoc/>
    IEnumerable<Run> IQuerySource<Run, SequenceMatch>.QueryCandidates() => ScanRuns();

    /// <inheritdoc/>
    SequenceMatch IQuerySource<Run, SequenceMatch>.ToMatch(Run run, IQuerySequence sequence) => new(run, (SequenceInfo)sequence);

    /// <summary>Blocks until every tracked point is written and synced.</summary>
    /// <exception cref="TrackingException">The background writer failed for a writer slot of this repo (a failure
    /// of one run is reported by that run's Track, Flush and Dispose, and here once when the writer dropped points of
    /// it that none of those reported yet: a flush that returns has stored every point tracked before it, or the
    /// caller was told).</exception>
    public void Flush() => FlushTracking();

    /// <summary>
    /// Why tracking stopped for a writer slot of this repo (an engine write or WAL sync failed: disk full, an I/O
    /// error), or null. Runs of that slot refuse to track from then on; runs of other slots go on. Dispose the repo
    /// and open it again to recover: the WAL holds everything flushed before the failure.
    /// </summary>
    public Exception? TrackingFailure
    {
        get
        {
            Tracker? tracker;
            lock (_lock)
            {
                tracker = _tracker;
            }

            return tracker?.Failures.RepoWide;
        }
    }

    /// <summary>
    /// Catches up with other processes: re-reads the slots this instance does not own (seeing everything their
    /// writers have written so far), discovers new slots and rebuilds the run index.
    /// </summary>
    public void Refresh()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            foreach (Slot slot in _slots.Values)
            {
                slot.Refresh();
            }

            DiscoverSlots();
            _runIndex = null;
        }
    }

    /// <summary>Flushes tracked points, closes open runs (recording their end time) and the engines.</summary>
    public void Dispose()
    {
        List<Run> open;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            open = [.. _openRuns.Values];
        }

        Exception? failure = null;
        foreach (Run run in open)
        {
            try
            {
                run.Dispose();
            }
            catch (Exception e) when (e is TrackingException or DbException or IOException)
            {
                failure ??= e;
            }
        }

        Tracker? tracker;
        lock (_lock)
        {
            _disposed = true;
            tracker = _tracker;
        }

        try
        {
            tracker?.Dispose();
        }
        catch (TrackingException e)
        {
            failure ??= e;
        }

        foreach (Slot slot in _slots.Values)
        {
            // A writer leaves its memtable in a table file, not only in the WAL: every reader that opens the slot
            // later (a query process, the next training job) then starts at once instead of replaying the log
            // into a memtable of its own, and its iterators merge one source fewer. The WAL keeps the data safe
            // whether or not this succeeds.
            if (failure is null && slot.Writable is { } db)
            {
                try
                {
                    db.Flush();
                }
                catch (Exception e) when (e is DbException or IOException)
                {
                    failure = e;
                }
            }

            slot.Dispose();
        }

        if (failure is not null)
        {
            throw failure;
        }
    }

    /// <summary>
    /// Read-only views of every run, grouped by slot, each slot's views reading at one snapshot through one reused
    /// iterator while the enumeration is on that slot: evaluating a query costs seeks, not an iterator per run and
    /// property, and sees one state of each slot whatever thread reads.
    /// </summary>
    private IEnumerable<Run> ScanRuns()
    {
        List<IGrouping<Slot, string>> bySlot;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            bySlot = [.. RunIndex().GroupBy(e => e.Value, e => e.Key).OrderBy(g => g.Key.Name, StringComparer.Ordinal)];
        }

        foreach (IGrouping<Slot, string> group in bySlot)
        {
            // A quarantined slot is skipped: its finding is in RecoveryReport and was logged when it was met.
            StoreLease? maybeLease;
            try
            {
                maybeLease = group.Key.Quarantine is null ? group.Key.TryLease() : null;
            }
            catch (CorruptionException)
            {
                maybeLease = null;
            }

            if (maybeLease is not { } lease)
            {
                continue;
            }

            // The slot's read scope: every run yielded from it carries it, so reads through them see one snapshot on
            // any thread until the enumeration leaves the slot (Run's summary).
            var snapshot = new ReadSnapshot(lease);
            try
            {
                foreach (string hash in group.Order(StringComparer.Ordinal))
                {
                    yield return new Run(this, group.Key, hash, writable: false, snapshot: snapshot);
                }
            }
            finally
            {
                snapshot.Close();
            }
        }
    }

    /// <summary>Flushes the tracker; reports a failure of run <paramref name="hash"/> in engine <paramref name="db"/>,
    /// or with both null a failure of any engine or of the writer thread.</summary>
    internal void FlushTracking(string? hash = null, Db? db = null)
    {
        Tracker? tracker;
        lock (_lock)
        {
            tracker = _tracker;
        }

        tracker?.Flush(hash, db);
    }

    internal void Release(Run run)
    {
        lock (_lock)
        {
            _openRuns.Remove(run.Hash);
        }
    }

    private static byte[][] RunRanges(string hash) => [RepoKeys.Run(hash), RepoKeys.RunSeqs(hash), RepoKeys.RunBlobs(hash)];

    private static RepoNotFoundException NotARepo(IFileSystem fs, string path)
    {
        bool empty = Entries(fs, path).Count == 0;
        return new(path, empty
            ? $"'{path}' is not an AimLsm repo: it is an empty folder. Repo.Open makes a repo of it; Repo.OpenReadOnly needs an existing repo."
            : $"'{path}' is not an AimLsm repo: it has no {MarkerFileName} file and is not empty. Point Repo.Open at a new or empty folder, or at an existing repo.");
    }

    /// <summary>The names of the files and folders in <paramref name="folder"/>.</summary>
    private static List<string> Entries(IFileSystem fs, string folder) => [.. fs.ListFiles(folder), .. fs.ListDirectories(folder)];

    /// <summary>
    /// Runs an open step, turning an operating-system failure into a <see cref="RepoException"/> that names the path
    /// and the cause ("read-only file system (EROFS)", "permission denied (EACCES)") with the original inside.
    /// </summary>
    private static void Guard(IFileSystem fs, string path, string what, Action step)
    {
        try
        {
            step();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string file = e is FileNotFoundException { FileName: { } f } ? f : path;
            throw new RepoException($"Cannot {what} at '{path}': {OsError.Describe(e, file, fs)}.", e);
        }
    }

    /// <summary>
    /// Makes <paramref name="path"/> a repo. Several openers may race here: the marker is written and synced to a
    /// temporary file and renamed into place, so a reader never sees half a marker, even after a power loss (the
    /// caller syncs the folder). The folder is created only when missing (its parent exists: <see cref="Open"/>
    /// checked), and removed again if the marker cannot be written, so a refused open leaves nothing behind.
    /// </summary>
    private static void CreateMarker(IFileSystem fs, string path, string marker)
    {
        bool createdFolder = false;
        if (fs.DirectoryExists(path))
        {
            if (Entries(fs, path).Any(e => !e.StartsWith(MarkerTempPrefix, StringComparison.Ordinal)))
            {
                // Only another opener's temporary marker may be there; anything else means the folder is not ours.
                if (!fs.FileExists(marker))
                {
                    throw NotARepo(fs, path);
                }

                return;
            }
        }
        else
        {
            fs.CreateDirectory(path);
            createdFolder = true;
        }

        string temp = System.IO.Path.Combine(path, MarkerTempPrefix + Guid.NewGuid().ToString("N"));
        try
        {
            SmallFiles.Write(fs, temp, string.Create(CultureInfo.InvariantCulture, $"AimLsm repo\nformat {FormatVersion}\n"), sync: true);

            // IFileSystem.Rename replaces its target atomically. An opener that lost the race to a marker already in
            // place leaves it; one that loses it between this check and its rename puts the same bytes in its place.
            if (!fs.FileExists(marker))
            {
                fs.Rename(temp, marker);
            }
        }
        catch (Exception e) when (createdFolder && e is IOException or UnauthorizedAccessException)
        {
            Quietly(() => fs.Delete(temp));
            Quietly(() =>
            {
                // Unless another opener has put something in it meanwhile.
                if (Entries(fs, path).Count == 0)
                {
                    fs.DeleteDirectory(path);
                }
            });
            throw;
        }
        finally
        {
            Quietly(() => fs.Delete(temp));
        }
    }

    /// <summary>Best-effort cleanup after a failed open: the open's own error is the one to report.</summary>
    private static void Quietly(Action cleanup)
    {
        try
        {
            cleanup();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Leave it.
        }
    }

    private static void CheckMarker(IFileSystem fs, string path, string marker)
    {
        string[] lines = SmallFiles.Read(fs, marker).Split('\n').Select(line => line.TrimEnd('\r')).ToArray();
        if (lines.Length < 2 || lines[0] != "AimLsm repo" || !lines[1].StartsWith("format ", StringComparison.Ordinal) ||
            !int.TryParse(lines[1].AsSpan(7), NumberStyles.None, CultureInfo.InvariantCulture, out int version))
        {
            throw new RepoNotFoundException(path, $"'{marker}' is not a valid repo marker (expected 'AimLsm repo' and 'format N' lines).");
        }

        if (version > FormatVersion)
        {
            throw new RepoNotFoundException(path, $"The repo at '{path}' has format {version}; this build reads format {FormatVersion} and older. Upgrade AimLsm.");
        }
    }

    private void ThrowIfReadOnly()
    {
        if (IsReadOnly)
        {
            throw new InvalidOperationException($"The repo at '{Path}' was opened read-only; use Repo.Open to write.");
        }
    }

    /// <summary>
    /// Opens every slot once so that damage is found, reported and logged at open, not at the first read that
    /// happens to touch it. A slot refusing to open is quarantined; the others open, track and serve. A reader keeps
    /// the instances (its first query needs them); a writer, which may never read another slot, lets each go at once,
    /// so its memory does not grow with the other writers' memtables. The price is one replay of each slot's WAL at
    /// open.
    /// </summary>
    private void CheckSlots()
    {
        foreach (Slot slot in _slots.Values.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            try
            {
                slot.TryLease()?.Dispose();
            }
            catch (CorruptionException)
            {
                // Quarantined: OnSlotRecovery recorded and logged it.
            }

            if (!IsReadOnly && slot.Quarantine is null)
            {
                slot.Refresh();
            }
        }
    }

    /// <summary>Records and logs a slot's recovery finding (see <see cref="Slot"/>'s constructor).</summary>
    private void OnSlotRecovery(Slot slot, WalRecoveryReport? wal, CorruptionException? quarantine)
    {
        List<string> runs;
        try
        {
            runs = ListRuns(slot);
        }
        catch (Exception e) when (e is DbException or AimFormatException or IOException)
        {
            runs = [];
        }

        var finding = new SlotRecoveryReport(slot.Name, slot.Directory, wal, quarantine, runs);
        string text = $"AimLsm repo '{Path}': {finding}";
        lock (_recoveryLock)
        {
            // A refresh re-checks a quarantined slot and meets the same damage again: say it once, not at every
            // refresh of a server that refreshes every few seconds.
            bool repeated = _recovery.TryGetValue(slot.Name, out SlotRecoveryReport? previous) && previous.ToString() == finding.ToString();
            _recovery[slot.Name] = finding;
            _recoveryReport = new RepoRecoveryReport([.. _recovery.Values]);
            if (repeated)
            {
                return;
            }
        }

        if (Settings.Logger is { } logger)
        {
            logger.Log(quarantine is null ? LogLevel.Warning : LogLevel.Error, "{Finding}", text);
        }
        else
        {
            Console.Error.WriteLine(text);
        }
    }

    // Everything below runs under _lock.
    private void DiscoverSlots()
    {
        string folder = System.IO.Path.Combine(Path, SlotsFolder);
        if (!_fs.DirectoryExists(folder))
        {
            return;
        }

        foreach (string name in _fs.ListDirectories(folder))
        {
            if (name.Length == 4 && name.All(char.IsAsciiDigit) && !_slots.ContainsKey(name))
            {
                _slots[name] = new Slot(name, System.IO.Path.Combine(folder, name), _dbOptions, OnSlotRecovery);
            }
        }
    }

    private Dictionary<string, Slot> RunIndex()
    {
        if (_runIndex is not null)
        {
            return _runIndex;
        }

        var index = new Dictionary<string, Slot>(StringComparer.Ordinal);
        foreach (Slot slot in _slots.Values.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            foreach (string hash in ListRuns(slot))
            {
                // A run lives in one slot; a copy in another slot could only come from a future migration tool.
                index.TryAdd(hash, slot);
            }
        }

        return _runIndex = index;
    }

    private static List<string> ListRuns(Slot slot)
    {
        var hashes = new List<string>();
        if (slot.TryLeaseIndex() is not { } lease)
        {
            return hashes;
        }

        using (lease)
        {
            byte[] prefix = RepoKeys.Runs;
            using Iterator it = lease.Db.NewIterator(new ReadOptions { LowerBound = prefix, UpperBound = TreePath.SubtreeUpperBound(prefix) });
            for (it.Seek(prefix); it.Valid;)
            {
                var path = new TreePathReader(it.Key[prefix.Length..]);
                if (!path.MoveNext() || path.IsInt)
                {
                    throw new AimFormatException($"Slot '{slot.Name}' has a malformed run index key {PathSegment.Format(TreePath.Decode(it.Key))}.");
                }

                hashes.Add(System.Text.Encoding.UTF8.GetString(path.Utf8));
                byte[] next = it.Key[..(prefix.Length + path.Consumed)].ToArray();
                next[^1] = TreePath.SubtreeEnd;
                it.Seek(next);
            }
        }

        return hashes;
    }

    private Slot PrimarySlot()
    {
        if (_primary is not null)
        {
            return _primary;
        }

        // Reuse a free slot first (its writer closed or died; taking it recovers it), else make a new one. Two
        // processes racing for the same slot are arbitrated by its LOCK file: the loser moves on.
        foreach (Slot slot in _slots.Values.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            if (slot.Writable is not null || TryOwn(slot))
            {
                return _primary = slot;
            }
        }

        for (int n = 0; n < MaxSlots; n++)
        {
            string name = n.ToString("D4", CultureInfo.InvariantCulture);
            if (_slots.ContainsKey(name))
            {
                continue;
            }

            var slot = new Slot(name, System.IO.Path.Combine(Path, SlotsFolder, name), _dbOptions, OnSlotRecovery);
            _slots[name] = slot;
            if (TryOwn(slot))
            {
                // The new slot's folder entry is made durable before the slot acknowledges a write: the engine syncs
                // the files in its folder, not the folder's own entry in slots/.
                _fs.SyncDirectory(System.IO.Path.Combine(Path, SlotsFolder));
                return _primary = slot;
            }
        }

        throw new RepoException($"All {MaxSlots} writer slots of '{Path}' are held by live writers.");
    }

    private Slot OwnSlotOf(string hash)
    {
        if (!RunIndex().TryGetValue(hash, out Slot? slot))
        {
            throw new RunNotFoundException(hash);
        }

        slot.ThrowIfQuarantined();
        if (slot.Writable is null && !TryOwn(slot))
        {
            slot.ThrowIfQuarantined();
            throw new RunLockedException(hash, $"another writer ({slot.DescribeOwner()}, slot '{slot.Name}')");
        }

        return slot;
    }

    /// <summary>Takes a slot and finishes the runs its previous writer left open (it closed them or died).</summary>
    private bool TryOwn(Slot slot)
    {
        if (!slot.TryOwn())
        {
            return false;
        }

        Db db = slot.Writable!;
        foreach (string hash in ListRuns(slot))
        {
            RunProps props = RunProps.Load(db, hash);
            if (props.EndTime is null && !_openRuns.ContainsKey(hash))
            {
                props.EndTime = RunProps.Now();
                new Run(this, slot, hash, writable: true).WriteProps(props);
            }
        }

        return true;
    }
}
