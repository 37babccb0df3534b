using AimLsm.Kv;
using System.Text;
using AimLsm.Kv.IO;
using AimLsm.Tests.Testing;

namespace AimLsm.Tests.Lsm;

/// <summary>Regressions for durability bugs found in review, named after the bug.</summary>
public class DbCrashRegressionTests
{
    private static byte[] B(string s) => System.Text.Encoding.UTF8.GetBytes(s);

    /// <summary>
    /// The memtable switched to a new WAL while its flush was still running; a synced write then went to the new
    /// WAL; the power failed. The old WAL had never been synced, so recovery either lost the synced write
    /// (point-in-time stopped at the old WAL's torn tail) or kept it while losing earlier writes (a hole).
    /// </summary>
    [Fact]
    public void Regression_old_WAL_unsynced_at_memtable_switch_lost_a_later_synced_write()
    {
        var mem = new MemFileSystem();
        var fs = new HookFileSystem(mem);
        using ManualResetEventSlim flushMayGo = fs.HoldTableCreates(); // the flush waits: frozen memtables live only in their WALs
        Db db = Db.Open("/db", new DbOptions { CreateIfMissing = true, FileSystem = fs, WriteBufferSize = 4096 });
        int n = 0;
        while (db.GetProperty("aimlsm.num-immutable-mem-table") == "0")
        {
            db.Put(B($"k{n:D5}"), new byte[100]);
            n++;
        }
        db.Put(B("acked"), B("durable"), new WriteOptions { Sync = true });

        mem.DropUnsyncedData(); // power loss
        mem.ReleaseLocks();
        fs.Dead = true;
        flushMayGo.Set();

        using Db again = Db.Open("/db", new DbOptions { FileSystem = mem });
        Assert.Equal(B("durable"), again.Get(B("acked")));
        for (int i = 0; i < n; i++)
        {
            Assert.NotNull(again.Get(B($"k{i:D5}"))); // everything written before a synced write is durable too
        }
        Assert.False(again.RecoveryReport.StoppedEarly);
        GC.KeepAlive(db);
    }

    /// <summary>
    /// The first open created its WAL before the MANIFEST and CURRENT; a failure in between left a directory with a
    /// WAL and no CURRENT, which every later open refused as damage.
    /// </summary>
    [Fact]
    public void Regression_failed_first_open_left_a_directory_that_never_opened_again()
    {
        var mem = new MemFileSystem();
        var fs = new HookFileSystem(mem)
        {
            Hook = (op, path) =>
            {
                if (op == "create" && Path.GetFileName(path).StartsWith("MANIFEST-", StringComparison.Ordinal))
                {
                    throw new IOException("injected: no space left on device");
                }
            },
        };
        Assert.Throws<IOException>(() => Db.Open("/db", new DbOptions { CreateIfMissing = true, FileSystem = fs }));
        fs.Hook = null;
        using Db db = Db.Open("/db", new DbOptions { CreateIfMissing = true, FileSystem = fs });
        db.Put(B("k"), B("v"));
        Assert.Equal(B("v"), db.Get(B("k")));
    }
}
