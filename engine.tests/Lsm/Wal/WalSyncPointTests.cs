using AimLsm.Kv;
using System.Text;
using AimLsm.Kv.IO;
using AimLsm.Kv.Wal;
using AimLsm.Tests.Testing;

namespace AimLsm.Tests.Lsm.Wal;

/// <summary>
/// The WAL's sync points (docs/format.md 5.6) and what recovery does with damage on either side of the last one
/// (issue 14, point 1): damage in synced bytes is refused by default, naming the file and offset, and nothing is
/// changed; damage after the last sync is a power cut over unacknowledged writes and recovers point-in-time; opting
/// out of the check recovers the prefix and keeps the damaged WAL aside.
/// </summary>
public class WalSyncPointTests
{
    private const string DbPath = "/db";
    private const int Synced = 300;
    private const int Unsynced = 300;

    private static byte[] Key(int i) => System.Text.Encoding.UTF8.GetBytes($"key{i:D5}");

    private static byte[] Value(int i) => System.Text.Encoding.UTF8.GetBytes($"value-{i}-" + new string('x', 80));

    /// <summary>
    /// <see cref="Synced"/> puts with <c>Sync = true</c>, then <see cref="Unsynced"/> without, left in the WAL (the
    /// instance is abandoned, not disposed: a killed process). Returns the WAL and the offset where the unsynced
    /// writes begin.
    /// </summary>
    private static (MemFileSystem Fs, string Wal, long SyncedEnd) Build()
    {
        var fs = new MemFileSystem();
        var db = Db.Open(DbPath, new DbOptions { CreateIfMissing = true, FileSystem = fs });
        for (int i = 0; i < Synced; i++)
        {
            db.Put(Key(i), Value(i), new WriteOptions { Sync = true });
        }
        string wal = FsBytes.Only(fs, DbPath, ".log");
        long syncedEnd = fs.GetFileSize(wal);
        for (int i = Synced; i < Synced + Unsynced; i++)
        {
            db.Put(Key(i), Value(i));
        }
        // Copy the files as the crashed process left them, then let the instance go.
        var copy = new MemFileSystem();
        foreach ((string name, byte[] bytes) in FsBytes.Snapshot(fs, DbPath))
        {
            copy.CreateDirectory(DbPath);
            FsBytes.Write(copy, Path.Combine(DbPath, name), bytes);
        }
        db.Dispose();
        return (copy, wal, syncedEnd);
    }

    private static int CountPresent(Db db) => Enumerable.Range(0, Synced + Unsynced).Count(i => db.Get(Key(i)) is not null);

    [Fact]
    public void Every_synced_write_is_followed_by_a_sync_point_naming_the_synced_length()
    {
        (MemFileSystem fs, string wal, long syncedEnd) = Build();
        using IReadableFile file = fs.OpenRead(wal);
        var reader = new LogReader(file, p => Assert.Fail($"unexpected damage: {p.Reason}"));
        var points = new List<(long At, long Synced)>();
        long previousEnd = 0;
        while (reader.ReadRecord(out ReadOnlySpan<byte> record))
        {
            if (WalSyncPoint.TryRead(record, out long synced))
            {
                points.Add((reader.LastRecordOffset, synced));
                // A sync point claims exactly what came before it, never more: it is written after the fsync.
                Assert.Equal(previousEnd, synced);
            }
            previousEnd = reader.EndOfLastRecord;
        }
        Assert.Equal(Synced, points.Count);
        Assert.Equal(syncedEnd, points[^1].At + LogFormat.HeaderSize + WalSyncPoint.Size);
    }

    [Fact]
    public void Damage_before_the_last_synced_offset_is_refused_naming_the_WAL_and_offset_and_changes_nothing()
    {
        (MemFileSystem fs, string wal, long syncedEnd) = Build();
        FsBytes.FlipByte(fs, wal, syncedEnd / 2);
        Dictionary<string, byte[]> before = FsBytes.Snapshot(fs, DbPath);
        foreach (Func<Db> open in new Func<Db>[]
        {
            () => Db.Open(DbPath, new DbOptions { FileSystem = fs }),
            () => Db.OpenReadOnly(DbPath, new DbOptions { FileSystem = fs }),
        })
        {
            CorruptionException e = Assert.Throws<CorruptionException>(open);
            Assert.Equal(Path.GetFullPath(wal), Path.GetFullPath(e.File));
            Assert.InRange(e.Offset, syncedEnd / 2 - 32 * 1024, syncedEnd / 2);
            Assert.Contains("synced", e.Message, StringComparison.Ordinal);
            Assert.Contains("VerifySyncedWal", e.Message, StringComparison.Ordinal);
        }
        FsBytes.AssertUnchanged(before, fs, DbPath);
    }

