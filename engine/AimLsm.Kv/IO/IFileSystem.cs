namespace AimLsm.Kv.IO;

/// <summary>
/// Every file the engine touches goes through this interface, so that tests can swap the disk for memory or for a
/// file system that injects faults and simulates power loss (LevelDB's <c>Env</c>, Pebble's <c>vfs</c>).
/// Paths are plain strings joined with <see cref="Path.Combine(string, string)"/>.
/// Implementations are thread-safe.
/// </summary>
public interface IFileSystem
{
    /// <summary>Creates (or truncates) a file for appending.</summary>
    IWritableFile Create(string path);

    /// <summary>
    /// Creates (or truncates) a file for appending that is written through a shared memory mapping where the file
    /// system can (the disk, on 64-bit Linux): an append then costs a copy, not a system call. The contract is
    /// <see cref="Create"/>'s, except that until the file is disposed it may be longer than its
    /// <see cref="IWritableFile.Length"/>, zero-filled to its end, and stays so when the process dies. Only for
    /// log files, whose reader takes zeros that run to the end of the file as the clean end (docs/format.md, 5.3).
    /// By default, <see cref="Create"/>.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="expectedLength">About how long the file will grow, 0 when unknown: what is reserved and mapped
    /// at a time is sized by it (at most 4 MiB).</param>
    IWritableFile CreateMapped(string path, long expectedLength = 0) => Create(path);

    /// <summary>Opens an existing file for positional reads. Throws <see cref="FileNotFoundException"/> when absent.</summary>
    IReadableFile OpenRead(string path);

    /// <summary>
    /// Opens an existing file for positional reads through a read-only shared memory mapping, where the file system
    /// has one (the disk; LevelDB's default for table files on 64-bit, RocksDB's <c>allow_mmap_reads</c>): a read is
    /// then a copy from the page cache with no system call, and <see cref="IReadableFile.TryGetSpan"/> can hand out
    /// the mapped bytes themselves. By default it is <see cref="OpenRead"/>, so an in-memory or fault-injecting file
    /// system keeps its own read path. Only for files that never change while open (tables): a mapped file truncated
    /// under the reader kills the process with SIGBUS on the next touch of a page past the new end.
    /// </summary>
    IReadableFile OpenReadMapped(string path) => OpenRead(path);

    /// <summary>True when a file (not a directory, not a symbolic link to nothing) exists at <paramref name="path"/>.</summary>
    bool FileExists(string path);

    /// <summary>True when a directory exists at <paramref name="path"/>.</summary>
    bool DirectoryExists(string path);

    /// <summary>Creates a directory and its parents; a no-op when it exists. A caller that must not create parents
    /// (<see cref="DbOptions.CreateIfMissing"/>) checks the parent first.</summary>
    /// <exception cref="IOException">It cannot be created; the message names the path and the cause.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied (EACCES, EPERM).</exception>
    void CreateDirectory(string path);

    /// <summary>Removes an empty directory; a no-op when it is absent. Throws <see cref="IOException"/> when it is not
    /// empty.</summary>
    void DeleteDirectory(string path);

    /// <summary>The names (not paths) of the files in a directory.</summary>
    IReadOnlyList<string> ListFiles(string directory);

    /// <summary>The names (not paths) of the folders in a directory (a repo lists its writer slots with it).</summary>
    /// <exception cref="DirectoryNotFoundException">There is no such directory.</exception>
    IReadOnlyList<string> ListDirectories(string directory);

    /// <summary>The size of a file in bytes.</summary>
    long GetFileSize(string path);

    /// <summary>Deletes a file; a no-op when it is absent.</summary>
    void Delete(string path);

    /// <summary>Renames a file, replacing the target atomically if it exists.</summary>
    void Rename(string source, string destination);

    /// <summary>
    /// Makes the directory's entries (files created, renamed or deleted in it) durable: fsync on the directory.
    /// </summary>
    void SyncDirectory(string directory);

    /// <summary>
    /// Takes an exclusive lock on <paramref name="path"/> (created if missing), held until the returned object is
    /// disposed. Returns null at once, without waiting, when another holder, in this process or another, has it, and
    /// only then: every other failure (a read-only file system, permission denied, out of file descriptors) throws,
    /// so that a caller never reports "locked" for a file it simply could not open.
    /// </summary>
    /// <exception cref="IOException">The lock file cannot be opened or created; the message names the path and the cause.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied (EACCES, EPERM).</exception>
    IDisposable? TryLock(string path);

    /// <summary>
    /// Why no file or directory is usable at <paramref name="path"/>, as a clause for an error message that names the
    /// component at fault: "'/a/b' does not exist (ENOENT)", "'/a' is a file, not a folder (ENOTDIR)". The disk also
    /// tells dangling and looping symbolic links apart. Changes nothing.
    /// </summary>
    string DescribeAbsence(string path) => PathState.Of(path, this).DescribeAbsence();
}

/// <summary>A file being written from start to end. Not thread-safe: one writer at a time.</summary>
public interface IWritableFile : IDisposable
{
    /// <summary>Bytes appended so far.</summary>
    long Length { get; }

    /// <summary>Appends bytes; they may sit in a buffer until <see cref="Flush"/> or <see cref="Sync"/>.</summary>
    void Append(ReadOnlySpan<byte> data);

    /// <summary>Hands buffered bytes to the operating system: they survive a process crash, not a power loss.</summary>
    void Flush();

    /// <summary>Flushes, then makes the file's contents durable (fsync): they survive a power loss.</summary>
    void Sync();
}

/// <summary>A file read at arbitrary offsets. Thread-safe: reads do not share a position.</summary>
public interface IReadableFile : IDisposable
{
    /// <summary>The file's size when it was opened.</summary>
    long Length { get; }

    /// <summary>The path it was opened from, for error messages.</summary>
    string Path { get; }

    /// <summary>Reads up to <c>destination.Length</c> bytes at <paramref name="offset"/>; returns how many were read (fewer only at the end).</summary>
    int Read(long offset, Span<byte> destination);

    /// <summary>
    /// The file's bytes <c>[offset, offset + length)</c> in place, without a copy, when the file is memory-mapped and
    /// the whole range lies inside it; otherwise false, and the caller uses <see cref="Read"/>. The span stays valid
    /// until the file is disposed: the caller must hold the file open (a table's reference) for as long as it reads it.
    /// </summary>
    bool TryGetSpan(long offset, int length, out ReadOnlySpan<byte> span)
    {
        span = default;
        return false;
    }
}
