using AimLsm.Kv;
using System.Buffers.Binary;
using System.Text;
using AimLsm.Kv.IO;
using AimLsm.Kv.Keys;
using AimLsm.Kv.Versions;

namespace AimLsm.Tests.Lsm.Compaction;

/// <summary>Leveled compaction: levels stay sorted and bounded, deleted space comes back, snapshots keep their view.</summary>
public class CompactionTests
{
    private static DbOptions Small(MemFileSystem fs) => new()
    {
        CreateIfMissing = true,
        FileSystem = fs,
        WriteBufferSize = 32 << 10,
        Level0FileNumCompactionTrigger = 2,
        Level0SlowdownWritesTrigger = 4,
        Level0StopWritesTrigger = 8,
        MaxBytesForLevelBase = 128 << 10,
        MaxBytesForLevelMultiplier = 4,
        TargetFileSizeBase = 32 << 10,
        BlockCacheSize = 256 << 10,
    };

    private static byte[] Key(int i)
    {
        var k = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(k.AsSpan(4), i);
        return k;
    }

    private static byte[] Value(int i, int round) => System.Text.Encoding.UTF8.GetBytes($"v{round}-{i}-" + new string((char)('a' + (i % 26)), 60));

    private static void AssertLevelsSorted(Db db)
    {
        AimLsm.Kv.Versions.Version v = db.CurrentVersion;
        for (int l = 1; l < AimLsm.Kv.Versions.Version.NumLevels; l++)
        {
            IReadOnlyList<FileMetadata> files = v.Files(l);
            for (int i = 1; i < files.Count; i++)
            {
                Assert.True(InternalKey.Compare(files[i - 1].Largest, files[i].Smallest) < 0, $"L{l} files {files[i - 1].Number} and {files[i].Number} overlap");
            }
        }
    }

    private static void WaitForCompactions(Db db)
    {
        // Compactions run in the background; CompactRange waits for them and then compacts what is left.
        for (int i = 0; i < 200 && db.CurrentVersion.Files(0).Count >= 2; i++)
        {
            Thread.Sleep(10);
        }
    }

    [Fact]
    public void Random_overwrites_keep_L0_bounded_levels_sorted_and_every_value_readable()
    {
        var fs = new MemFileSystem();
        var rng = new Random(7);
        const int n = 3000;
        var expected = new Dictionary<int, byte[]>();
        using (var db = Db.Open("/db", Small(fs)))
        {
            for (int round = 0; round < 4; round++)
            {
                for (int j = 0; j < n; j++)
                {
                    int i = rng.Next(n);
                    byte[] v = Value(i, round);
                    db.Put(Key(i), v);
                    expected[i] = v;
                    Assert.True(db.CurrentVersion.Files(0).Count <= 8, "L0 passed the stop trigger");
                }
            }
            WaitForCompactions(db);
            AssertLevelsSorted(db);
            Assert.True(db.Stats.Compactions + db.Stats.TrivialMoves > 0, db.GetProperty("aimlsm.stats"));
            Assert.True(db.CurrentVersion.Files(0).Count < 8);
            foreach ((int i, byte[] v) in expected)
            {
                Assert.Equal(v, db.Get(Key(i)));
            }
            using Iterator it = db.NewIterator();
            int count = 0;
            for (it.SeekToFirst(); it.Valid; it.Next())
            {
                count++;
            }
            Assert.Equal(expected.Count, count);
        }
        using var again = Db.Open("/db", Small(fs));
        foreach ((int i, byte[] v) in expected)
        {
            Assert.Equal(v, again.Get(Key(i)));
        }
        AssertLevelsSorted(again);
    }

