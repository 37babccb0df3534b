using AimLsm.Kv;
using AimLsm.Tests.IO;
using AimLsm.Tests.Testing;

namespace AimLsm.Tests.Lsm;

/// <summary><see cref="DbOptions.AllowMmapReads"/>: a database reads the same with its tables mapped as without.</summary>
public class DbMmapReadsTests
{
    [Fact]
    public void Default_is_on_in_a_64_bit_process()
    {
        Assert.Equal(Environment.Is64BitProcess, new DbOptions().AllowMmapReads);
    }

    [Theory]
    [InlineData(Compression.Lz4, 1L << 20)]
    [InlineData(Compression.None, 1L << 20)]
    [InlineData(Compression.Lz4, 0L)] // no block cache: every read decodes from the file
    public void Mapped_and_unmapped_reads_agree(Compression compression, long blockCacheSize)
    {
        using var dir = new TempDirectory();
        string path = dir.Sub("db");
        var rng = new Random(20);
        var model = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        using (var db = Db.Open(path, new DbOptions
        {
            CreateIfMissing = true, WriteBufferSize = 64 << 10, Compression = compression, DisableAutoCompactions = true,
        }))
        {
            for (int i = 0; i < 20_000; i++)
            {
                string key = $"k{rng.Next(8_000):D6}";
                if (rng.Next(10) == 0)
                {
                    db.Delete(Key(key));
                    model.Remove(key);
                }
                else
                {
                    byte[] value = new byte[rng.Next(0, 300)];
                    rng.NextBytes(value.AsSpan(0, value.Length / 2)); // half compressible, as db_bench's values
                    db.Put(Key(key), value);
                    model[key] = value;
                }
            }
            db.Flush();
        }
        foreach (bool mmap in new[] { false, true, false, true })
        {
            using var db = Db.Open(path, new DbOptions
            {
                AllowMmapReads = mmap, BlockCacheSize = blockCacheSize, DisableAutoCompactions = true,
            });
            Assert.True(db.CurrentVersion.AllFiles.Count() > 1); // overlapping L0 tables: no compaction ran
            for (int i = 0; i < 8_000; i++)
            {
                string key = $"k{i:D6}";
                Assert.Equal(model.GetValueOrDefault(key), db.Get(Key(key)));
            }
            using (Iterator it = db.NewIterator())
            {
                var seen = new List<KeyValuePair<string, byte[]>>();
                for (it.SeekToFirst(); it.Valid; it.Next())
                {
                    seen.Add(new(System.Text.Encoding.ASCII.GetString(it.Key), it.Value.ToArray()));
                }
                Assert.Equal(model.ToList(), seen);
            }
            if (OperatingSystem.IsLinux())
            {
                string table = Directory.GetFiles(path, "*.sst")[0];
                Assert.Equal(mmap, MappedReadableFileTests.IsMapped(table));
            }
        }
    }

    private static byte[] Key(string s) => System.Text.Encoding.ASCII.GetBytes(s);
}
