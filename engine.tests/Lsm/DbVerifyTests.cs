using AimLsm.Kv;
using System.Text;
using AimLsm.Kv.IO;
using AimLsm.Tests.Testing;

namespace AimLsm.Tests.Lsm;

/// <summary>Db.VerifyChecksums reports every damaged block with its file and offset; Db.Resume leaves the error state.</summary>
public class DbVerifyTests
{
    private static byte[] Key(int i) => System.Text.Encoding.UTF8.GetBytes($"key{i:D5}");

    private static MemFileSystem Build(out Db db)
    {
        var fs = new MemFileSystem();
        db = Db.Open("/db", new DbOptions { CreateIfMissing = true, FileSystem = fs, BlockCacheSize = 0, Compression = Compression.None });
        for (int i = 0; i < 2000; i++)
        {
            db.Put(Key(i), System.Text.Encoding.UTF8.GetBytes(new string('v', 100) + i));
        }
        db.Flush();
        for (int i = 0; i < 50; i++)
        {
            db.Put(Key(i), "wal"u8, new WriteOptions { Sync = true });
        }
        return fs;
    }

    [Fact]
    public void A_clean_database_verifies_clean()
    {
        Build(out Db db);
        using (db)
        {
            Assert.Empty(db.VerifyChecksums());
        }
    }

    [Fact]
    public void Every_damaged_data_block_is_reported_with_its_file_and_offset()
    {
        MemFileSystem fs = Build(out Db db);
        db.Dispose();
        string sst = FsBytes.Only(fs, "/db", ".sst");
        FsBytes.FlipByte(fs, sst, 100);      // first data block
        FsBytes.FlipByte(fs, sst, 50_000);   // a later one
        using Db again = Db.Open("/db", new DbOptions { FileSystem = fs, BlockCacheSize = 0 });
        IReadOnlyList<CorruptionException> problems = again.VerifyChecksums();
        Assert.Equal(2, problems.Count);
        Assert.All(problems, p => Assert.Equal(sst, p.File));
        Assert.InRange(problems[0].Offset, 0, 100);
        Assert.InRange(problems[1].Offset, 50_000 - 4200, 50_000);
    }

    [Fact]
    public void A_damaged_WAL_record_is_reported()
    {
        MemFileSystem fs = Build(out Db db);
        string wal = FsBytes.Only(fs, "/db", ".log");
        byte[] bytes = FsBytes.Read(fs, wal);
        bytes[20] ^= 1;
        // Damage the live WAL under the open database (as a failing disk would), then verify.
        FsBytes.Write(fs, wal, bytes);
        IReadOnlyList<CorruptionException> problems = db.VerifyChecksums();
        Assert.Contains(problems, p => p.File == wal && p.Offset == 0);
        db.Dispose();
    }

    [Fact]
    public void Resume_after_a_failed_flush_makes_everything_durable_and_accepts_writes()
    {
        var mem = new MemFileSystem();
        var fs = new FailingFileSystem(mem);
        using var db = Db.Open("/db", new DbOptions { CreateIfMissing = true, FileSystem = fs });
        db.Put("a"u8, "1"u8);
        fs.FailWrites = true;
        Assert.ThrowsAny<Exception>(() => db.Flush());
        Assert.Throws<BackgroundErrorException>(() => db.Put("b"u8, "2"u8));
        Assert.Throws<BackgroundErrorException>(() => db.Resume()); // still failing
        fs.FailWrites = false;
        db.Resume();
        db.Put("b"u8, "2"u8);
        Assert.Equal("1"u8.ToArray(), db.Get("a"u8));
        Assert.Equal("2"u8.ToArray(), db.Get("b"u8));
        Assert.Empty(db.VerifyChecksums());
    }
}
