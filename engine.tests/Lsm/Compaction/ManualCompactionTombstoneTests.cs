using AimLsm.Kv;
using AimLsm.Kv.IO;

namespace AimLsm.Tests.Lsm.Compaction;

/// <summary>
/// A manual compaction of part of the key space must not separate a range tombstone from the older data it covers:
/// the shape of <c>Repo.DeleteRun</c> (one batch of range deletions over several key ranges, then CompactRange per
/// range), which lost a deletion after a failed DeleteRun was recovered into L0.
/// </summary>
public class ManualCompactionTombstoneTests
{
    private static byte[] K(string s) => System.Text.Encoding.ASCII.GetBytes(s);

    [Fact]
    public void A_range_deletion_moved_down_by_CompactRange_keeps_older_level0_data_under_it_deleted()
    {
        var fs = new MemFileSystem();
        using var db = Db.Open("/db", new DbOptions { CreateIfMissing = true, FileSystem = fs, DisableAutoCompactions = true });

        // L0, oldest first: a table holding only keys of the second range; then one holding a key of the first range
        // and the range deletions of both (the recovered DeleteRun batch).
        db.Put(K("b/1"), K("old"));
        db.Flush();
        db.Put(K("a/1"), K("old"));
        db.DeleteRange(K("a/"), K("a0"));
        db.DeleteRange(K("b/"), K("b0"));
        db.Flush();
        Assert.Equal(2, db.CurrentVersion.Files(0).Count);
        Assert.Null(db.Get(K("b/1")));

        // Compacting the first range only: the newer table meets it, the older one does not, but the newer one's
        // deletion of the second range spans the older one, so both must go down together.
        db.CompactRange(K("a/"), K("a0"));

        Assert.Null(db.Get(K("a/1")));
        Assert.Null(db.Get(K("b/1")));
        db.CompactRange(K("b/"), K("b0"));
        Assert.Null(db.Get(K("b/1")));
        using Iterator it = db.NewIterator();
        it.SeekToFirst();
        Assert.False(it.Valid, "a deleted key came back: " + (it.Valid ? System.Text.Encoding.ASCII.GetString(it.Key) : ""));
    }
}
