using AimLsm.Kv.IO;

namespace AimLsm.Testing;

/// <summary>The operations a <see cref="FaultInjectionFileSystem"/> can fail. Combine them as flags.</summary>
[Flags]
public enum FaultKind
{
    /// <summary>No operation.</summary>
    None = 0,

    /// <summary><see cref="IWritableFile.Append"/> and <see cref="IWritableFile.Flush"/>.</summary>
    Write = 1 << 0,

    /// <summary><see cref="IWritableFile.Sync"/> (fsync).</summary>
    Sync = 1 << 1,

    /// <summary><see cref="IFileSystem.OpenRead"/> and <see cref="IReadableFile.Read"/>.</summary>
    Read = 1 << 2,

    /// <summary><see cref="IFileSystem.Rename"/>.</summary>
    Rename = 1 << 3,

    /// <summary><see cref="IFileSystem.SyncDirectory"/> (fsync on the directory).</summary>
    SyncDirectory = 1 << 4,

    /// <summary><see cref="IFileSystem.Create"/>.</summary>
    Create = 1 << 5,

    /// <summary>Every kind above.</summary>
    All = Write | Sync | Read | Rename | SyncDirectory | Create,
}

/// <summary>What an injected fault looks like to the caller.</summary>
public enum FaultError
{
    /// <summary>ENOSPC: no space left on device.</summary>
    DiskFull,

    /// <summary>EIO: the device reported an input/output error.</summary>
    IoError,
}

/// <summary>What <see cref="FaultInjectionFileSystem.SimulatePowerLoss"/> threw away.</summary>
/// <param name="BytesDropped">Unsynced file bytes lost.</param>
/// <param name="FilesRemoved">Files whose creation no directory sync made durable.</param>
/// <param name="RenamesUndone">Renames no directory sync made durable, rolled back.</param>
/// <param name="DeletesUndone">Deletions no directory sync made durable: the files are back, with their synced bytes.</param>
public readonly record struct PowerLossStats(long BytesDropped, int FilesRemoved, int RenamesUndone, int DeletesUndone);

/// <summary>
/// A file system that wraps another (typically <see cref="MemFileSystem"/>) to attack the engine, as RocksDB's
/// <c>FaultInjectionTestFS</c>, LevelDB's <c>FaultInjectionTestEnv</c> and Pebble's <c>errorfs</c> do.
/// </summary>
/// <remarks>
/// <para><b>Power loss.</b> It remembers, per file it created, how many bytes were synced, and keeps a journal of the
/// directory changes (creations, renames, deletions) no <see cref="SyncDirectory"/> of their directory has made
/// durable yet. <see cref="SimulatePowerLoss"/> then does what the disk would after the machine lost power: it rolls
/// the journal back newest first (a file created since the last directory sync vanishes even if its data was synced;
/// a rename, such as the one that replaces CURRENT, is undone and the file it replaced comes back; a deleted file
/// comes back with its synced bytes), and cuts every file to its synced length (or, when asked, to a random point
/// between its synced and its written length: a torn write). Files that existed before this wrapper was created
/// count as durable. A rename's durability follows its destination's directory.</para>
/// <para>Protocol: call <see cref="SimulatePowerLoss"/>; it leaves the file system inactive (<see cref="Active"/> is
/// false) and every handle opened before it dead for good, so the old database can be disposed without reaching
/// the "disk"; then set <see cref="Active"/> to true (the reboot) and reopen. Locks taken through this wrapper are
/// released, as the kernel releases them when the process dies. Rewriting cut files needs an inner file system that
/// can be rewritten through <see cref="IFileSystem.Create"/>; handles that died are not disposed, which leaks nothing
/// on <see cref="MemFileSystem"/> (the intended inner file system for power-loss tests).</para>
/// <para><b>I/O errors.</b> <see cref="InjectErrorAt"/> fails the N-th operation of the chosen kinds (once, or it and
/// every later one: a disk that stays full); <see cref="InjectErrors"/> fails each with a probability, from a seed, so
/// a failure replays. Failures are <see cref="IOException"/>s that say "injected". <see cref="Operations"/> and
/// <see cref="Faults"/> count what happened, for the tests to print.</para>
/// <para>Thread-safe: one lock guards the bookkeeping and is held across each call into the inner file system, so
/// a power loss never interleaves with a write.</para>
/// </remarks>
public sealed class FaultInjectionFileSystem : IFileSystem
{
    private const int KindCount = 6;

