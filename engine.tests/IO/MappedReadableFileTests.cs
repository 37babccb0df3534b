using AimLsm.Kv.IO;
using AimLsm.Tests.Testing;

namespace AimLsm.Tests.IO;

/// <summary>
/// <see cref="DiskFileSystem.OpenReadMapped"/>: the same <see cref="IReadableFile.Read"/> answers as the positional
/// read, byte for byte, at every edge; <see cref="IReadableFile.TryGetSpan"/> only inside the file; an empty file
/// opened unmapped; dispose unmaps.
/// </summary>
public sealed class MappedReadableFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly DiskFileSystem _fs = DiskFileSystem.Instance;

    public void Dispose() => _dir.Dispose();

    private string Write(string name, byte[] data)
    {
        string path = Path.Combine(_dir.Path, name);
        File.WriteAllBytes(path, data);
        return path;
    }

    private static byte[] Data(int length)
    {
        byte[] data = new byte[length];
        new Random(length).NextBytes(data);
        return data;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4095)]
    [InlineData(4096)]
    [InlineData(100_003)]
    public void Reads_match_pread_at_offsets_at_the_end_and_past_it(int length)
    {
        byte[] data = Data(length);
        string path = Write("f", data);
        using IReadableFile mapped = _fs.OpenReadMapped(path);
        using IReadableFile plain = _fs.OpenRead(path);
        Assert.Equal(length, mapped.Length);
        Assert.Equal(path, mapped.Path);
        long[] offsets = [0, 1, length / 2, length - 1, length, length + 1, length + 10_000];
        int[] sizes = [0, 1, 7, 4096, length, length + 5];
        foreach (long offset in offsets)
        {
            foreach (int size in sizes)
            {
                byte[] a = new byte[size];
                byte[] b = new byte[size];
                int n = mapped.Read(offset, a);
                Assert.Equal(plain.Read(offset, b), n);
                Assert.Equal((int)Math.Clamp(length - offset, 0, size), n); // short only at the end
                Assert.Equal(b, a);
                if (n > 0)
                {
                    Assert.Equal(data.AsSpan((int)offset, n).ToArray(), a.AsSpan(0, n).ToArray());
                }
            }
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => mapped.Read(-1, new byte[1]));
    }

    [Fact]
    public void TryGetSpan_gives_the_bytes_in_place_only_inside_the_file()
    {
        byte[] data = Data(10_000);
        using IReadableFile mapped = _fs.OpenReadMapped(Write("f", data));
        Assert.True(mapped.TryGetSpan(0, data.Length, out ReadOnlySpan<byte> all));
        Assert.True(all.SequenceEqual(data));
        Assert.True(mapped.TryGetSpan(9_990, 10, out ReadOnlySpan<byte> tail));
        Assert.True(tail.SequenceEqual(data.AsSpan(9_990)));
        Assert.True(mapped.TryGetSpan(10_000, 0, out ReadOnlySpan<byte> empty));
        Assert.Equal(0, empty.Length);
        Assert.False(mapped.TryGetSpan(9_991, 10, out _));
        Assert.False(mapped.TryGetSpan(-1, 1, out _));
        Assert.False(mapped.TryGetSpan(0, -1, out _));
        Assert.False(mapped.TryGetSpan(long.MaxValue, 1, out _));
    }

    [Fact]
    public void Positional_read_files_offer_no_span()
    {
        string path = Write("f", Data(100));
        using IReadableFile plain = _fs.OpenRead(path);
        Assert.False(plain.TryGetSpan(0, 10, out _));
        var mem = new MemFileSystem();
        mem.CreateDirectory(_dir.Path);
        using (IWritableFile w = mem.Create(path))
        {
            w.Append(Data(100));
        }
        using IReadableFile fromMemory = ((IFileSystem)mem).OpenReadMapped(path); // the default: OpenRead
        Assert.False(fromMemory.TryGetSpan(0, 10, out _));
        Assert.Equal(10, fromMemory.Read(0, new byte[10]));
    }

    [Fact]
    public void Zero_length_file_opens_unmapped_and_reads_nothing()
    {
        using IReadableFile f = _fs.OpenReadMapped(Write("empty", []));
        Assert.Equal(0, f.Length);
        Assert.Equal(0, f.Read(0, new byte[8]));
        Assert.Equal(0, f.Read(5, new byte[8]));
        Assert.False(f.TryGetSpan(0, 1, out _));
    }

    [Fact]
    public void Missing_file_throws_FileNotFound_naming_the_path()
    {
        string path = Path.Combine(_dir.Path, "absent");
        FileNotFoundException e = Assert.Throws<FileNotFoundException>(() => _fs.OpenReadMapped(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dispose_unmaps_and_later_use_throws()
    {
        string path = Write("f", Data(8192));
        IReadableFile f = _fs.OpenReadMapped(path);
        if (OperatingSystem.IsLinux())
        {
            Assert.True(IsMapped(path));
        }
        // The file may be deleted while mapped (the engine deletes obsolete tables readers still hold).
        File.Delete(path);
        byte[] buffer = new byte[16];
        Assert.Equal(16, f.Read(8000, buffer));
        f.Dispose();
        f.Dispose(); // idempotent
        if (OperatingSystem.IsLinux())
        {
            Assert.False(IsMapped(path));
        }
        Assert.Throws<ObjectDisposedException>(() => f.Read(0, buffer));
        Assert.Throws<ObjectDisposedException>(() => f.TryGetSpan(0, 1, out _));
    }

    /// <summary>Whether this process maps <paramref name="path"/> now (Linux: /proc/self/maps; a deleted file's line
    /// ends in " (deleted)").</summary>
    internal static bool IsMapped(string path) =>
        File.ReadLines("/proc/self/maps").Any(l => l.Contains(path, StringComparison.Ordinal));
}
