using AimLsm.Kv.IO;
using AimLsm.Tests.Testing;

namespace AimLsm.Tests.IO;

/// <summary>
/// The <see cref="IFileSystem"/> contract, run against both implementations: the disk in a fresh temp directory,
/// and memory under a directory of the same name.
/// </summary>
public abstract class FileSystemContractTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    protected FileSystemContractTests()
    {
        Root = _dir.Path;
    }

    protected abstract IFileSystem Fs { get; }

    protected string Root { get; }

    protected string P(string name) => Path.Combine(Root, name);

    public void Dispose() => _dir.Dispose();

    protected static byte[] ReadAll(IFileSystem fs, string path)
    {
        using IReadableFile f = fs.OpenRead(path);
        byte[] data = new byte[f.Length];
        Assert.Equal(data.Length, f.Read(0, data));
        return data;
    }

    protected static void WriteAll(IFileSystem fs, string path, ReadOnlySpan<byte> data)
    {
        using IWritableFile w = fs.Create(path);
        w.Append(data);
        w.Sync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Create_append_read_round_trip(bool mapped)
    {
        byte[] a = [1, 2, 3];
        byte[] b = new byte[100_000]; // larger than the disk writer's 64 KiB buffer
        new Random(7).NextBytes(b);
        using (IWritableFile w = mapped ? Fs.CreateMapped(P("f")) : Fs.Create(P("f")))
        {
            w.Append(a);
            Assert.Equal(3, w.Length);
            w.Append(b);
            Assert.Equal(3 + b.Length, w.Length);
            w.Append([]);
            w.Flush();
        }
        Assert.True(Fs.FileExists(P("f")));
        Assert.Equal(3 + b.Length, Fs.GetFileSize(P("f")));
        byte[] all = ReadAll(Fs, P("f"));
        Assert.Equal(a.Concat(b).ToArray(), all);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Random_append_sizes_read_back_exactly(bool mapped)
    {
        // Sizes around the disk writer's 64 KiB buffer: below, at, across and far above it.
        const int seed = 65536;
        var rng = new Random(seed);
        var model = new List<byte>();
        using (IWritableFile w = mapped ? Fs.CreateMapped(P("f")) : Fs.Create(P("f")))
        {
            for (int i = 0; i < 60; i++)
            {
                int size = rng.Next(4) switch
                {
                    0 => rng.Next(0, 10),
                    1 => rng.Next(60_000, 70_000),
                    2 => 65536,
                    _ => rng.Next(0, 150_000),
                };
                byte[] chunk = new byte[size];
                rng.NextBytes(chunk);
                w.Append(chunk);
                model.AddRange(chunk);
                Assert.Equal(model.Count, w.Length);
                if (rng.Next(5) == 0)
                {
                    w.Flush();
                }
            }
        }
        byte[] all = ReadAll(Fs, P("f"));
        Assert.True(model.SequenceEqual(all), $"seed {seed}");
    }

    [Fact]
    public void Read_at_offsets_and_past_end()
    {
        WriteAll(Fs, P("f"), [10, 11, 12, 13, 14]);
        using IReadableFile r = Fs.OpenRead(P("f"));
        Assert.Equal(5, r.Length);
        Assert.Equal(P("f"), r.Path);
        byte[] buf = new byte[3];
        Assert.Equal(3, r.Read(1, buf));
        Assert.Equal(new byte[] { 11, 12, 13 }, buf);
        Assert.Equal(2, r.Read(3, buf));
        Assert.Equal(new byte[] { 13, 14 }, buf[..2]);
        Assert.Equal(0, r.Read(5, buf));
        Assert.Equal(0, r.Read(100, buf));
    }

    [Fact]
    public void Create_truncates_existing_file()
    {
        WriteAll(Fs, P("f"), [1, 2, 3, 4]);
        WriteAll(Fs, P("f"), [9]);
        Assert.Equal(new byte[] { 9 }, ReadAll(Fs, P("f")));
    }

    [Fact]
    public void Open_read_missing_throws_file_not_found()
    {
        Assert.Throws<FileNotFoundException>(() => Fs.OpenRead(P("missing")));
    }

    [Fact]
    public void Delete_removes_file_and_missing_is_no_op()
    {
        WriteAll(Fs, P("f"), [1]);
        Fs.Delete(P("f"));
        Assert.False(Fs.FileExists(P("f")));
        Fs.Delete(P("f"));
        Fs.Delete(P("never"));
    }

    [Fact]
    public void Rename_moves_file()
    {
        WriteAll(Fs, P("a"), [1, 2]);
        Fs.Rename(P("a"), P("b"));
        Assert.False(Fs.FileExists(P("a")));
        Assert.Equal(new byte[] { 1, 2 }, ReadAll(Fs, P("b")));
    }

    [Fact]
    public void Rename_replaces_existing_target()
    {
        // How CURRENT is updated: write a temp file, rename it over the old one.
        WriteAll(Fs, P("CURRENT"), "MANIFEST-000001\n"u8);
        WriteAll(Fs, P("000002.dbtmp"), "MANIFEST-000002\n"u8);
        Fs.Rename(P("000002.dbtmp"), P("CURRENT"));
        Assert.Equal("MANIFEST-000002\n"u8.ToArray(), ReadAll(Fs, P("CURRENT")));
        Assert.False(Fs.FileExists(P("000002.dbtmp")));
    }

    [Fact]
    public void List_files_returns_names_of_files_only()
    {
        WriteAll(Fs, P("x.sst"), [1]);
        WriteAll(Fs, P("y.log"), [1]);
        Fs.CreateDirectory(P("sub"));
        WriteAll(Fs, Path.Combine(P("sub"), "z"), [1]);
        IReadOnlyList<string> names = Fs.ListFiles(Root);
        Assert.Equal(new[] { "x.sst", "y.log" }, names.OrderBy(n => n, StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void Create_directory_creates_parents_and_is_idempotent()
    {
        string deep = Path.Combine(Root, "a", "b", "c");
        Assert.False(Fs.DirectoryExists(deep));
        Fs.CreateDirectory(deep);
        Fs.CreateDirectory(deep);
        Assert.True(Fs.DirectoryExists(deep));
        Assert.True(Fs.DirectoryExists(Path.Combine(Root, "a")));
        Assert.False(Fs.FileExists(deep));
    }

    [Fact]
    public void Sync_directory_on_existing_directory_succeeds()
    {
        WriteAll(Fs, P("f"), [1]);
        Exception? error = Record.Exception(() => Fs.SyncDirectory(Root));
        Assert.Null(error);
        // Syncing the directory changes nothing in it, and a second sync succeeds too.
        Assert.Equal(new[] { "f" }, Fs.ListFiles(Root));
        Assert.Equal(new byte[] { 1 }, ReadAll(Fs, P("f")));
        Assert.Null(Record.Exception(() => Fs.SyncDirectory(Root)));
    }

    [Fact]
    public void Try_lock_second_attempt_fails_until_first_is_released()
    {
        IDisposable? first = Fs.TryLock(P("LOCK"));
        Assert.NotNull(first);
        Assert.True(Fs.FileExists(P("LOCK")));
        Assert.Null(Fs.TryLock(P("LOCK")));
        first.Dispose();
        using IDisposable? again = Fs.TryLock(P("LOCK"));
        Assert.NotNull(again);
    }

    [Fact]
    public void Delete_directory_removes_an_empty_one_refuses_a_full_one_and_missing_is_no_op()
    {
        Fs.CreateDirectory(P("d"));
        WriteAll(Fs, Path.Combine(P("d"), "f"), [1]);
        Assert.ThrowsAny<IOException>(() => Fs.DeleteDirectory(P("d")));
        Assert.True(Fs.FileExists(Path.Combine(P("d"), "f")));
        Fs.Delete(Path.Combine(P("d"), "f"));
        Fs.DeleteDirectory(P("d"));
        Assert.False(Fs.DirectoryExists(P("d")));
        Fs.DeleteDirectory(P("d"));
    }

    [Fact]
    public void Describe_absence_names_the_component_at_fault()
    {
        WriteAll(Fs, P("file"), [1]);
        Assert.Equal($"'{P("nothing")}' does not exist (ENOENT)", Fs.DescribeAbsence(P("nothing")));
        Assert.Equal($"its parent folder '{P("nothing")}' does not exist (ENOENT)", Fs.DescribeAbsence(Path.Combine(P("nothing"), "x", "y")));
        Assert.Equal($"'{P("file")}' is a file, not a folder (ENOTDIR)", Fs.DescribeAbsence(Path.Combine(P("file"), "x")));
        Assert.Equal($"'{P("file")}' is a file, not a folder", Fs.DescribeAbsence(P("file")));
    }

    [Fact]
    public void Try_lock_different_paths_are_independent()
    {
        using IDisposable? a = Fs.TryLock(P("LOCK-a"));
        using IDisposable? b = Fs.TryLock(P("LOCK-b"));
        Assert.NotNull(a);
        Assert.NotNull(b);
    }
}

public sealed class DiskFileSystemTests : FileSystemContractTests
{
    protected override IFileSystem Fs => DiskFileSystem.Instance;

    [Fact]
    public void A_mapped_file_reserves_whole_segments_and_is_trimmed_when_disposed()
    {
        if (!MappedAppendFile.IsSupported)
        {
            return;
        }
        const long segment = MappedAppendFile.SegmentSize;
        var rng = new Random(11);
        byte[] small = new byte[100];
        byte[] straddling = new byte[3_000_000]; // the second one crosses the first segment's end
        rng.NextBytes(small);
        rng.NextBytes(straddling);
        var model = new List<byte>();
        IWritableFile w = Fs.CreateMapped(P("wal"));
        w.Append(small);
        model.AddRange(small);
        w.Flush();
        Assert.Equal(segment, Fs.GetFileSize(P("wal")));
        Assert.Equal(small, ReadAll(Fs, P("wal"))[..small.Length]); // in the page cache after a flush, before any sync
        w.Append(straddling);
        w.Append(straddling);
        model.AddRange(straddling);
        model.AddRange(straddling);
        Assert.Equal(model.Count, w.Length);
        w.Flush();
        Assert.Equal(2 * segment, Fs.GetFileSize(P("wal")));
        byte[] live = ReadAll(Fs, P("wal"));
        Assert.True(model.SequenceEqual(live[..model.Count]));
        Assert.True(live.AsSpan(model.Count).IndexOfAnyExcept((byte)0) < 0, "the reserved space past the data is zero");

        // Exactly to the end of a segment, then one byte into the next.
        byte[] toEnd = new byte[(2 * segment) - model.Count];
        rng.NextBytes(toEnd);
        w.Append(toEnd);
        model.AddRange(toEnd);
        w.Append([42]);
        model.Add(42);
        w.Sync();
        Assert.Equal(3 * segment, Fs.GetFileSize(P("wal")));
        w.Dispose();
        w.Dispose();
        Assert.Equal(model.Count, Fs.GetFileSize(P("wal")));
        Assert.True(model.SequenceEqual(ReadAll(Fs, P("wal"))));
        Assert.Throws<ObjectDisposedException>(() => w.Append([1]));
    }

    [Theory]
    [InlineData(100_000, 128 << 10)]        // rounded up to a power of two
    [InlineData(1_000, 64 << 10)]           // at least MinSegmentSize
    [InlineData(1L << 30, 4 << 20)]         // at most SegmentSize
    [InlineData(0, 4 << 20)]                // unknown: SegmentSize
    public void A_mapped_file_reserves_segments_sized_by_its_expected_length(long expected, long segment)
    {
        if (!MappedAppendFile.IsSupported)
        {
            return;
        }
        using IWritableFile w = Fs.CreateMapped(P("wal"), expected);
        w.Append([1, 2, 3]);
        w.Flush();
        Assert.Equal(segment, Fs.GetFileSize(P("wal")));
        w.Append(new byte[segment]); // past the first segment: the next is reserved
        w.Flush();
        Assert.Equal(2 * segment, Fs.GetFileSize(P("wal")));
    }

    [Fact]
    public void A_mapped_file_that_cannot_be_created_names_the_path_and_cause()
    {
        var e = Assert.Throws<DirectoryNotFoundException>(() => Fs.CreateMapped(Path.Combine(Root, "nodir", "f")));
        Assert.Contains(Path.Combine(Root, "nodir"), e.Message);
    }

    [Fact]
    public void Sync_directory_missing_throws()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // a no-op there
        }
        Assert.Throws<IOException>(() => Fs.SyncDirectory(P("no-such-dir")));
    }

    [Fact]
    public void Try_lock_that_cannot_open_the_file_throws_not_null()
    {
        // Regression (issue 14.3): every IOException used to read as "held by another process".
        WriteAll(Fs, P("file"), [1]);
        var e = Assert.ThrowsAny<IOException>(() => Fs.TryLock(Path.Combine(P("file"), "LOCK")));
        Assert.Contains($"'{Path.Combine(P("file"), "LOCK")}'", e.Message);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Contains($"'{P("file")}' is a file, not a folder (ENOTDIR)", e.Message);
        }

        using IDisposable? held = Fs.TryLock(P("LOCK"));
        Assert.NotNull(held);
        Assert.Null(Fs.TryLock(P("LOCK"))); // contention, and only contention, is null
    }

    [Fact]
    public void A_dangling_or_looping_symbolic_link_is_not_a_file_and_is_named_in_errors()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // symbolic links need privileges on Windows
        }

        File.CreateSymbolicLink(P("dangling"), P("gone"));
        File.CreateSymbolicLink(P("loop"), P("loop"));
        WriteAll(Fs, P("real"), [1]);
        File.CreateSymbolicLink(P("to-real"), P("real"));
        Assert.False(Fs.FileExists(P("dangling")));
        Assert.False(Fs.FileExists(P("loop")));
        Assert.True(Fs.FileExists(P("to-real")));
        Assert.Equal($"'{P("dangling")}' is a symbolic link to '{P("gone")}', which does not exist", Fs.DescribeAbsence(P("dangling")));
        Assert.Equal($"'{P("loop")}' is a symbolic link that loops (ELOOP)", Fs.DescribeAbsence(P("loop")));
        var e = Assert.ThrowsAny<IOException>(() => Fs.CreateDirectory(P("dangling")));
        Assert.Contains($"Cannot create folder '{P("dangling")}': '{P("dangling")}' is a symbolic link to '{P("gone")}'", e.Message);
        Assert.False(File.Exists(P("gone")) || Directory.Exists(P("gone")));
    }

    [Fact]
    public void Errno_is_named_with_the_C_library_words()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        Assert.Equal("read-only file system (EROFS)", OsError.Words(30));
        Assert.Equal("too many open files (EMFILE)", OsError.Words(24));
        Assert.Equal("permission denied (EACCES)", OsError.Describe(new UnauthorizedAccessException("denied", new IOException("Permission denied", 13)), P("x")));
        Assert.Equal("no space left on device (ENOSPC)", OsError.Describe(new IOException("wrapped", new IOException("No space left on device", 28)), P("x")));
        Assert.True(OsError.IsLockContention(new IOException("in use", 11)));
        Assert.False(OsError.IsLockContention(new IOException("Read-only file system", 30)));
    }

    [Fact]
    public void Writer_length_counts_buffered_bytes_and_flush_makes_them_visible()
    {
        using IWritableFile w = Fs.Create(P("f"));
        w.Append([1, 2, 3]);
        Assert.Equal(3, w.Length);
        w.Flush();
        Assert.Equal(3, new FileInfo(P("f")).Length);
    }

    [Fact]
    public void Reader_sees_file_deleted_while_open()
    {
        // Tables stay readable after compaction deletes them (FileShare.Delete).
        WriteAll(Fs, P("f"), [5, 6]);
        using IReadableFile r = Fs.OpenRead(P("f"));
        Fs.Delete(P("f"));
        byte[] buf = new byte[2];
        Assert.Equal(2, r.Read(0, buf));
        Assert.Equal(new byte[] { 5, 6 }, buf);
    }
}