    [Fact]
    public void Damage_after_the_last_synced_offset_recovers_point_in_time_with_every_synced_write()
    {
        (MemFileSystem fs, string wal, long syncedEnd) = Build();
        long end = fs.GetFileSize(wal);
        FsBytes.FlipByte(fs, wal, syncedEnd + ((end - syncedEnd) / 2));
        using Db db = Db.Open(DbPath, new DbOptions { FileSystem = fs });
        int present = CountPresent(db);
        Assert.InRange(present, Synced, Synced + Unsynced - 1);
        for (int i = 0; i < present; i++)
        {
            Assert.Equal(Value(i), db.Get(Key(i)));
        }
        Assert.True(db.RecoveryReport.StoppedEarly);
        Assert.False(db.RecoveryReport.IsClean);
        Assert.Equal(wal, Assert.Single(db.RecoveryReport.Problems).File);
        // The damaged log is kept aside, byte for byte, and the report says where.
        string kept = Assert.Single(db.RecoveryReport.KeptLogs);
        Assert.Equal(wal + ".damaged", kept);
        Assert.True(fs.FileExists(kept));
        Assert.False(fs.FileExists(wal));
    }

    [Fact]
    public void Opting_out_of_the_check_recovers_the_prefix_keeps_the_damaged_log_and_later_opens_leave_it_alone()
    {
        (MemFileSystem fs, string wal, long syncedEnd) = Build();
        long flipAt = syncedEnd / 2;
        FsBytes.FlipByte(fs, wal, flipAt);
        byte[] damaged = FsBytes.Read(fs, wal);
        using (Db db = Db.Open(DbPath, new DbOptions { FileSystem = fs, VerifySyncedWal = false }))
        {
            int present = CountPresent(db);
            Assert.InRange(present, 1, Synced - 1);
            Assert.True(db.RecoveryReport.StoppedEarly);
            Assert.Contains(wal + ".damaged", db.RecoveryReport.KeptLogs);
            Assert.Contains(wal, db.RecoveryReport.ToString(), StringComparison.Ordinal);
        }
        Assert.Equal(damaged, FsBytes.Read(fs, wal + ".damaged"));
        // The default check is back on: the damaged log is not replayed, not refused, not deleted.
        using (Db again = Db.Open(DbPath, new DbOptions { FileSystem = fs }))
        {
            Assert.True(again.RecoveryReport.IsClean);
        }
        Assert.Equal(damaged, FsBytes.Read(fs, wal + ".damaged"));
    }

    [Theory]
    [InlineData(WalRecoveryMode.AbsoluteConsistency, true)]
    [InlineData(WalRecoveryMode.TolerateCorruptedTailRecords, true)]
    [InlineData(WalRecoveryMode.PointInTime, true)]
    [InlineData(WalRecoveryMode.SkipAnyCorruptedRecords, false)]
    public void Each_recovery_mode_on_damage_in_synced_bytes(WalRecoveryMode mode, bool refuses)
    {
        (MemFileSystem fs, string wal, long syncedEnd) = Build();
        FsBytes.FlipByte(fs, wal, syncedEnd / 2);
        var options = new DbOptions { FileSystem = fs, WalRecoveryMode = mode };
        if (refuses)
        {
            Assert.Equal(wal, Assert.Throws<CorruptionException>(() => Db.Open(DbPath, options)).File);
            return;
        }
        using Db db = Db.Open(DbPath, options);
        // Salvage: only the records of the damaged block are lost; everything after it, synced or not, is back.
        int present = CountPresent(db);
        Assert.InRange(present, Synced + Unsynced - 400, Synced + Unsynced - 1);
        Assert.NotNull(db.Get(Key(Synced + Unsynced - 1)));
        Assert.Contains(wal + ".damaged", db.RecoveryReport.KeptLogs);
    }

    [Fact]
    public void A_damaged_WAL_that_a_newer_WAL_followed_is_refused_even_without_a_sync_point()
    {
        var fs = new MemFileSystem();
        // Flushes fail, so the frozen memtable's WAL stays needed beside the new one (a process killed mid-flush).
        var hooked = new HookFileSystem(fs)
        {
            Hook = (op, path) =>
            {
                if (op == "create" && path.EndsWith(".sst", StringComparison.Ordinal))
                {
                    throw new IOException("injected: no table may be written");
                }
            },
        };
        var db = Db.Open(DbPath, new DbOptions { CreateIfMissing = true, FileSystem = hooked, WriteBufferSize = 64 << 10 });
        for (int i = 0; i < Synced + Unsynced; i++)
        {
            try
            {
                db.Put(Key(i), Value(i)); // never synced by the caller: only the memtable switch syncs
            }
            catch (DbException)
            {
                break; // the failed flush stops writes; the WALs hold what was written
            }
        }
        var logs = fs.ListFiles(DbPath).Where(n => n.EndsWith(".log", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        Assert.True(logs.Count >= 2, "the small write buffer switches memtables");
        var copy = new MemFileSystem();
        copy.CreateDirectory(DbPath);
        foreach ((string name, byte[] bytes) in FsBytes.Snapshot(fs, DbPath))
        {
            FsBytes.Write(copy, Path.Combine(DbPath, name), bytes);
        }
        db.Dispose();
        // The oldest WAL still needed: recovery must replay it, and a newer WAL proves it was synced whole.
        string oldest = Path.Combine(DbPath, logs[^2]);
        FsBytes.FlipByte(copy, oldest, copy.GetFileSize(oldest) / 2);
        CorruptionException e = Assert.Throws<CorruptionException>(() => Db.Open(DbPath, new DbOptions { FileSystem = copy }));
        Assert.Equal(oldest, e.File);
        Assert.Contains("newer WAL", e.Message, StringComparison.Ordinal);
    }
}