    private readonly IFileSystem _inner;
    private readonly object _gate = new();

    /// <summary>Files created through this wrapper, by full path. Untracked files are durable as they are.</summary>
    private readonly Dictionary<string, FileState> _files = new(StringComparer.Ordinal);

    /// <summary>Directory changes not yet made durable, oldest first. Guarded by <see cref="_gate"/>.</summary>
    private readonly List<MetaOp> _journal = [];

    private readonly List<LockHandle> _locks = [];
    private readonly long[] _operations = new long[KindCount];
    private readonly long[] _faults = new long[KindCount];
    private int _generation;
    private volatile bool _active = true;

    private FaultKind _injectKinds;
    private long _injectAt = -1;
    private bool _injectSticky;
    private double _injectProbability;
    private Random? _injectRandom;
    private FaultError _injectError;
    private long _matching;

    /// <summary>Wraps <paramref name="inner"/>. Its present files are taken as durable.</summary>
    public FaultInjectionFileSystem(IFileSystem inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
    }

    /// <summary>The wrapped file system.</summary>
    public IFileSystem Inner => _inner;

    /// <summary>
    /// False while the "machine" is off: every operation fails with an <see cref="IOException"/>.
    /// <see cref="SimulatePowerLoss"/> sets it to false; set it back to true to reboot.
    /// </summary>
    public bool Active
    {
        get => _active;
        set => _active = value;
    }

    /// <summary>Faults injected so far, all kinds together.</summary>
    public long FaultsInjected
    {
        get
        {
            lock (_gate)
            {
                return _faults.Sum();
            }
        }
    }

    /// <summary>Operations of the given kinds seen so far (faulted or not).</summary>
    public long Operations(FaultKind kinds) => SumOf(_operations, kinds);

    /// <summary>Faults injected so far into operations of the given kinds.</summary>
    public long Faults(FaultKind kinds) => SumOf(_faults, kinds);

    /// <summary>Bytes written but not yet synced, over all tracked files: what a power loss now would drop at most.</summary>
    public long UnsyncedBytes
    {
        get
        {
            lock (_gate)
            {
                long n = 0;
                foreach (FileState s in _files.Values)
                {
                    n += s.Length - s.Synced;
                }
                return n;
            }
        }
    }

