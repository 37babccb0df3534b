using AimLsm.Kv.IO;

namespace AimLsm.Bench.Micro;

/// <summary>Shared inputs for the micro-benchmarks: db_bench-like 16-byte keys and 100-byte values.</summary>
internal static class MicroData
{
    public const int KeySize = 16;
    public const int ValueSize = 100;

    public static byte[] Bytes(int length, int seed)
    {
        var b = new byte[length];
        new Random(seed).NextBytes(b);
        return b;
    }

    /// <summary>Key <paramref name="i"/>: its zero-padded decimal, so bytewise order is numeric order.</summary>
    public static void Key(long i, Span<byte> destination)
    {
        ulong v = (ulong)i;
        for (int p = KeySize - 1; p >= 0; p--)
        {
            destination[p] = (byte)('0' + (v % 10));
            v /= 10;
        }
    }

    public static byte[] Key(long i)
    {
        var k = new byte[KeySize];
        Key(i, k);
        return k;
    }

    public static string TempDirectory(string name)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"aimlsm-micro-{name}-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static void DeleteDirectory(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A writable file that counts and discards: the WAL benchmark measures the log format, not the disk.</summary>
internal sealed class NullWritableFile : IWritableFile
{
    public long Length { get; private set; }

    public void Append(ReadOnlySpan<byte> data) => Length += data.Length;

    public void Flush()
    {
    }

    public void Sync()
    {
    }

    public void Dispose()
    {
    }
}