    [Fact]
    public void Deleted_space_comes_back_after_CompactRange()
    {
        var fs = new MemFileSystem();
        using var db = Db.Open("/db", Small(fs));
        for (int i = 0; i < 5000; i++)
        {
            db.Put(Key(i), Value(i, 0));
        }
        db.CompactRange();
        long full = long.Parse(db.GetProperty("aimlsm.total-sst-files-size")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(full > 40_000, $"only {full} bytes in tables");
        for (int i = 0; i < 2500; i++)
        {
            db.Delete(Key(i));
        }
        db.DeleteRange(Key(2500), Key(5000));
        db.CompactRange();
        long after = long.Parse(db.GetProperty("aimlsm.total-sst-files-size")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(0, after);
        Assert.True(!fs.ListFiles("/db").Any(n => n.EndsWith(".sst", StringComparison.Ordinal)),
            "tables left: " + string.Join(",", fs.ListFiles("/db")) + "\n" + db.GetProperty("aimlsm.stats"));
        using Iterator it = db.NewIterator();
        it.SeekToFirst();
        Assert.False(it.Valid);
    }

    [Fact]
    public void A_snapshot_keeps_its_view_through_compaction()
    {
        var fs = new MemFileSystem();
        using var db = Db.Open("/db", Small(fs));
        for (int i = 0; i < 2000; i++)
        {
            db.Put(Key(i), Value(i, 0));
        }
        using Snapshot snap = db.GetSnapshot();
        for (int i = 0; i < 2000; i++)
        {
            if (i % 3 == 0)
            {
                db.Delete(Key(i));
            }
            else
            {
                db.Put(Key(i), Value(i, 1));
            }
        }
        db.DeleteRange(Key(100), Key(200));
        db.CompactRange();
        var old = new ReadOptions { Snapshot = snap };
        for (int i = 0; i < 2000; i++)
        {
            Assert.Equal(Value(i, 0), db.Get(Key(i), old));
            byte[]? now = db.Get(Key(i));
            if (i % 3 == 0 || (i >= 100 && i < 200))
            {
                Assert.Null(now);
            }
            else
            {
                Assert.Equal(Value(i, 1), now);
            }
        }
    }

    [Fact]
    public void Sequential_loads_are_moved_down_without_rewriting()
    {
        var fs = new MemFileSystem();
        using var db = Db.Open("/db", Small(fs));
        for (int i = 0; i < 6000; i++)
        {
            db.Put(Key(i), Value(i, 0));
        }
        db.Flush();
        WaitForCompactions(db);
        Assert.True(db.Stats.TrivialMoves > 0, db.GetProperty("aimlsm.stats"));
    }

    [Fact]
    public void Files_an_iterator_reads_outlive_compaction_until_it_is_disposed()
    {
        var fs = new MemFileSystem();
        using var db = Db.Open("/db", Small(fs));
        for (int i = 0; i < 3000; i++)
        {
            db.Put(Key(i), Value(i, 0));
        }
        db.Flush();
        Iterator it = db.NewIterator();
        var before = db.CurrentVersion.AllFiles.Select(f => f.Number).ToHashSet();
        for (int i = 0; i < 3000; i++)
        {
            db.Put(Key(i), Value(i, 1));
        }
        db.CompactRange();
        var after = db.CurrentVersion.AllFiles.Select(f => f.Number).ToHashSet();
        Assert.Empty(after.Intersect(before));
        foreach (ulong n in before)
        {
            Assert.Contains(FileNames.Table(n), fs.ListFiles("/db"));
        }
        int count = 0;
        for (it.SeekToFirst(); it.Valid; it.Next(), count++)
        {
            Assert.True(it.Value.StartsWith("v0-"u8), "the iterator must keep its old view");
        }
        Assert.Equal(3000, count);
        it.Dispose();
        foreach (ulong n in before)
        {
            Assert.DoesNotContain(FileNames.Table(n), fs.ListFiles("/db"));
        }
    }

    [Fact]
    public void Open_tables_stay_within_MaxOpenFiles()
    {
        var fs = new MemFileSystem();
        DbOptions o = Small(fs);
        o.MaxOpenFiles = 16;
        o.DisableAutoCompactions = true;
        using var db = Db.Open("/db", o);
        for (int f = 0; f < 40; f++)
        {
            for (int i = 0; i < 50; i++)
            {
                db.Put(Key((f * 50) + i), Value(i, f));
            }
            db.Flush();
        }
        Assert.Equal("40", db.GetProperty("aimlsm.num-files-at-level0"));
        for (int i = 0; i < 2000; i += 7)
        {
            Assert.NotNull(db.Get(Key(i)));
            Assert.True(db.OpenTableCount <= 16, $"{db.OpenTableCount} tables open");
        }
    }

    [Fact]
    public void Stats_property_reports_levels_and_write_amplification()
    {
        var fs = new MemFileSystem();
        using var db = Db.Open("/db", Small(fs));
        for (int i = 0; i < 3000; i++)
        {
            db.Put(Key(i), Value(i, 0));
        }
        db.CompactRange();
        string stats = db.GetProperty("aimlsm.stats")!;
        Assert.Contains("L6", stats);
        Assert.Contains("write amplification", stats);
        Assert.True(double.Parse(db.GetProperty("aimlsm.write-amplification")!, System.Globalization.CultureInfo.InvariantCulture) > 1);
        Assert.Null(db.GetProperty("aimlsm.no-such-property"));
    }
}