    /// <summary>
    /// Fails the <paramref name="operation"/>-th (0-based, counted from this call) operation of the given kinds; with
    /// <paramref name="sticky"/>, also every later one, as a disk that stays full.
    /// </summary>
    public void InjectErrorAt(FaultKind kinds, long operation, bool sticky = false, FaultError error = FaultError.DiskFull)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(operation);
        lock (_gate)
        {
            _injectKinds = kinds;
            _injectAt = operation;
            _injectSticky = sticky;
            _injectProbability = 0;
            _injectRandom = null;
            _injectError = error;
            _matching = 0;
        }
    }

    /// <summary>Fails each operation of the given kinds with <paramref name="probability"/>, drawn from <paramref name="seed"/>.</summary>
    public void InjectErrors(FaultKind kinds, double probability, int seed, FaultError error = FaultError.IoError)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(probability);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(probability, 1.0);
        lock (_gate)
        {
            _injectKinds = kinds;
            _injectAt = -1;
            _injectSticky = false;
            _injectProbability = probability;
            _injectRandom = new Random(seed);
            _injectError = error;
            _matching = 0;
        }
    }

    /// <summary>Stops injecting errors. Counters are kept.</summary>
    public void StopInjecting()
    {
        lock (_gate)
        {
            _injectKinds = FaultKind.None;
            _injectRandom = null;
        }
    }

    /// <summary>Stops injecting errors, reactivates the file system and zeroes the counters. What is unsynced stays so.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _injectKinds = FaultKind.None;
            _injectRandom = null;
            Array.Clear(_operations);
            Array.Clear(_faults);
            _active = true;
        }
    }

    /// <summary>
    /// The machine loses power: unsynced bytes and un-synced directory changes are lost (see the remarks), every
    /// open handle dies, locks are released, and the file system is left inactive until <see cref="Active"/> is set.
    /// </summary>
    /// <param name="tornWrites">When given, each file keeps a random part of its unsynced bytes (a torn write) rather than none.</param>
    public PowerLossStats SimulatePowerLoss(Random? tornWrites = null)
    {
        lock (_gate)
        {
            _active = false;
            _generation++;
            foreach (LockHandle l in _locks)
            {
                l.ReleaseInner();
            }
            _locks.Clear();

            int removed = 0, renames = 0, deletes = 0;
            for (int i = _journal.Count - 1; i >= 0; i--)
            {
                MetaOp op = _journal[i];
                switch (op.Kind)
                {
                    case MetaKind.Create:
                        if (_files.TryGetValue(op.Path, out FileState? s) && ReferenceEquals(s, op.State))
                        {
                            _inner.Delete(op.Path);
                            _files.Remove(op.Path);
                            removed++;
                        }
                        break;
                    case MetaKind.Rename:
                        if (_inner.FileExists(op.Path))
                        {
                            _inner.Rename(op.Path, op.Source!);
                            MoveState(op.Path, op.Source!);
                        }
                        if (op.Displaced is not null)
                        {
                            Restore(op.Path, op.Displaced);
                        }
                        renames++;
                        break;
                    case MetaKind.Delete:
                        if (op.Displaced is not null)
                        {
                            Restore(op.Path, op.Displaced);
                            deletes++;
                        }
                        break;
                }
            }
            _journal.Clear();

            long dropped = 0;
            foreach ((string path, FileState state) in _files)
            {
                long size = _inner.FileExists(path) ? _inner.GetFileSize(path) : 0;
                long keep = state.Synced;
                if (tornWrites is not null && size > keep)
                {
                    keep += tornWrites.NextInt64(size - keep + 1);
                }
                if (size > keep)
                {
                    byte[] prefix = ReadPrefix(path, keep);
                    WriteWhole(path, prefix);
                    dropped += size - keep;
                }
                state.Length = state.Synced = keep;
            }
            return new PowerLossStats(dropped, removed, renames, deletes);
        }
    }

    /// <inheritdoc />
    public IWritableFile Create(string path)
    {
        path = Normalize(path);
        lock (_gate)
        {
            Check(FaultKind.Create, path);
            bool existed = _inner.FileExists(path);
            byte[]? old = existed ? DurableBytes(path) : null;
            IWritableFile file = _inner.Create(path);
            if (existed)
            {
                _journal.Add(new MetaOp(MetaKind.Delete, path, DirOf(path), null, null, old));
            }
            var state = new FileState();
            _files[path] = state;
            _journal.Add(new MetaOp(MetaKind.Create, path, DirOf(path), null, state, null));
            return new Writable(this, file, state, path, _generation);
        }
    }

    /// <inheritdoc />
    public IReadableFile OpenRead(string path)
    {
        path = Normalize(path);
        lock (_gate)
        {
            Check(FaultKind.Read, path);
            return new Readable(this, _inner.OpenRead(path), _generation);
        }
    }

    /// <inheritdoc />
    public bool FileExists(string path)
    {
        RequireActive("exists", path);
        return _inner.FileExists(path);
    }

    /// <inheritdoc />
    public bool DirectoryExists(string path)
    {
        RequireActive("exists", path);
        return _inner.DirectoryExists(path);
    }

    /// <inheritdoc />
    public void CreateDirectory(string path)
    {
        RequireActive("mkdir", path);
        _inner.CreateDirectory(path);
    }

    /// <inheritdoc />
    public void DeleteDirectory(string path)
    {
        RequireActive("rmdir", path);
        _inner.DeleteDirectory(path);
    }

    /// <inheritdoc />
    public IReadOnlyList<string> ListFiles(string directory)
    {
        RequireActive("list", directory);
        return _inner.ListFiles(directory);
    }

    /// <inheritdoc />
    public IReadOnlyList<string> ListDirectories(string directory)
    {
        RequireActive("list", directory);
        return _inner.ListDirectories(directory);
    }

    /// <inheritdoc />
    public long GetFileSize(string path)
    {
        RequireActive("stat", path);
        return _inner.GetFileSize(path);
    }

    /// <inheritdoc />
    public void Delete(string path)
    {
        path = Normalize(path);
        lock (_gate)
        {
            RequireActive("delete", path);
            if (!_inner.FileExists(path))
            {
                return;
            }
            byte[]? old = DurableBytes(path);
            _inner.Delete(path);
            _files.Remove(path);
            _journal.Add(new MetaOp(MetaKind.Delete, path, DirOf(path), null, null, old));
        }
    }

    /// <inheritdoc />
    public void Rename(string source, string destination)
    {
        source = Normalize(source);
        destination = Normalize(destination);
        lock (_gate)
        {
            Check(FaultKind.Rename, destination);
            byte[]? displaced = _inner.FileExists(destination) ? DurableBytes(destination) : null;
            _inner.Rename(source, destination);
            _files.Remove(destination);
            MoveState(source, destination);
            _journal.Add(new MetaOp(MetaKind.Rename, destination, DirOf(destination), source, null, displaced));
        }
    }

    /// <inheritdoc />
    public void SyncDirectory(string directory)
    {
        directory = Normalize(directory);
        lock (_gate)
        {
            Check(FaultKind.SyncDirectory, directory);
            _inner.SyncDirectory(directory);
            _journal.RemoveAll(op => op.Dir == directory);
        }
    }

    /// <inheritdoc />
    public IDisposable? TryLock(string path)
    {
        lock (_gate)
        {
            RequireActive("lock", path);
            IDisposable? inner = _inner.TryLock(path);
            if (inner is null)
            {
                return null;
            }
            var handle = new LockHandle(this, inner);
            _locks.Add(handle);
            return handle;
        }
    }

    private static string Normalize(string path) => Path.GetFullPath(path);

    private static string DirOf(string path) => Path.GetDirectoryName(path) ?? path;

    private long SumOf(long[] counters, FaultKind kinds)
    {
        lock (_gate)
        {
            long n = 0;
            for (int i = 0; i < KindCount; i++)
            {
                if (((int)kinds & (1 << i)) != 0)
                {
                    n += counters[i];
                }
            }
            return n;
        }
    }

    private void RequireActive(string op, string path)
    {
        if (!_active)
        {
            throw new IOException($"injected: the file system is inactive (simulated crash) ({op} '{path}')");
        }
    }

    /// <summary>Counts an operation and throws when it is to fail. REQUIRES: <see cref="_gate"/>.</summary>
    private void Check(FaultKind kind, string path)
    {
        RequireActive(kind.ToString(), path);
        int index = System.Numerics.BitOperations.Log2((uint)kind);
        _operations[index]++;
        if ((_injectKinds & kind) == 0)
        {
            return;
        }
        long n = _matching++;
        bool fail = _injectRandom is not null
            ? _injectRandom.NextDouble() < _injectProbability
            : n == _injectAt || (_injectSticky && n > _injectAt);
        if (!fail)
        {
            return;
        }
        _faults[index]++;
        string what = _injectError == FaultError.DiskFull ? "No space left on device (ENOSPC)" : "Input/output error (EIO)";
        throw new IOException($"injected: {what} on {kind} '{path}'");
    }

    private void CheckHandle(int generation, FaultKind kind, string path)
    {
        if (generation != _generation)
        {
            throw new IOException($"injected: the handle on '{path}' died with the simulated power loss");
        }
        Check(kind, path);
    }

    private void MoveState(string from, string to)
    {
        if (_files.Remove(from, out FileState? s))
        {
            _files[to] = s;
        }
    }

    /// <summary>
    /// What of a file would survive a power loss now: null when its creation is not durable yet, so it would not
    /// exist at all. REQUIRES: <see cref="_gate"/>.
    /// </summary>
    private byte[]? DurableBytes(string path)
    {
        long size = _inner.GetFileSize(path);
        if (!_files.TryGetValue(path, out FileState? s))
        {
            return ReadPrefix(path, size);
        }
        foreach (MetaOp op in _journal)
        {
            if (op.Kind == MetaKind.Create && ReferenceEquals(op.State, s))
            {
                return null;
            }
        }
        return ReadPrefix(path, Math.Min(s.Synced, size));
    }

    private byte[] ReadPrefix(string path, long length)
    {
        var bytes = new byte[length];
        using IReadableFile f = _inner.OpenRead(path);
        int done = 0;
        while (done < bytes.Length)
        {
            int n = f.Read(done, bytes.AsSpan(done));
            if (n == 0)
            {
                break;
            }
            done += n;
        }
        return bytes;
    }

    private void WriteWhole(string path, byte[] bytes)
    {
        using IWritableFile f = _inner.Create(path);
        f.Append(bytes);
        f.Sync();
    }

    /// <summary>Puts back a durable file (untracked afterwards: all of it is durable). Its folder comes back too if it
    /// was removed since (an engine that cleans up after a failed open deletes its files, then its folder): folder
    /// changes are not journaled, and a folder cannot have been removed durably while a deletion in it was not.</summary>
    private void Restore(string path, byte[] bytes)
    {
        _inner.CreateDirectory(DirOf(path));
        WriteWhole(path, bytes);
        _files.Remove(path);
    }

    private enum MetaKind
    {
        Create,
        Rename,
        Delete,
    }

    /// <summary>
    /// A directory change not yet durable. Create: <c>State</c> is the file created at <c>Path</c>. Rename: from
    /// <c>Source</c> to <c>Path</c>; <c>Displaced</c> holds the durable bytes of the file it replaced, if any.
    /// Delete: <c>Displaced</c> holds the durable bytes of the file removed from <c>Path</c>.
    /// </summary>
    private sealed record MetaOp(MetaKind Kind, string Path, string Dir, string? Source, FileState? State, byte[]? Displaced);

    /// <summary>A tracked file's written and synced lengths. Guarded by <see cref="_gate"/>.</summary>
    private sealed class FileState
    {
        public long Length;
        public long Synced;
    }

    private sealed class Writable(FaultInjectionFileSystem fs, IWritableFile file, FileState state, string path, int generation) : IWritableFile
    {
        public long Length => file.Length;

        public void Append(ReadOnlySpan<byte> data)
        {
            lock (fs._gate)
            {
                fs.CheckHandle(generation, FaultKind.Write, path);
                file.Append(data);
                state.Length += data.Length;
            }
        }

        public void Flush()
        {
            lock (fs._gate)
            {
                fs.CheckHandle(generation, FaultKind.Write, path);
                file.Flush();
            }
        }

        public void Sync()
        {
            lock (fs._gate)
            {
                fs.CheckHandle(generation, FaultKind.Sync, path);
                file.Sync();
                state.Synced = state.Length;
            }
        }

        public void Dispose()
        {
            lock (fs._gate)
            {
                if (generation == fs._generation)
                {
                    file.Dispose();
                }
            }
        }
    }

    private sealed class Readable(FaultInjectionFileSystem fs, IReadableFile file, int generation) : IReadableFile
    {
        public long Length => file.Length;

        public string Path => file.Path;

        public int Read(long offset, Span<byte> destination)
        {
            lock (fs._gate)
            {
                fs.CheckHandle(generation, FaultKind.Read, file.Path);
            }
            return file.Read(offset, destination);
        }

        public void Dispose() => file.Dispose();
    }

    private sealed class LockHandle(FaultInjectionFileSystem fs, IDisposable inner) : IDisposable
    {
        private bool _released;

        /// <summary>Releases the inner lock; later <see cref="Dispose"/> calls do nothing. REQUIRES: the gate.</summary>
        public void ReleaseInner()
        {
            if (!_released)
            {
                _released = true;
                inner.Dispose();
            }
        }

        public void Dispose()
        {
            lock (fs._gate)
            {
                ReleaseInner();
                fs._locks.Remove(this);
            }
        }
    }
}
