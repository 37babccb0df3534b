using AimLsm.Kv;
using System.Text;
using AimLsm.Kv.IO;
using AimLsm.Tests.Testing;

namespace AimLsm.Tests.Lsm;

/// <summary>Recovery: the four WAL recovery modes, and damaged tables and MANIFESTs reported with file and offset.</summary>
public class DbRecoveryTests
{
    private const string DbPath = "/db";
    private const int Records = 1000;

    private static byte[] Key(int i) => System.Text.Encoding.UTF8.GetBytes($"key{i:D5}");

    private static byte[] Value(int i) => System.Text.Encoding.UTF8.GetBytes($"value-{i}-" + new string('x', 80));

    /// <summary>Writes <see cref="Records"/> batches of one put (about 100 bytes each, several WAL blocks) and closes without flushing.</summary>
    private static MemFileSystem WalWithRecords()
    {
        var fs = new MemFileSystem();
        using var db = Db.Open(DbPath, new DbOptions { CreateIfMissing = true, FileSystem = fs });
        for (int i = 0; i < Records; i++)
        {
            db.Put(Key(i), Value(i));
        }
        return fs;
    }

    private static Db Reopen(MemFileSystem fs, WalRecoveryMode mode, EventListener? listener = null) =>
        Db.Open(DbPath, new DbOptions { FileSystem = fs, WalRecoveryMode = mode, Listener = listener });

    private static int CountPresent(Db db) => Enumerable.Range(0, Records).Count(i => db.Get(Key(i)) is not null);

    private static void AssertPrefix(Db db, int expected)
    {
        for (int i = 0; i < Records; i++)
        {
            byte[]? v = db.Get(Key(i));
            if (i < expected)
            {
                Assert.True(v is not null && v.AsSpan().SequenceEqual(Value(i)), $"record {i} should be present");
            }
            else
            {
                Assert.Null(v);
            }
        }
    }

    [Fact]
    public void PointInTime_stops_at_mid_log_damage_and_reports_it()
    {
        MemFileSystem fs = WalWithRecords();
        string wal = FsBytes.Only(fs, DbPath, ".log");
        FsBytes.FlipByte(fs, wal, 40_000); // inside the second 32 KiB block
        var listener = new RecordingListener();
        using Db db = Reopen(fs, WalRecoveryMode.PointInTime, listener);
        int present = CountPresent(db);
        Assert.InRange(present, 300, 400); // every record before the damaged one, none after
        AssertPrefix(db, present);
        Assert.True(db.RecoveryReport.StoppedEarly);
        WalProblem p = Assert.Single(db.RecoveryReport.Problems);
        Assert.Equal(wal, p.File);
        Assert.InRange(p.Offset, 32 * 1024, 40_000);
        Assert.Single(listener.Recoveries);
    }

    [Fact]
    public void PointInTime_survives_writing_on_and_reopening_after_dropping_a_damaged_tail()
    {
        MemFileSystem fs = WalWithRecords();
        string wal = FsBytes.Only(fs, DbPath, ".log");
        FsBytes.FlipByte(fs, wal, 40_000);
        int present;
        using (Db db = Reopen(fs, WalRecoveryMode.PointInTime))
        {
            present = CountPresent(db);
            db.Put(Key(present), Value(present));
        }
        using Db again = Reopen(fs, WalRecoveryMode.AbsoluteConsistency);
        AssertPrefix(again, present + 1);
        Assert.Empty(again.RecoveryReport.Problems);
    }

    [Fact]
    public void TolerateCorruptedTailRecords_refuses_mid_log_damage_and_changes_nothing()
    {
        MemFileSystem fs = WalWithRecords();
        string wal = FsBytes.Only(fs, DbPath, ".log");
        FsBytes.FlipByte(fs, wal, 40_000);
        Dictionary<string, byte[]> before = FsBytes.Snapshot(fs, DbPath);
        var e = Assert.Throws<CorruptionException>(() => Reopen(fs, WalRecoveryMode.TolerateCorruptedTailRecords));
        Assert.Equal(wal, e.File);
        Assert.InRange(e.Offset, 32 * 1024, 40_000);
        FsBytes.AssertUnchanged(before, fs, DbPath);
    }

    [Theory]
    [InlineData(WalRecoveryMode.PointInTime)]
    [InlineData(WalRecoveryMode.TolerateCorruptedTailRecords)]
    [InlineData(WalRecoveryMode.SkipAnyCorruptedRecords)]
    public void A_torn_last_record_is_dropped(WalRecoveryMode mode)
    {
        MemFileSystem fs = WalWithRecords();
        string wal = FsBytes.Only(fs, DbPath, ".log");
        FsBytes.Truncate(fs, wal, fs.GetFileSize(wal) - 3);
        using Db db = Reopen(fs, mode);
        AssertPrefix(db, Records - 1);
        Assert.NotEmpty(db.RecoveryReport.Problems);
    }

    [Fact]
    public void AbsoluteConsistency_refuses_even_a_torn_tail()
    {
        MemFileSystem fs = WalWithRecords();
        string wal = FsBytes.Only(fs, DbPath, ".log");
        long size = fs.GetFileSize(wal);
        FsBytes.Truncate(fs, wal, size - 3);
        var e = Assert.Throws<CorruptionException>(() => Reopen(fs, WalRecoveryMode.AbsoluteConsistency));
        Assert.Equal(wal, e.File);
        Assert.InRange(e.Offset, size - 200, size);
    }

