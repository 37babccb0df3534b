using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace AimLsm.Kv.IO;

/// <summary>
/// The real disk, through <see cref="RandomAccess"/> on <see cref="SafeFileHandle"/>s: positional reads with no shared
/// file position, and appends through a buffer of our own so that small WAL records do not each cost a system call.
/// </summary>
public sealed partial class DiskFileSystem : IFileSystem
{
    /// <summary>The shared instance; the type holds no state.</summary>
    public static DiskFileSystem Instance { get; } = new();

    /// <inheritdoc />
    public IWritableFile Create(string path)
    {
        try
        {
            return new DiskWritableFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure("create file", path, e);
        }
    }

    /// <inheritdoc />
    public IWritableFile CreateMapped(string path, long expectedLength = 0)
    {
        if (!MappedAppendFile.IsSupported)
        {
            return Create(path);
        }
        try
        {
            return MappedAppendFile.Create(path, expectedLength);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure("create file", path, e);
        }
    }

    /// <inheritdoc />
    public IReadableFile OpenRead(string path)
    {
        try
        {
            return new DiskReadableFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure("open file", path, e);
        }
    }

    /// <inheritdoc />
    public IReadableFile OpenReadMapped(string path)
    {
        try
        {
            return MappedReadableFile.Open(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure("open file", path, e);
        }
    }

    /// <inheritdoc />
    public bool FileExists(string path)
    {
        // File.Exists falls back to lstat, so it is true for a symbolic link to nothing; such a link is not a file.
        if (!File.Exists(path))
        {
            return false;
        }

        try
        {
            return (File.GetAttributes(path) & FileAttributes.ReparsePoint) == 0 ||
                File.ResolveLinkTarget(path, returnFinalTarget: true) is { Exists: true };
        }
        catch (IOException)
        {
            return false; // deleted meanwhile, or a link that loops (ELOOP)
        }
    }

    /// <inheritdoc />
    public bool DirectoryExists(string path) => Directory.Exists(path);

    /// <inheritdoc />
    public void CreateDirectory(string path)
    {
        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure("create folder", path, e);
        }
    }

    /// <inheritdoc />
    public void DeleteDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: false);
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<string> ListFiles(string directory) => List(directory, Directory.EnumerateFiles);

    /// <inheritdoc />
    public IReadOnlyList<string> ListDirectories(string directory) => List(directory, Directory.EnumerateDirectories);

    private static List<string> List(string directory, Func<string, IEnumerable<string>> entries)
    {
        var names = new List<string>();
        try
        {
            foreach (string f in entries(directory))
            {
                names.Add(System.IO.Path.GetFileName(f));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure("list folder", directory, e);
        }
        return names;
    }

    /// <inheritdoc />
    public long GetFileSize(string path) => new FileInfo(path).Length;

    /// <inheritdoc />
    public void Delete(string path) => File.Delete(path);

    /// <inheritdoc />
    public void Rename(string source, string destination) => File.Move(source, destination, overwrite: true);

    /// <inheritdoc />
    public void SyncDirectory(string directory) => DirectorySync.Sync(directory);

    /// <inheritdoc />
    public IDisposable? TryLock(string path)
    {
        try
        {
            // On Unix, .NET takes an advisory flock(LOCK_EX | LOCK_NB) for FileShare.None, which another process
            // honours and which the kernel releases when the holder dies, so a killed writer never leaves a stale lock.
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        catch (IOException e) when (OsError.IsLockContention(e))
        {
            // EWOULDBLOCK from flock is the only "held by someone else"; anything else (EROFS, EACCES, EMFILE, ...)
            // means the lock could not even be tried, and says so below.
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure("open lock file", path, e);
        }
    }

    /// <summary>
    /// The exception for a failed <paramref name="operation"/> on <paramref name="path"/>: of the same kind as
    /// <paramref name="e"/> (so a caller's <c>catch</c> still matches it), its message naming the path and the true
    /// cause with the errno's name, <paramref name="e"/> as the inner exception.
    /// </summary>
    private static Exception Failure(string operation, string path, Exception e)
    {
        string message = $"Cannot {operation} '{path}': {OsError.Describe(e, path)}.";
        return e switch
        {
            UnauthorizedAccessException => new UnauthorizedAccessException(message, e),
            FileNotFoundException => new FileNotFoundException(message, path, e),
            DirectoryNotFoundException => new DirectoryNotFoundException(message, e),
            _ => new IOException(message, e),
        };
    }

    private sealed class DiskWritableFile : BufferedWritableFile
    {
        private readonly SafeFileHandle _handle;

        public DiskWritableFile(string path)
        {
            _handle = File.OpenHandle(path, FileMode.Create, FileAccess.Write, FileShare.Read);
        }

        protected override bool IsClosed => _handle.IsClosed;

        protected override void Write(ReadOnlySpan<byte> data, long offset) => RandomAccess.Write(_handle, data, offset);

        public override void Sync()
        {
            Flush();
            RandomAccess.FlushToDisk(_handle);
        }

        protected override void Close() => _handle.Dispose();
    }

    private sealed class DiskReadableFile : IReadableFile
    {
        private readonly SafeFileHandle _handle;

        public DiskReadableFile(string path)
            : this(OpenHandle(path), path)
        {
        }

        /// <summary>Takes ownership of <paramref name="handle"/> (a mapped open falls back here for an empty file).</summary>
        public DiskReadableFile(SafeFileHandle handle, string path)
        {
            _handle = handle;
            Path = path;
            Length = RandomAccess.GetLength(_handle);
        }

        /// <summary>Read-only, and sharing everything: a writer may still hold the file, and the engine deletes a
        /// table that readers hold open (they keep reading it, as on any Unix).</summary>
        public static SafeFileHandle OpenHandle(string path) =>
            File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

        public long Length { get; }

        public string Path { get; }

        public int Read(long offset, Span<byte> destination)
        {
            int total = 0;
            while (total < destination.Length)
            {
                int n = RandomAccess.Read(_handle, destination[total..], offset + total);
                if (n == 0)
                {
                    break;
                }
                total += n;
            }
            return total;
        }

        public void Dispose() => _handle.Dispose();
    }

    /// <summary>
    /// fsync on a directory. .NET cannot open a directory as a file, so this calls the C library directly on Unix,
    /// as RocksDB and LevelDB do after creating or renaming files. Windows has no directory fsync; NTFS journals
    /// metadata, so it is a no-op there.
    /// </summary>
    private static partial class DirectorySync
    {
        // O_RDONLY is 0 on every Unix; a directory opens read-only without O_DIRECTORY (whose value differs by architecture).
        private const int ORdOnly = 0;

        public static void Sync(string directory)
        {
            if (OperatingSystem.IsWindows())
            {
                return;
            }
            int fd = Open(directory, ORdOnly);
            if (fd < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                throw new IOException($"Cannot open directory '{directory}' to sync it: {OsError.Words(errno)}.", errno); // HResult: the errno, as .NET's own IOExceptions on Unix
            }
            try
            {
                if (FSync(fd) != 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    throw new IOException($"fsync of directory '{directory}' failed: {OsError.Words(errno)}.", errno);
                }
            }
            finally
            {
                _ = Close(fd);
            }
        }

        [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        private static partial int Open(string path, int flags);

        [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
        private static partial int FSync(int fd);

        [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
        private static partial int Close(int fd);
    }
}
