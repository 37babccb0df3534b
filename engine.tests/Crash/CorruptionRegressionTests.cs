using AimLsm.Kv;
using System.Buffers.Binary;
using System.Text;
using AimLsm.Kv.IO;
using AimLsm.Tests.Testing;

namespace AimLsm.Tests.Crash;

/// <summary>
/// Minimal reproductions of what the corruption fuzzer found, named after the bug. Skipped ones document open bugs:
/// each says what the engine does and what it should do.
/// </summary>
public class CorruptionRegressionTests
{
    private const string Dir = "/db";

    private static byte[] B(string s) => System.Text.Encoding.ASCII.GetBytes(s);

    /// <summary>
    /// Two flushes; the MANIFEST is then cut inside its last edit (the second flush). The reader takes the cut for a
    /// torn tail (a crash while appending), drops the edit, and the open deletes the second flush's table as an orphan;
    /// its WAL is long gone, so the first flush's value comes back: a stale value, silently. The edit had been synced
    /// and acted on (its WAL deleted), so this cannot be a crash: the open should refuse, naming the MANIFEST.
    /// </summary>
    [Fact]
    public void Regression_truncated_MANIFEST_drops_a_flush_edit_and_serves_stale_values()
    {
        var fs = new MemFileSystem();
        string manifest = BuildTwoFlushes(fs);
        FsBytes.Truncate(fs, manifest, FsBytes.Read(fs, manifest).Length - 3);
        AssertRefusedOrRight(fs, manifest);
    }

    /// <summary>
    /// The same loss from one flipped bit: the high bit of the last MANIFEST record's length makes the record run past
    /// the end of the file, which the reader takes for a torn tail (LogReader.ReadFragment, "runs past its block" when
    /// at EOF). The edit is dropped silently.
    /// </summary>
    [Fact]
    public void Regression_MANIFEST_length_bit_flip_passes_for_a_torn_tail()
    {
        var fs = new MemFileSystem();
        string manifest = BuildTwoFlushes(fs);
        byte[] bytes = FsBytes.Read(fs, manifest);
        List<int> records = RecordOffsets(bytes);
        bytes[records[^1] + 5] ^= 0x80; // length += 32,768
        FsBytes.Write(fs, manifest, bytes);
        AssertRefusedOrRight(fs, manifest);
    }

    /// <summary>
    /// Ten synced puts in one WAL; a flipped high length bit in the third record. TolerateCorruptedTailRecords
    /// (LevelDB's mode) accepts only a torn tail; the reader takes the record for one, and records 3 to 10, all synced
    /// and followed by intact bytes, vanish without a report. It should refuse the open, naming the WAL.
    /// (PointInTime drops them too, which is that mode's promise; AbsoluteConsistency refuses, correctly.)
    /// </summary>
    [Fact]
    public void Regression_WAL_length_bit_flip_under_TolerateCorruptedTailRecords_drops_synced_records_silently()
    {
        var fs = new MemFileSystem();
        var options = new DbOptions { CreateIfMissing = true, FileSystem = fs };
        using (Db db = Db.Open(Dir, options))
        {
            for (int i = 0; i < 10; i++)
            {
                db.Put(B($"k{i}"), B($"v{i}"), new WriteOptions { Sync = true });
            }
        }
        string wal = FsBytes.Only(fs, Dir, ".log");
        byte[] bytes = FsBytes.Read(fs, wal);
        List<int> records = RecordOffsets(bytes, batchesOnly: true);
        Assert.Equal(10, records.Count);
        bytes[records[2] + 5] ^= 0x80;
        FsBytes.Write(fs, wal, bytes);
        options.WalRecoveryMode = WalRecoveryMode.TolerateCorruptedTailRecords;
        CorruptionException e = Assert.Throws<CorruptionException>(() => Db.Open(Dir, options).Dispose());
        Assert.Equal(Path.GetFullPath(wal), Path.GetFullPath(e.File));
    }

    /// <summary>The guard for the fixed behaviour: a genuinely torn last WAL record is still tolerated by TolerateCorruptedTailRecords.</summary>
    [Fact]
    public void A_torn_last_WAL_record_is_still_tolerated()
    {
        var fs = new MemFileSystem();
        var options = new DbOptions { CreateIfMissing = true, FileSystem = fs };
        using (Db db = Db.Open(Dir, options))
        {
            for (int i = 0; i < 10; i++)
            {
                db.Put(B($"k{i}"), B($"value-{i}"), new WriteOptions { Sync = true });
            }
        }
        string wal = FsBytes.Only(fs, Dir, ".log");
        byte[] log = FsBytes.Read(fs, wal);
        int last = RecordOffsets(log, batchesOnly: true)[^1];
        // Tear the last batch (and drop the sync point written after it): a crash in the middle of its append.
        FsBytes.Truncate(fs, wal, last + 7 + BinaryPrimitives.ReadUInt16LittleEndian(log.AsSpan(last + 4)) - 4);
        options.WalRecoveryMode = WalRecoveryMode.TolerateCorruptedTailRecords;
        using Db again = Db.Open(Dir, options);
        Assert.Null(again.Get(B("k9")));
        Assert.Equal(B("value-8"), again.Get(B("k8")));
    }

    /// <summary>Writes k=v1, flushes, writes k=v2, flushes, closes. Returns the MANIFEST's path.</summary>
    private static string BuildTwoFlushes(MemFileSystem fs)
    {
        using (Db db = Db.Open(Dir, new DbOptions { CreateIfMissing = true, FileSystem = fs }))
        {
            db.Put(B("k"), B("v1"));
            db.Put(B("only-in-second"), B("x"));
            db.Flush();
            db.Put(B("k"), B("v2"));
            db.Flush();
        }
        return Path.Combine(Dir, Assert.Single(fs.ListFiles(Dir), n => n.StartsWith("MANIFEST-", StringComparison.Ordinal)));
    }

    /// <summary>The open refuses naming the MANIFEST, or the database reads right (k=v2); a stale or missing value fails.</summary>
    private static void AssertRefusedOrRight(MemFileSystem fs, string manifest)
    {
        Db db;
        try
        {
            db = Db.Open(Dir, new DbOptions { FileSystem = fs });
        }
        catch (CorruptionException e)
        {
            Assert.Equal(Path.GetFullPath(manifest), Path.GetFullPath(e.File));
            return;
        }
        using (db)
        {
            Assert.Equal("v2", System.Text.Encoding.ASCII.GetString(db.Get(B("k")) ?? B("<absent>")));
        }
    }

    /// <summary>Start offsets of the records of a small log file (every record in the first block, FULL fragments).</summary>
    /// <summary>The offsets of the records in the first block; <paramref name="batchesOnly"/> leaves out the WAL's
    /// sync points (docs/format.md 5.6: payloads whose first 8 bytes are zero).</summary>
    private static List<int> RecordOffsets(byte[] log, bool batchesOnly = false)
    {
        var offsets = new List<int>();
        for (int pos = 0; pos + 7 <= log.Length && pos < 32 * 1024;)
        {
            int len = BinaryPrimitives.ReadUInt16LittleEndian(log.AsSpan(pos + 4));
            bool syncPoint = len >= 8 && BinaryPrimitives.ReadUInt64LittleEndian(log.AsSpan(pos + 7)) == 0;
            if (!(batchesOnly && syncPoint))
            {
                offsets.Add(pos);
            }
            pos += 7 + len;
        }
        return offsets;
    }
}