public sealed class MemFileSystemTests : FileSystemContractTests
{
    private readonly MemFileSystem _fs = new();

    public MemFileSystemTests()
    {
        _fs.CreateDirectory(Root);
    }

    protected override IFileSystem Fs => _fs;

    [Fact]
    public void Drop_unsynced_data_keeps_only_synced_bytes()
    {
        using (IWritableFile w = _fs.Create(P("synced")))
        {
            w.Append([1, 2, 3]);
            w.Sync();
            w.Append([4, 5]);
            w.Flush();
        }
        using (IWritableFile w = _fs.Create(P("never")))
        {
            w.Append([9, 9]);
        }
        _fs.DropUnsyncedData();
        Assert.Equal(new byte[] { 1, 2, 3 }, ReadAll(_fs, P("synced")));
        Assert.True(_fs.FileExists(P("never")));
        Assert.Equal(0, _fs.GetFileSize(P("never")));
    }

    [Fact]
    public void Drop_unsynced_data_then_append_overwrites_lost_tail()
    {
        IWritableFile w = _fs.Create(P("f"));
        w.Append([1, 2]);
        w.Sync();
        w.Append([3, 4]);
        _fs.DropUnsyncedData();
        w.Append([7]);
        Assert.Equal(new byte[] { 1, 2, 7 }, ReadAll(_fs, P("f")));
    }

