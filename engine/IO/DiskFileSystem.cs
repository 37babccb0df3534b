using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace AimLsm.IO;

/// <summary>
/// The real disk, through <see cref="RandomAccess"/> on <see cref="SafeFileHandle"/>s: positional reads with no shared
/// file position, and appends through a buffer of our own so that small WAL records do not each cost a system call.
/// </summary>
public sealed partial class DiskFileSystem : IFileSystem
{
    /// <summary>The shared instance; the type holds no state.</summary>
    public static DiskFileSystem Instance { get; } = new();

    /// <inheritdoc />
    public IWritableFile Create(string path) => new DiskWritableFile(path);

    /// <inheritdoc />
    public IReadableFile OpenRead(string path) => new DiskReadableFile(path);

    /// <inheritdoc />
    public bool FileExists(string path) => File.Exists(path);

    /// <inheritdoc />
    public bool DirectoryExists(string path) => Directory.Exists(path);

    /// <inheritdoc />
    public void CreateDirectory(string path) => Directory.CreateDirectory(path);

    /// <inheritdoc />
    public IReadOnlyList<string> ListFiles(string directory)
    {
        var names = new List<string>();
        foreach (string f in Directory.EnumerateFiles(directory))
        {
            names.Add(System.IO.Path.GetFileName(f));
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
        catch (IOException)
        {
            return null;
        }
    }

    private sealed class DiskWritableFile : IWritableFile
    {
        private const int BufferSize = 64 * 1024;
        private readonly SafeFileHandle _handle;
        private readonly byte[] _buffer = new byte[BufferSize];
        private int _buffered;
        private long _flushed;

        public DiskWritableFile(string path)
        {
            _handle = File.OpenHandle(path, FileMode.Create, FileAccess.Write, FileShare.Read);
        }

        public long Length => _flushed + _buffered;

        public void Append(ReadOnlySpan<byte> data)
        {
            if (data.Length <= BufferSize - _buffered)
            {
                data.CopyTo(_buffer.AsSpan(_buffered));
                _buffered += data.Length;
                return;
            }
            Flush();
            if (data.Length >= BufferSize)
            {
                RandomAccess.Write(_handle, data, _flushed);
                _flushed += data.Length;
            }
            else
            {
                data.CopyTo(_buffer);
                _buffered = data.Length;
            }
        }

        public void Flush()
        {
            if (_buffered == 0)
            {
                return;
            }
            RandomAccess.Write(_handle, _buffer.AsSpan(0, _buffered), _flushed);
            _flushed += _buffered;
            _buffered = 0;
        }

        public void Sync()
        {
            Flush();
            RandomAccess.FlushToDisk(_handle);
        }

        public void Dispose()
        {
            try
            {
                Flush();
            }
            finally
            {
                _handle.Dispose();
            }
        }
    }

    private sealed class DiskReadableFile : IReadableFile
    {
        private readonly SafeFileHandle _handle;

        public DiskReadableFile(string path)
        {
            _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            Path = path;
            Length = RandomAccess.GetLength(_handle);
        }

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
                throw new IOException($"Cannot open directory '{directory}' to sync it (errno {Marshal.GetLastPInvokeError()}).");
            }
            try
            {
                if (FSync(fd) != 0)
                {
                    throw new IOException($"fsync of directory '{directory}' failed (errno {Marshal.GetLastPInvokeError()}).");
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
