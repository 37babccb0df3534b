using AimLsm.Kv.IO;

namespace AimLsm.Tests.Testing;

/// <summary>Reads and rewrites whole files of an <see cref="IFileSystem"/>, for damaging them in tests.</summary>
public static class FsBytes
{
    public static byte[] Read(IFileSystem fs, string path)
    {
        using IReadableFile f = fs.OpenRead(path);
        var bytes = new byte[f.Length];
        f.Read(0, bytes);
        return bytes;
    }

    public static void Write(IFileSystem fs, string path, ReadOnlySpan<byte> bytes)
    {
        using IWritableFile f = fs.Create(path);
        f.Append(bytes);
        f.Sync();
    }

    public static void FlipByte(IFileSystem fs, string path, long offset)
    {
        byte[] b = Read(fs, path);
        b[offset] ^= 0x5A;
        Write(fs, path, b);
    }

    public static void Truncate(IFileSystem fs, string path, long length) => Write(fs, path, Read(fs, path).AsSpan(0, (int)length));

    public static string Only(IFileSystem fs, string dir, string suffix) =>
        Path.Combine(dir, Assert.Single(fs.ListFiles(dir), n => n.EndsWith(suffix, StringComparison.Ordinal)));

    /// <summary>Every file's name and bytes, to prove that a refused open changed nothing.</summary>
    public static Dictionary<string, byte[]> Snapshot(IFileSystem fs, string dir) =>
        fs.ListFiles(dir).Where(n => n != "LOCK").ToDictionary(n => n, n => Read(fs, Path.Combine(dir, n)));

    public static void AssertUnchanged(Dictionary<string, byte[]> before, IFileSystem fs, string dir)
    {
        Dictionary<string, byte[]> after = Snapshot(fs, dir);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach ((string name, byte[] bytes) in before)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(after[name]), $"{name} was modified");
        }
    }
}
