namespace AimLsm.Kv.IO;

/// <summary>
/// A file system held in memory, for fast tests and for simulating crashes. It remembers, per file, how many bytes
/// were made durable by <see cref="IWritableFile.Sync"/>, so that <see cref="DropUnsyncedData"/> can model a power
/// loss (the fault-injecting file system of the verification work builds on this).
/// Thread-safe: one lock guards the whole namespace; file contents have their own lock.
/// </summary>
public sealed class MemFileSystem : IFileSystem
{
    private readonly object _gate = new();
    private readonly Dictionary<string, MemFile> _files = new(StringComparer.Ordinal);
    private readonly HashSet<string> _directories = new(StringComparer.Ordinal);
    private readonly HashSet<string> _locks = new(StringComparer.Ordinal);

    private static string Normalize(string path) => System.IO.Path.GetFullPath(path);

    /// <inheritdoc />
    public IWritableFile Create(string path)
    {
        path = Normalize(path);
        lock (_gate)
        {
            RequireParent(path);
            var file = new MemFile();
            _files[path] = file;
            return new Writer(file);
        }
    }

    /// <inheritdoc />
    public IReadableFile OpenRead(string path)
    {
        path = Normalize(path);
        lock (_gate)
        {
            if (!_files.TryGetValue(path, out MemFile? file))
            {
                throw new FileNotFoundException($"No such file: '{path}'.", path);
            }
            return new Reader(file, path);
        }
    }

    /// <inheritdoc />
    public bool FileExists(string path)
    {
        path = Normalize(path);
        lock (_gate)
        {
            return _files.ContainsKey(path);
        }
    }

    /// <inheritdoc />
    public bool DirectoryExists(string path)
    {
        path = Normalize(path);
        lock (_gate)
        {
            return _directories.Contains(path) || path == System.IO.Path.GetPathRoot(path);
        }
    }

    /// <inheritdoc />
    public void CreateDirectory(string path)
    {
        path = Normalize(path);
        lock (_gate)
        {
            if (_files.ContainsKey(path))
            {
                throw new IOException($"Cannot create directory '{path}': a file exists there.");
            }
            for (string? p = path; !string.IsNullOrEmpty(p); p = System.IO.Path.GetDirectoryName(p))
            {
                _directories.Add(p);
            }
        }
    }

    /// <inheritdoc />
    public void DeleteDirectory(string path)
    {
        path = Normalize(path);
        lock (_gate)
        {
            foreach (string p in _files.Keys.Concat(_directories))
            {
                if (System.IO.Path.GetDirectoryName(p) == path)
                {
                    throw new IOException($"Cannot delete directory '{path}': it is not empty.");
                }
            }

            _directories.Remove(path);
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<string> ListFiles(string directory) => List(directory, _files.Keys);

    /// <inheritdoc />
    public IReadOnlyList<string> ListDirectories(string directory) => List(directory, _directories);

    /// <summary>The names of the <paramref name="entries"/> (files or folders, full paths) right under <paramref name="directory"/>.</summary>
    private List<string> List(string directory, IEnumerable<string> entries)
    {
        directory = Normalize(directory);
        lock (_gate)
        {
            if (!DirectoryExists(directory))
            {
                throw new DirectoryNotFoundException($"No such directory: '{directory}'.");
            }
            var names = new List<string>();
            foreach (string p in entries)
            {
                if (System.IO.Path.GetDirectoryName(p) == directory)
                {
                    names.Add(System.IO.Path.GetFileName(p));
                }
            }
            return names;
        }
    }

    /// <inheritdoc />
    public long GetFileSize(string path)
    {
        path = Normalize(path);
        lock (_gate)
        {
            return _files.TryGetValue(path, out MemFile? f) ? f.Length : throw new FileNotFoundException($"No such file: '{path}'.", path);
        }
    }

    /// <inheritdoc />
    public void Delete(string path)
    {
        path = Normalize(path);
        lock (_gate)
        {
            _files.Remove(path);
        }
    }

    /// <inheritdoc />
    public void Rename(string source, string destination)
    {
        source = Normalize(source);
        destination = Normalize(destination);
        lock (_gate)
        {
            if (!_files.Remove(source, out MemFile? f))
            {
                throw new FileNotFoundException($"No such file: '{source}'.", source);
            }
            _files[destination] = f;
        }
    }

    /// <inheritdoc />
    public void SyncDirectory(string directory)
    {
    }

    /// <inheritdoc />
    public IDisposable? TryLock(string path)
    {
        path = Normalize(path);
        lock (_gate)
        {
            if (!_locks.Add(path))
            {
                return null;
            }
            if (!_files.ContainsKey(path))
            {
                RequireParent(path);
                _files[path] = new MemFile();
            }
            return new Lock(this, path);
        }
    }

    /// <summary>
    /// Simulates a power loss: every file keeps only the bytes that were synced. (Directory entries are kept;
    /// dropping files created since the last directory sync is the fault-injecting file system's job.)
    /// </summary>
    public void DropUnsyncedData()
    {
        lock (_gate)
        {
            foreach (MemFile f in _files.Values)
            {
                f.TruncateToSynced();
            }
        }
    }

    /// <summary>Releases every lock, as the kernel does when the process holding them dies.</summary>
    public void ReleaseLocks()
    {
        lock (_gate)
        {
            _locks.Clear();
        }
    }

    private void RequireParent(string path)
    {
        string? dir = System.IO.Path.GetDirectoryName(path);
        if (dir is not null && !_directories.Contains(dir) && dir != System.IO.Path.GetPathRoot(dir))
        {
            throw new DirectoryNotFoundException($"No such directory: '{dir}'.");
        }
    }

    private sealed class Lock(MemFileSystem fs, string path) : IDisposable
    {
        private bool _released;

        public void Dispose()
        {
            lock (fs._gate)
            {
                if (!_released)
                {
                    fs._locks.Remove(path);
                    _released = true;
                }
            }
        }
    }

    private sealed class MemFile
    {
        private byte[] _data = [];
        private int _length;
        private int _synced;

        public long Length
        {
            get
            {
                lock (this)
                {
                    return _length;
                }
            }
        }

        public void Append(ReadOnlySpan<byte> bytes)
        {
            lock (this)
            {
                if (_length + bytes.Length > _data.Length)
                {
                    Array.Resize(ref _data, Math.Max(_length + bytes.Length, Math.Max(256, _data.Length * 2)));
                }
                bytes.CopyTo(_data.AsSpan(_length));
                _length += bytes.Length;
            }
        }

        public void MarkSynced()
        {
            lock (this)
            {
                _synced = _length;
            }
        }

        public void TruncateToSynced()
        {
            lock (this)
            {
                _length = _synced;
            }
        }

        public int Read(long offset, Span<byte> destination)
        {
            lock (this)
            {
                if (offset >= _length)
                {
                    return 0;
                }
                int n = (int)Math.Min(destination.Length, _length - offset);
                _data.AsSpan((int)offset, n).CopyTo(destination);
                return n;
            }
        }
    }

    private sealed class Writer(MemFile file) : IWritableFile
    {
        public long Length => file.Length;

        public void Append(ReadOnlySpan<byte> data) => file.Append(data);

        public void Flush()
        {
        }

        public void Sync() => file.MarkSynced();

        public void Dispose()
        {
        }
    }

    private sealed class Reader(MemFile file, string path) : IReadableFile
    {
        public long Length { get; } = file.Length;

        public string Path => path;

        public int Read(long offset, Span<byte> destination) => file.Read(offset, destination);

        public void Dispose()
        {
        }
    }
}