    [Fact]
    public void Rename_keeps_synced_state()
    {
        IWritableFile w = _fs.Create(P("a"));
        w.Append([1]);
        w.Sync();
        w.Append([2]);
        _fs.Rename(P("a"), P("b"));
        _fs.DropUnsyncedData();
        Assert.Equal(new byte[] { 1 }, ReadAll(_fs, P("b")));
    }

    [Fact]
    public void Create_without_parent_directory_throws()
    {
        Assert.Throws<DirectoryNotFoundException>(() => _fs.Create(Path.Combine(Root, "nodir", "f")));
    }

    [Fact]
    public void List_files_missing_directory_throws()
    {
        Assert.Throws<DirectoryNotFoundException>(() => _fs.ListFiles(P("nodir")));
    }

    [Fact]
    public void Rename_missing_source_throws()
    {
        Assert.Throws<FileNotFoundException>(() => _fs.Rename(P("nope"), P("b")));
    }

    [Fact]
    public void Create_directory_over_file_throws()
    {
        WriteAll(_fs, P("f"), [1]);
        Assert.Throws<IOException>(() => _fs.CreateDirectory(P("f")));
    }

    [Fact]
    public void Try_lock_dispose_twice_does_not_release_another_holders_lock()
    {
        IDisposable first = _fs.TryLock(P("LOCK"))!;
        first.Dispose();
        using IDisposable? second = _fs.TryLock(P("LOCK"));
        Assert.NotNull(second);
        first.Dispose();
        Assert.Null(_fs.TryLock(P("LOCK")));
    }

    [Fact]
    public void Paths_are_normalized()
    {
        WriteAll(_fs, Path.Combine(Root, "sub", "..", "f"), [1]);
        Assert.True(_fs.FileExists(P("f")));
    }
}
