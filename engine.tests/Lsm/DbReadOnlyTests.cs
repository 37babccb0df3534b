using AimLsm.Kv;
using System.Text;
using AimLsm.Kv.IO;
using AimLsm.Tests.Testing;

namespace AimLsm.Tests.Lsm;

/// <summary>Db.OpenReadOnly: beside a live writer, without the LOCK, writing nothing, with a stable view.</summary>
public class DbReadOnlyTests
{
    private static byte[] Key(int i) => System.Text.Encoding.UTF8.GetBytes($"key{i:D5}");

    private static byte[] Value(int i, int round) => System.Text.Encoding.UTF8.GetBytes($"v{round}-{i}-" + new string('x', 50));

    private static DbOptions Small(IFileSystem fs) => new()
    {
        CreateIfMissing = true,
        FileSystem = fs,
        WriteBufferSize = 32 << 10,
        Level0FileNumCompactionTrigger = 2,
        MaxBytesForLevelBase = 64 << 10,
        TargetFileSizeBase = 16 << 10,
    };

    [Fact]
    public void Sees_flushed_and_WAL_only_writes_of_a_live_writer_and_refuses_writes()
    {
        var fs = new MemFileSystem();
        using var writer = Db.Open("/db", Small(fs));
        for (int i = 0; i < 3000; i++)
        {
            writer.Put(Key(i), Value(i, 0));
        }
        writer.Put("only-in-the-wal"u8, "yes"u8);

        using Db reader = Db.OpenReadOnly("/db", new DbOptions { FileSystem = fs });
        using Db second = Db.OpenReadOnly("/db", new DbOptions { FileSystem = fs });
        Assert.Equal(Value(42, 0), reader.Get(Key(42)));
        Assert.Equal("yes"u8.ToArray(), reader.Get("only-in-the-wal"u8));
        Assert.Equal("yes"u8.ToArray(), second.Get("only-in-the-wal"u8));
        Assert.Throws<NotSupportedException>(() => reader.Put("k"u8, "v"u8));
        Assert.Throws<NotSupportedException>(() => reader.Write(new WriteBatch().Delete("k"u8)));
        Assert.Throws<NotSupportedException>(() => reader.Flush());
        Assert.Throws<NotSupportedException>(() => reader.CompactRange());
        Assert.Throws<DbLockedException>(() => Db.Open("/db", new DbOptions { FileSystem = fs }));
    }

    [Fact]
    public void Keeps_its_view_while_the_writer_compacts_its_files_away_and_a_reopen_catches_up()
    {
        var fs = new MemFileSystem();
        using var writer = Db.Open("/db", Small(fs));
        for (int i = 0; i < 2000; i++)
        {
            writer.Put(Key(i), Value(i, 0));
        }
        writer.Flush();
        using (Db reader = Db.OpenReadOnly("/db", new DbOptions { FileSystem = fs, MaxOpenFiles = 16 }))
        {
            for (int i = 0; i < 2000; i++)
            {
                writer.Put(Key(i), Value(i, 1));
            }
            writer.CompactRange();
            int n = 0;
            using Iterator it = reader.NewIterator();
            for (it.SeekToFirst(); it.Valid; it.Next(), n++)
            {
                Assert.True(it.Value.StartsWith("v0-"u8));
            }
            Assert.Equal(2000, n);
            Assert.Equal(Value(7, 0), reader.Get(Key(7)));
        }
        using Db again = Db.OpenReadOnly("/db", new DbOptions { FileSystem = fs });
        Assert.Equal(Value(7, 1), again.Get(Key(7)));
    }

    [Fact]
    public void Writes_nothing_to_the_directory()
    {
        var fs = new MemFileSystem();
        using (var writer = Db.Open("/db", Small(fs)))
        {
            for (int i = 0; i < 1000; i++)
            {
                writer.Put(Key(i), Value(i, 0));
            }
        }
        Dictionary<string, byte[]> before = FsBytes.Snapshot(fs, "/db");
        using (Db reader = Db.OpenReadOnly("/db", new DbOptions { FileSystem = fs }))
        {
            Assert.Equal(Value(999, 0), reader.Get(Key(999)));
        }
        FsBytes.AssertUnchanged(before, fs, "/db");
    }

    [Fact]
    public void A_missing_database_is_refused()
    {
        var e = Assert.Throws<DbNotFoundException>(() => Db.OpenReadOnly("/nothing", new DbOptions { FileSystem = new MemFileSystem() }));
        Assert.Contains("read-only", e.Message);
    }

    [Fact]
    public void Works_on_disk_beside_a_writer_in_this_process()
    {
        using var dir = new TempDirectory();
        using var writer = Db.Open(dir.Path, new DbOptions { CreateIfMissing = true });
        writer.Put("a"u8, "1"u8);
        writer.Flush();
        writer.Put("b"u8, "2"u8);
        using Db reader = Db.OpenReadOnly(dir.Path);
        Assert.Equal("1"u8.ToArray(), reader.Get("a"u8));
        Assert.Equal("2"u8.ToArray(), reader.Get("b"u8));
    }
}