    [Fact]
    public void SkipAnyCorruptedRecords_salvages_records_after_the_damage()
    {
        MemFileSystem fs = WalWithRecords();
        string wal = FsBytes.Only(fs, DbPath, ".log");
        FsBytes.FlipByte(fs, wal, 40_000);
        using Db db = Reopen(fs, WalRecoveryMode.SkipAnyCorruptedRecords);
        Assert.NotNull(db.Get(Key(0)));
        Assert.NotNull(db.Get(Key(Records - 1))); // past the damaged block
        Assert.InRange(CountPresent(db), Records - 400, Records - 1);
    }

    [Fact]
    public void Zeroed_tail_space_is_tolerated_as_a_tail()
    {
        MemFileSystem fs = WalWithRecords();
        string wal = FsBytes.Only(fs, DbPath, ".log");
        byte[] bytes = FsBytes.Read(fs, wal);
        FsBytes.Write(fs, wal, [.. bytes, .. new byte[5000]]);
        using Db db = Reopen(fs, WalRecoveryMode.TolerateCorruptedTailRecords);
        AssertPrefix(db, Records);
    }

    private static MemFileSystem FlushedTable()
    {
        var fs = new MemFileSystem();
        using var db = Db.Open(DbPath, new DbOptions { CreateIfMissing = true, FileSystem = fs });
        for (int i = 0; i < Records; i++)
        {
            db.Put(Key(i), Value(i));
        }
        db.Flush();
        return fs;
    }

    [Fact]
    public void A_flipped_byte_in_a_data_block_is_reported_with_file_and_offset_never_returned()
    {
        MemFileSystem fs = FlushedTable();
        string sst = FsBytes.Only(fs, DbPath, ".sst");
        FsBytes.FlipByte(fs, sst, 10_000);
        using Db db = Reopen(fs, WalRecoveryMode.PointInTime);
        int corrupt = 0;
        for (int i = 0; i < Records; i++)
        {
            try
            {
                byte[]? v = db.Get(Key(i));
                Assert.True(v is not null && v.AsSpan().SequenceEqual(Value(i)), $"record {i} wrong or missing");
            }
            catch (CorruptionException e)
            {
                corrupt++;
                Assert.Equal(sst, e.File);
                Assert.InRange(e.Offset, 10_000 - 4200, 10_000);
            }
        }
        Assert.InRange(corrupt, 1, 60);
        using Iterator it = db.NewIterator();
        Assert.Throws<CorruptionException>(() =>
        {
            for (it.SeekToFirst(); it.Valid; it.Next())
            {
            }
        });
    }

    [Fact]
    public void A_truncated_table_fails_the_open_naming_the_file_and_changes_nothing()
    {
        MemFileSystem fs = FlushedTable();
        string sst = FsBytes.Only(fs, DbPath, ".sst");
        long size = fs.GetFileSize(sst);
        FsBytes.Truncate(fs, sst, size - 10);
        Dictionary<string, byte[]> before = FsBytes.Snapshot(fs, DbPath);
        var e = Assert.Throws<CorruptionException>(() => Reopen(fs, WalRecoveryMode.PointInTime));
        Assert.Equal(sst, e.File);
        Assert.Equal(size - 10, e.Offset);
        FsBytes.AssertUnchanged(before, fs, DbPath);
    }

    [Fact]
    public void A_missing_table_fails_the_open_naming_the_MANIFEST_that_lists_it()
    {
        MemFileSystem fs = FlushedTable();
        string sst = FsBytes.Only(fs, DbPath, ".sst");
        fs.Delete(sst);
        var e = Assert.Throws<CorruptionException>(() => Reopen(fs, WalRecoveryMode.PointInTime));
        Assert.StartsWith("MANIFEST-", Path.GetFileName(e.File));
        Assert.Contains(Path.GetFileName(sst), e.Message);
    }

    [Fact]
    public void A_damaged_MANIFEST_fails_the_open_naming_it_and_changes_nothing()
    {
        MemFileSystem fs = FlushedTable();
        string manifest = Path.Combine(DbPath, Assert.Single(fs.ListFiles(DbPath), n => n.StartsWith("MANIFEST-", StringComparison.Ordinal)));
        FsBytes.FlipByte(fs, manifest, 20);
        Dictionary<string, byte[]> before = FsBytes.Snapshot(fs, DbPath);
        var e = Assert.Throws<CorruptionException>(() => Reopen(fs, WalRecoveryMode.PointInTime));
        Assert.Equal(manifest, e.File);
        Assert.Equal(0, e.Offset);
        FsBytes.AssertUnchanged(before, fs, DbPath);
    }

    [Fact]
    public void A_CURRENT_naming_a_missing_MANIFEST_fails_the_open()
    {
        MemFileSystem fs = FlushedTable();
        FsBytes.Write(fs, Path.Combine(DbPath, "CURRENT"), "MANIFEST-999999\n"u8);
        var e = Assert.Throws<CorruptionException>(() => Reopen(fs, WalRecoveryMode.PointInTime));
        Assert.EndsWith("CURRENT", e.File);
        Assert.Contains("MANIFEST-999999", e.Message);
    }

    [Fact]
    public void A_table_left_by_a_crashed_flush_is_deleted_at_open()
    {
        MemFileSystem fs = FlushedTable();
        FsBytes.Write(fs, Path.Combine(DbPath, "999990.sst"), "half a table"u8);
        using Db db = Reopen(fs, WalRecoveryMode.PointInTime);
        Assert.DoesNotContain("999990.sst", fs.ListFiles(DbPath));
        AssertPrefix(db, Records);
    }
}
