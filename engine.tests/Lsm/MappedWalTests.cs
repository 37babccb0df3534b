using AimLsm.Kv;
using AimLsm.Kv.IO;
using AimLsm.Tests.Testing;

namespace AimLsm.Tests.Lsm;

/// <summary>
/// The WAL written through a memory mapping (<see cref="DbOptions.AllowMmapWrites"/>) on the disk: a copy of a live
/// database's files is what a killed process leaves (the WAL's reserved zeros included), and it must recover every
/// write with no damage reported, under the strictest recovery mode.
/// </summary>
public sealed class MappedWalTests : IDisposable
{
    private const int Records = 3000;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static byte[] Key(int i) => System.Text.Encoding.UTF8.GetBytes($"key{i:D5}");

    // Every 100th value is 40 KB, so that some records are fragmented across WAL blocks.
    private static byte[] Value(int i) => System.Text.Encoding.UTF8.GetBytes($"value-{i}-" + new string('x', i % 100 == 0 ? 40_000 : 80));

    private string LiveCopy(bool mapped)
    {
        string live = _dir.Sub(mapped ? "live-mapped" : "live-buffered");
        using var db = Db.Open(live, new DbOptions { CreateIfMissing = true, AllowMmapWrites = mapped });
        for (int i = 0; i < Records; i++)
        {
            db.Put(Key(i), Value(i));
        }
        return _dir.CopyOf(live, "copy-" + (mapped ? "mapped" : "buffered"));
    }

    private static string OnlyWal(string dir) => Assert.Single(Directory.GetFiles(dir, "*.log"));

    private static void AssertAll(Db db, int count)
    {
        for (int i = 0; i < Records; i++)
        {
            byte[]? v = db.Get(Key(i));
            if (i < count)
            {
                Assert.True(v is not null && v.AsSpan().SequenceEqual(Value(i)), $"key {i} of the first {count}");
            }
            else
            {
                Assert.Null(v);
            }
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_live_copy_recovers_every_write_with_no_damage_under_absolute_consistency(bool mapped)
    {
        string copy = LiveCopy(mapped);
        long walSize = new FileInfo(OnlyWal(copy)).Length;
        if (mapped && MappedAppendFile.IsSupported)
        {
            Assert.Equal(0, walSize % MappedAppendFile.SegmentSize); // the reserved zeros are there to be read
        }
        using var db = Db.Open(copy, new DbOptions { WalRecoveryMode = WalRecoveryMode.AbsoluteConsistency });
        Assert.Empty(db.RecoveryReport.Problems);
        Assert.Equal(Records, db.RecoveryReport.BatchesReplayed);
        AssertAll(db, Records);
    }

    [Fact]
    public void A_closed_mapped_wal_is_trimmed_to_its_records()
    {
        string path = _dir.Sub("closed");
        using (var db = Db.Open(path, new DbOptions { CreateIfMissing = true, WriteBufferSize = 256 << 10 }))
        {
            for (int i = 0; i < Records; i++)
            {
                db.Put(Key(i), Value(i));
            }
        }
        // Every older WAL was switched away from and closed: none has a zero at its end.
        using var db2 = Db.Open(path, new DbOptions { WalRecoveryMode = WalRecoveryMode.AbsoluteConsistency });
        Assert.Empty(db2.RecoveryReport.Problems);
        AssertAll(db2, Records);
    }

    [Fact]
    public void A_record_torn_by_a_kill_loses_that_write_only_and_is_no_damage()
    {
        if (!MappedAppendFile.IsSupported)
        {
            return;
        }
        string copy = LiveCopy(mapped: true);
        string wal = OnlyWal(copy);
        byte[] bytes = File.ReadAllBytes(wal);
        int end = bytes.AsSpan().LastIndexOfAnyExcept((byte)0) + 1;
        // The last write's record (about 100 bytes) cut after its first 20: zeros from there to the end.
        bytes.AsSpan(end - 80, 80).Clear();
        File.WriteAllBytes(wal, bytes);
        using var db = Db.Open(copy, new DbOptions { WalRecoveryMode = WalRecoveryMode.TolerateCorruptedTailRecords });
        Assert.Empty(db.RecoveryReport.DamagedLogs);
        Assert.Equal(Records - 1, db.RecoveryReport.BatchesReplayed);
        AssertAll(db, Records - 1);
    }
}
