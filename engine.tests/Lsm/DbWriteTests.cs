using AimLsm.Kv;
using System.Text;
using AimLsm.Kv.IO;
using AimLsm.Tests.Testing;

namespace AimLsm.Tests.Lsm;

/// <summary>Writes: limits, misuse, durability options, and the error state after an I/O failure.</summary>
public class DbWriteTests
{
    private static byte[] B(string s) => System.Text.Encoding.UTF8.GetBytes(s);

    private static Db OpenMem(MemFileSystem? fs = null, long writeBuffer = 64 << 20) =>
        Db.Open("/db", new DbOptions { CreateIfMissing = true, FileSystem = fs ?? new MemFileSystem(), WriteBufferSize = writeBuffer });

    [Fact]
    public void Key_over_the_limit_is_refused_with_its_size()
    {
        using Db db = OpenMem();
        var e = Assert.Throws<ArgumentException>(() => db.Put(new byte[Limits.MaxKeySize + 1], B("v")));
        Assert.Contains((Limits.MaxKeySize + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message);
        db.Put(new byte[Limits.MaxKeySize], B("v"));
        Assert.Equal(B("v"), db.Get(new byte[Limits.MaxKeySize]));
    }

    [Fact]
    public void Value_over_the_limit_is_refused()
    {
        using Db db = OpenMem();
        Assert.Throws<ArgumentException>(() => new WriteBatch().Put(B("k"), new byte[Limits.MaxValueSize + 1]));
    }

    [Fact]
    public void A_large_value_survives_replay_flush_and_compaction_byte_for_byte()
    {
        // Values of Db.LargeValueBytes and more skip the batch copy (WAL written from two spans, memtable copied
        // once) and get a table block of their own; every path must give back the exact bytes.
        var fs = new MemFileSystem();
        var random = new Random(14);
        byte[] large = new byte[(3 << 20) + 5];
        random.NextBytes(large);
        byte[] compressible = new byte[2 << 20];
        Array.Fill(compressible, (byte)'z');
        using (Db db = OpenMem(fs))
        {
            db.Put(B("a"), B("before"));
            db.Put(B("big"), large);
            db.Put(B("big2"), compressible, new WriteOptions { Sync = true });
            db.Write(new WriteBatch().Put(B("c"), B("after")).Put(B("batched"), large));
            Assert.Equal(large, db.Get(B("big")));
        }

        using (Db db = OpenMem(fs)) // everything replayed from the WAL
        {
            db.Put(B("unlogged"), compressible, new WriteOptions { DisableWal = true });
            AssertAll(db);
            db.Flush();
            AssertAll(db);
            db.Put(B("big"), compressible); // a newer version over the table's
            db.CompactRange();
            Assert.Equal(compressible, db.Get(B("big")));
            Assert.Empty(db.VerifyChecksums());
        }

        void AssertAll(Db db)
        {
            Assert.Equal(B("before"), db.Get(B("a")));
            Assert.Equal(large, db.Get(B("big")));
            Assert.Equal(compressible, db.Get(B("big2")));
            Assert.Equal(B("after"), db.Get(B("c")));
            Assert.Equal(large, db.Get(B("batched")));
            Assert.Equal(compressible, db.Get(B("unlogged")));
            using Iterator it = db.NewIterator();
            var keys = new List<string>();
            for (it.SeekToFirst(); it.Valid; it.Next())
            {
                keys.Add(System.Text.Encoding.UTF8.GetString(it.Key));
            }

            Assert.Equal(["a", "batched", "big", "big2", "c", "unlogged"], keys);
        }
    }

    [Fact]
    public void Reversed_DeleteRange_is_refused_and_empty_range_is_fine()
    {
        using Db db = OpenMem();
        db.Put(B("b"), B("1"));
        Assert.Throws<ArgumentException>(() => db.DeleteRange(B("c"), B("a")));
        db.DeleteRange(B("b"), B("b"));
        Assert.Equal(B("1"), db.Get(B("b")));
        db.DeleteRange(B("a"), B("c"));
        Assert.Null(db.Get(B("b")));
    }

    [Fact]
    public void Deleting_an_absent_key_is_not_an_error()
    {
        using Db db = OpenMem();
        db.Delete(B("never"));
        Assert.Null(db.Get(B("never")));
    }

    [Fact]
    public void Sync_without_WAL_is_refused()
    {
        using Db db = OpenMem();
        Assert.Throws<ArgumentException>(() => db.Put(B("k"), B("v"), new WriteOptions { Sync = true, DisableWal = true }));
    }

    [Fact]
    public void Use_after_dispose_throws_ObjectDisposedException()
    {
        Db db = OpenMem();
        db.Put(B("k"), B("v"));
        Iterator it = db.NewIterator();
        db.Dispose();
        Assert.Throws<ObjectDisposedException>(() => db.Put(B("k"), B("v")));
        Assert.Throws<ObjectDisposedException>(() => db.Get(B("k")));
        Assert.Throws<ObjectDisposedException>(() => db.NewIterator());
        Assert.Throws<ObjectDisposedException>(() => db.GetSnapshot());
        Assert.Throws<ObjectDisposedException>(() => db.Flush());
        Assert.Throws<ObjectDisposedException>(() => it.SeekToFirst());
        db.Dispose(); // twice is fine
    }

    [Fact]
    public void Batch_is_atomic_and_takes_consecutive_sequence_numbers()
    {
        using Db db = OpenMem();
        ulong before = db.LatestSequenceNumber;
        var batch = new WriteBatch().Put(B("a"), B("1")).Put(B("b"), B("2")).Delete(B("a")).DeleteRange(B("x"), B("y"));
        Assert.Equal(4, batch.Count);
        db.Write(batch);
        Assert.Equal(before + 4, db.LatestSequenceNumber);
        Assert.Null(db.Get(B("a")));
        Assert.Equal(B("2"), db.Get(B("b")));
    }

    [Fact]
    public void NoWal_writes_survive_a_clean_close()
    {
        var fs = new MemFileSystem();
        using (Db db = OpenMem(fs))
        {
            db.Put(B("k"), B("v"), new WriteOptions { DisableWal = true });
        }
        using Db again = OpenMem(fs);
        Assert.Equal(B("v"), again.Get(B("k")));
    }

    [Fact]
    public void Synced_writes_survive_a_power_loss_and_unsynced_ones_may_not()
    {
        var fs = new MemFileSystem();
        Db db = OpenMem(fs);
        db.Put(B("synced"), B("1"), new WriteOptions { Sync = true });
        db.Put(B("unsynced"), B("2"));
        fs.DropUnsyncedData(); // the machine dies; the process never closes the database
        fs.ReleaseLocks();
        using Db again = Db.Open("/db", new DbOptions { FileSystem = fs });
        Assert.Equal(B("1"), again.Get(B("synced")));
        Assert.Null(again.Get(B("unsynced")));
        GC.KeepAlive(db);
    }

    [Fact]
    public void An_IO_error_fails_the_write_then_writes_are_refused_and_reads_go_on()
    {
        var mem = new MemFileSystem();
        var fs = new FailingFileSystem(mem);
        var listener = new RecordingListener();
        var options = new DbOptions { CreateIfMissing = true, FileSystem = fs, Listener = listener };
        Db db = Db.Open("/db", options);
        db.Put(B("before"), B("1"), new WriteOptions { Sync = true });
        fs.FailWrites = true;
        Assert.Throws<IOException>(() => db.Put(B("during"), B("2"), new WriteOptions { Sync = true }));
        fs.FailWrites = false;
        var refused = Assert.Throws<BackgroundErrorException>(() => db.Put(B("after"), B("3")));
        Assert.IsType<IOException>(refused.InnerException);
        Assert.Single(listener.Errors);
        Assert.Equal(B("1"), db.Get(B("before")));
        Assert.Throws<BackgroundErrorException>(() => db.Flush());
        db.Dispose();

        using Db again = Db.Open("/db", new DbOptions { FileSystem = mem });
        Assert.Equal(B("1"), again.Get(B("before")));
        Assert.Null(again.Get(B("after")));
        again.Put(B("after"), B("3"));
        Assert.Equal(B("3"), again.Get(B("after")));
    }

    [Fact]
    public void A_failed_flush_puts_the_database_in_the_error_state_without_losing_acknowledged_writes()
    {
        var mem = new MemFileSystem();
        var fs = new FailingFileSystem(mem);
        Db db = Db.Open("/db", new DbOptions { CreateIfMissing = true, FileSystem = fs });
        db.Put(B("k"), B("v"), new WriteOptions { Sync = true });
        fs.FailWrites = true;
        Assert.ThrowsAny<Exception>(() => db.Flush());
        fs.FailWrites = false;
        Assert.Throws<BackgroundErrorException>(() => db.Put(B("x"), B("y")));
        Assert.Equal(B("v"), db.Get(B("k")));
        db.Dispose();
        using Db again = Db.Open("/db", new DbOptions { FileSystem = mem });
        Assert.Equal(B("v"), again.Get(B("k")));
    }

    [Fact]
    public void Memtable_switches_and_background_flushes_keep_every_write()
    {
        var fs = new MemFileSystem();
        var listener = new RecordingListener();
        using (Db db = Db.Open("/db", new DbOptions { CreateIfMissing = true, FileSystem = fs, WriteBufferSize = 16 << 10, Listener = listener }))
        {
            for (int i = 0; i < 5000; i++)
            {
                db.Put(B($"key{i:D6}"), B($"value{i}"));
            }
            db.Flush();
            Assert.True(listener.Flushes > 5, $"only {listener.Flushes} flushes");
            for (int i = 0; i < 5000; i += 97)
            {
                Assert.Equal(B($"value{i}"), db.Get(B($"key{i:D6}")));
            }
        }
        Assert.Single(fs.ListFiles("/db"), n => n.EndsWith(".log", StringComparison.Ordinal));
        using Db again = Db.Open("/db", new DbOptions { FileSystem = fs });
        using Iterator it = again.NewIterator();
        int count = 0;
        for (it.SeekToFirst(); it.Valid; it.Next())
        {
            count++;
        }
        Assert.Equal(5000, count);
    }

    [Fact]
    public void Writes_go_on_into_new_memtables_while_older_frozen_ones_wait_for_a_held_flush_and_all_land_in_order()
    {
        var fs = new HookFileSystem(new MemFileSystem());
        using ManualResetEventSlim flushMayGo = fs.HoldTableCreates(); // the flush waits: frozen memtables live only in their WALs
        using Db db = Db.Open("/db", new DbOptions { CreateIfMissing = true, FileSystem = fs, WriteBufferSize = 64 << 10, MaxWriteBufferNumber = 4 });
        byte[] value = new byte[100];
        // Three memtables' worth: the first two freeze while the flush of the first is held, so three memtables
        // (one mutable, two frozen) coexist and no write stalls. The same key is overwritten in every memtable, so a
        // read must find the newest version across them.
        int written = 0;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (db.GetProperty("aimlsm.num-immutable-mem-table") != "2")
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"no second frozen memtable after {written} writes");
            value[0] = (byte)written;
            db.Put(B($"k{written % 500:D4}"), value);
            db.Put(B("same"), B($"v{written}"));
            written++;
        }
        Assert.Equal(B($"v{written - 1}"), db.Get(B("same")));
        Assert.DoesNotContain(fs.ListFiles("/db"), f => f.EndsWith(".sst", StringComparison.Ordinal));
        flushMayGo.Set();
        db.Flush();
        Assert.Equal("0", db.GetProperty("aimlsm.num-immutable-mem-table"));
        Assert.Equal(B($"v{written - 1}"), db.Get(B("same")));
        // Only the live memtable's WAL is left: every frozen one's went with its flush.
        Assert.Single(fs.ListFiles("/db"), f => f.EndsWith(".log", StringComparison.Ordinal));
        for (int i = Math.Max(0, written - 500); i < written; i++)
        {
            Assert.Equal((byte)i, db.Get(B($"k{i % 500:D4}"))![0]);
        }
    }

    [Fact]
    public void A_power_loss_with_two_frozen_memtables_unflushed_recovers_every_WAL_in_order()
    {
        // Three WALs live at once (two frozen memtables held from their flush, one mutable): the switch syncs each
        // old WAL, so a synced write in the newest one makes everything before it durable across all three.
        var mem = new MemFileSystem();
        var fs = new HookFileSystem(mem);
        using ManualResetEventSlim flushMayGo = fs.HoldTableCreates(); // the flush waits: frozen memtables live only in their WALs
        Db db = Db.Open("/db", new DbOptions { CreateIfMissing = true, FileSystem = fs, WriteBufferSize = 4096, MaxWriteBufferNumber = 3 });
        int n = 0;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (db.GetProperty("aimlsm.num-immutable-mem-table") != "2")
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"no second frozen memtable after {n} writes");
            db.Put(B("same"), B($"v{n}"));
            db.Put(B($"k{n:D5}"), new byte[100]);
            n++;
        }
        Assert.Equal(3, mem.ListFiles("/db").Count(f => f.EndsWith(".log", StringComparison.Ordinal)));
        db.Put(B("acked"), B("durable"), new WriteOptions { Sync = true });

        mem.DropUnsyncedData(); // power loss
        mem.ReleaseLocks();
        fs.Dead = true;
        flushMayGo.Set();

        using Db again = Db.Open("/db", new DbOptions { FileSystem = mem });
        Assert.Equal(B("durable"), again.Get(B("acked")));
        Assert.Equal(B($"v{n - 1}"), again.Get(B("same")));
        for (int i = 0; i < n; i++)
        {
            Assert.NotNull(again.Get(B($"k{i:D5}")));
        }
        Assert.False(again.RecoveryReport.StoppedEarly);
        GC.KeepAlive(db);
    }
}

internal sealed class RecordingListener : EventListener
{
    public List<Exception> Errors { get; } = [];

    public List<WalRecoveryReport> Recoveries { get; } = [];

    public int Flushes;

    public override void OnBackgroundError(Exception error)
    {
        lock (Errors)
        {
            Errors.Add(error);
        }
    }

    public override void OnFlushCompleted(FlushInfo info) => Interlocked.Increment(ref Flushes);

    public override void OnWalRecovery(WalRecoveryReport report) => Recoveries.Add(report);
}
