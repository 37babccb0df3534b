using AimLsm.Kv;
using System.Diagnostics;
using System.Text;
using AimLsm.Testing;
using AimLsm.Kv.IO;
using AimLsm.Tests.Testing;
using Xunit.Abstractions;

namespace AimLsm.Tests.Crash;

/// <summary>
/// Injected I/O errors (disk full, EIO) on write, sync, create, rename, directory sync and read (Pebble's errorfs,
/// RocksDB's fault-injection FS): the failing call throws, later writes are refused until the database is reopened,
/// and nothing acknowledged is lost, with or without a power loss after the error.
/// </summary>
public class ErrorInjectionTests(ITestOutputHelper output)
{
    private static readonly FaultKind[] WriteSideKinds = [FaultKind.Write, FaultKind.Sync, FaultKind.Create, FaultKind.SyncDirectory, FaultKind.Rename];

    private static int Scale(int ci) => Environment.GetEnvironmentVariable("AIMLSM_SOAK") == "1" ? ci * 20 : ci;

    private static DbOptions SmallOptions(FaultInjectionFileSystem fs, int seed)
    {
        DbOptions o = CrashWorkload.Options(seed);
        o.FileSystem = fs;
        o.CreateIfMissing = true;
        o.BlockCacheSize = 0; // every read reaches the file system
        return o;
    }

    public static TheoryData<FaultKind> Kinds()
    {
        var d = new TheoryData<FaultKind>();
        foreach (FaultKind k in WriteSideKinds)
        {
            d.Add(k);
        }
        d.Add(FaultKind.Read);
        return d;
    }

    /// <summary>
    /// For each kind, faults at many operation indices (one-shot and sticky): the error surfaces as an exception, the
    /// next writes are refused, a reopen with the disk still failing throws an I/O error, and a reopen after it is
    /// repaired holds every acknowledged batch (plus, possibly, the failed one, whole).
    /// </summary>
    [Theory]
    [MemberData(nameof(Kinds))]
    public void Injected_error_fails_the_call_refuses_later_writes_and_loses_nothing_acknowledged(FaultKind kind)
    {
        int cases = Scale(25);
        int seed = Environment.TickCount ^ (int)kind;
        var rng = new Random(seed);
        long faults = 0, surfacedInWrite = 0, surfacedInFlush = 0, acked = 0, failedApplied = 0, noFault = 0, openFailures = 0;
        var watch = Stopwatch.StartNew();
        for (int c = 0; c < cases; c++)
        {
            var mem = new MemFileSystem();
            var fs = new FaultInjectionFileSystem(mem);
            int optionsSeed = rng.Next();
            DbOptions options = SmallOptions(fs, optionsSeed);
            bool sticky = rng.Next(2) == 0;
            long at = rng.Next(kind is FaultKind.Write or FaultKind.Read ? 3000 : 40);
            string context = $"{kind} fault at op {at}, sticky {sticky}, case {c}, seed {seed}, options seed {optionsSeed}";
            var oracle = new CrashOracle("", new SortedDictionary<string, long>(StringComparer.Ordinal));
            Db db = Db.Open("/db", options);
            fs.InjectErrorAt(kind, at, sticky, rng.Next(2) == 0 ? FaultError.DiskFull : FaultError.IoError);
            var wrng = new Random(rng.Next());
            Exception? error = null;
            long id = 1;
            for (; id <= 4000 && error is null; id++)
            {
                List<CrashOp> ops = CrashWorkload.RandomBatch(wrng);
                bool sync = wrng.Next(100) < 20;
                OracleBatch b = oracle.Issue(id, ops, sync);
                try
                {
                    db.Write(CrashWorkload.ToBatch(id, ops), sync ? new WriteOptions { Sync = true } : WriteOptions.Default);
                    b.Acked = true;
                    if (kind == FaultKind.Read && id % 50 == 0)
                    {
                        // Background compactions read; so do point reads. A failed point read throws and is not fatal.
                        try
                        {
                            db.Get(System.Text.Encoding.ASCII.GetBytes(CrashWorkload.Key(wrng.Next(CrashWorkload.KeySpace))));
                        }
                        catch (IOException)
                        {
                        }
                    }
                }
                catch (Exception e)
                {
                    error = e;
                    surfacedInWrite++;
                }
            }
            if (error is null && fs.Faults(kind) > 0)
            {
                // The fault hit a background flush or compaction, or a read: the next write-side call must say so.
                List<CrashOp> probe = [new CrashOp(CrashOp.Put, "zz-probe", null)];
                OracleBatch pb = oracle.Issue(id, probe, sync: false);
                try
                {
                    db.Flush();
                    db.Write(CrashWorkload.ToBatch(id, probe));
                    pb.Acked = true; // a failed user read need not stop writes
                }
                catch (Exception e)
                {
                    error = e;
                    surfacedInFlush++;
                }
                id++;
            }
            if (fs.Faults(kind) == 0)
            {
                noFault++;
            }
            else if (kind != FaultKind.Read || error is not null)
            {
                Assert.True(error is IOException or DbException, $"expected an I/O or database error, got {error?.GetType().Name ?? "none"}: {error} ({context})");
                Assert.False(error is CorruptionException, $"an I/O error was reported as corruption: {error} ({context})");
                // Refused from now on, until reopened: nothing after a failure may be acknowledged.
                for (int i = 0; i < 3; i++, id++)
                {
                    long probe = id;
                    Exception refused = Assert.ThrowsAny<Exception>(() => db.Write(CrashWorkload.ToBatch(probe, [new CrashOp(CrashOp.Put, CrashWorkload.Key(i), null)])));
                    Assert.True(refused is BackgroundErrorException, $"a write after the failure was not refused with BackgroundErrorException but {refused.GetType().Name}: {refused.Message} ({context})");
                }
            }
            faults += fs.Faults(kind);
            db.Dispose();

            if (sticky && fs.Faults(kind) > 0 && kind != FaultKind.Read)
            {
                // The disk is still failing: opening must fail cleanly (an I/O error), and change nothing that matters.
                try
                {
                    using Db _ = Db.Open("/db", options);
                }
                catch (Exception e)
                {
                    Assert.True(e is IOException or DbException and not CorruptionException, $"reopen on a failing disk threw {e} ({context})");
                }
            }
            fs.StopInjecting();
            if (kind == FaultKind.Rename || rng.Next(4) == 0)
            {
                // The next open fails at one of its operations of this kind (renames happen only there: CURRENT).
                long openAt = rng.Next(3);
                long before = fs.Faults(kind);
                fs.InjectErrorAt(kind, openAt, sticky: false);
                try
                {
                    using Db _ = Db.Open("/db", options);
                }
                catch (Exception e)
                {
                    Assert.True(e is IOException or DbException and not CorruptionException, $"an open failing at {kind} op {openAt} threw {e} ({context})");
                    openFailures++;
                }
                faults += fs.Faults(kind) - before;
                fs.StopInjecting();
            }
            using (Db again = Db.Open("/db", options))
            {
                SortedDictionary<string, long> actual = CrashOracle.ReadAll(again, [""])[""];
                int p = oracle.FindPrefix(actual, oracle.AckedPrefix());
                Assert.True(p >= 0, $"after the error and a reopen, the state is not every acknowledged batch: {oracle.Describe(actual)} ({context})");
                acked += oracle.AckedPrefix();
                failedApplied += p > oracle.AckedPrefix() ? 1 : 0;
                again.Put("after"u8, "reopen"u8); // and it writes again
            }
        }
        output.WriteLine($"{kind} faults: {cases} cases in {watch.Elapsed.TotalSeconds:F1} s (seed {seed}); {faults} faults injected "
            + $"({surfacedInWrite} surfaced in a write, {surfacedInFlush} at the next flush/write, {noFault} cases where the op was never reached while writing, {openFailures} failed reopens); "
            + $"{acked} acknowledged batches verified, {failedApplied} failed batches found applied (allowed: they were never acknowledged)");
    }

    /// <summary>Random faults of every kind, then either a clean reopen or a power loss: acked (resp. synced) batches survive.</summary>
    [Fact]
    public void Random_faults_then_reopen_or_power_loss_lose_nothing_acknowledged()
    {
        int cases = Scale(40);
        int seed = Environment.TickCount;
        var rng = new Random(seed);
        long faults = 0, acked = 0, powerLosses = 0;
        var watch = Stopwatch.StartNew();
        for (int c = 0; c < cases; c++)
        {
            var mem = new MemFileSystem();
            var fs = new FaultInjectionFileSystem(mem);
            int optionsSeed = rng.Next();
            DbOptions options = SmallOptions(fs, optionsSeed);
            int faultSeed = rng.Next();
            double p = rng.NextDouble() * 0.004;
            bool powerLoss = rng.Next(2) == 0;
            string context = $"case {c}, seed {seed}, options seed {optionsSeed}, fault seed {faultSeed}, p {p:F5}, power loss {powerLoss}";
            var oracle = new CrashOracle("", new SortedDictionary<string, long>(StringComparer.Ordinal));
            Db db = Db.Open("/db", options);
            fs.InjectErrors(FaultKind.All, p, faultSeed);
            var wrng = new Random(rng.Next());
            for (long id = 1; id <= 3000; id++)
            {
                List<CrashOp> ops = CrashWorkload.RandomBatch(wrng);
                bool sync = wrng.Next(100) < 20;
                OracleBatch b = oracle.Issue(id, ops, sync);
                try
                {
                    db.Write(CrashWorkload.ToBatch(id, ops), sync ? new WriteOptions { Sync = true } : WriteOptions.Default);
                    b.Acked = true;
                }
                catch (Exception e)
                {
                    Assert.True(e is IOException or DbException and not CorruptionException, $"a write failed with {e} ({context})");
                    break;
                }
            }
            faults += fs.Faults(FaultKind.All);
            if (powerLoss)
            {
                fs.SimulatePowerLoss(new Random(rng.Next()));
                powerLosses++;
            }
            db.Dispose();
            fs.Reset();
            using Db again = Db.Open("/db", options);
            SortedDictionary<string, long> actual = CrashOracle.ReadAll(again, [""])[""];
            int need = powerLoss ? oracle.DurablePrefix() : oracle.AckedPrefix();
            Assert.True(oracle.FindPrefix(actual, need) >= 0, $"lost acknowledged data: {oracle.Describe(actual)} ({context})");
            acked += oracle.AckedPrefix();
        }
        output.WriteLine($"random faults: {cases} cases in {watch.Elapsed.TotalSeconds:F1} s (seed {seed}); {faults} faults injected, {powerLosses} power losses, {acked} acked batches verified");
    }

    /// <summary>
    /// Opening crashes at each of its file operations in turn (the error, then a power loss), again and again on
    /// the same directory: every later open must succeed with all the synced data (RocksDB: crash during recovery).
    /// </summary>
    [Fact]
    public void Open_crashing_at_each_file_operation_in_turn_loses_nothing_synced()
    {
        var mem = new MemFileSystem();
        var setupFs = new FaultInjectionFileSystem(mem);
        var options = new DbOptions { CreateIfMissing = true, FileSystem = setupFs, WriteBufferSize = 8192, Level0FileNumCompactionTrigger = 2 };
        var expected = new Dictionary<string, string>();
        using (Db db = Db.Open("/db", options))
        {
            for (int i = 0; i < 1500; i++)
            {
                string k = $"k{i % 700:D4}";
                expected[k] = $"v{i}";
                db.Put(System.Text.Encoding.ASCII.GetBytes(k), System.Text.Encoding.ASCII.GetBytes(expected[k] + new string('x', 40)), new WriteOptions { Sync = i % 100 == 99 || i == 1499 });
            }
        }
        int crashes = 0;
        for (int n = 0; n < 200; n++)
        {
            var fs = new FaultInjectionFileSystem(mem);
            fs.InjectErrorAt(FaultKind.All, n);
            var o = new DbOptions { FileSystem = fs, WriteBufferSize = 8192, DisableAutoCompactions = true }; // only the open itself does I/O
            try
            {
                using Db db = Db.Open("/db", o);
                Assert.Equal(0, fs.Faults(FaultKind.All)); // opened: the n-th operation was never reached
                break;
            }
            catch (Exception e) when (e is IOException or DbException and not CorruptionException)
            {
                crashes++;
            }
            fs.SimulatePowerLoss(new Random(n));
            AssertHolds(Clone(mem), expected, $"after open crashed at operation {n}");
        }
        AssertHolds(mem, expected, "at the end");
        output.WriteLine($"open crashed at each of its first {crashes} file operations in turn; every later open recovered all 700 keys");
        Assert.True(crashes > 5, "the open did too few file operations to test");
    }

    /// <summary>Point reads and iteration under random read errors: the right value or an I/O error, never a wrong value.</summary>
    [Fact]
    public void Read_errors_surface_as_IO_errors_never_as_wrong_data()
    {
        var mem = new MemFileSystem();
        var fs = new FaultInjectionFileSystem(mem);
        var options = new DbOptions { CreateIfMissing = true, FileSystem = fs, WriteBufferSize = 8192, BlockCacheSize = 0, BlockSize = 512 };
        using Db db = Db.Open("/db", options);
        for (int i = 0; i < 3000; i++)
        {
            db.Put(System.Text.Encoding.ASCII.GetBytes($"k{i:D5}"), System.Text.Encoding.ASCII.GetBytes($"v{i}"));
        }
        db.CompactRange();
        fs.InjectErrors(FaultKind.Read, 0.05, 42);
        int ok = 0, failed = 0;
        for (int i = 0; i < 3000; i++)
        {
            try
            {
                Assert.Equal(System.Text.Encoding.ASCII.GetBytes($"v{i}"), db.Get(System.Text.Encoding.ASCII.GetBytes($"k{i:D5}")));
                ok++;
            }
            catch (IOException)
            {
                failed++;
            }
        }
        for (int round = 0; round < 20; round++)
        {
            try
            {
                using Iterator it = db.NewIterator();
                int i = 0;
                for (it.SeekToFirst(); it.Valid; it.Next(), i++)
                {
                    Assert.Equal($"k{i:D5}", System.Text.Encoding.ASCII.GetString(it.Key));
                    Assert.Equal($"v{i}", System.Text.Encoding.ASCII.GetString(it.Value));
                }
                Assert.Equal(3000, i);
                ok++;
            }
            catch (IOException)
            {
                failed++;
            }
        }
        fs.StopInjecting();
        db.Put("still"u8, "writable"u8); // a failed user read is not a background error
        output.WriteLine($"read faults: {fs.Faults(FaultKind.Read)} injected; {ok} reads right, {failed} failed with an I/O error, none wrong");
        Assert.True(failed > 0 && ok > 0);
    }

    /// <summary>
    /// "Resumed explicitly": RocksDB's DB::Resume clears a background error once the cause is gone, without a reopen.
    /// This test was its specification.
    /// </summary>
    [Fact]
    public void Resume_after_a_transient_error_accepts_writes_again_without_a_reopen()
    {
        var fs = new FaultInjectionFileSystem(new MemFileSystem());
        using Db db = Db.Open("/db", new DbOptions { CreateIfMissing = true, FileSystem = fs });
        db.Put("a"u8, "1"u8, new WriteOptions { Sync = true });
        fs.InjectErrorAt(FaultKind.Sync, 0);
        Assert.ThrowsAny<IOException>(() => db.Put("b"u8, "2"u8, new WriteOptions { Sync = true }));
        Assert.Throws<BackgroundErrorException>(() => db.Put("c"u8, "3"u8));
        fs.StopInjecting();
        db.Resume();
        db.Put("d"u8, "4"u8, new WriteOptions { Sync = true });
        Assert.Equal("1"u8.ToArray(), db.Get("a"u8));
        Assert.Equal("4"u8.ToArray(), db.Get("d"u8));
    }

    private static MemFileSystem Clone(MemFileSystem mem)
    {
        var copy = new MemFileSystem();
        copy.CreateDirectory("/db");
        foreach (string name in mem.ListFiles("/db"))
        {
            FsBytes.Write(copy, Path.Combine("/db", name), FsBytes.Read(mem, Path.Combine("/db", name)));
        }
        return copy;
    }

    private static void AssertHolds(MemFileSystem mem, Dictionary<string, string> expected, string when)
    {
        using Db db = Db.Open("/db", new DbOptions { FileSystem = mem });
        foreach ((string k, string v) in expected)
        {
            byte[]? got = db.Get(System.Text.Encoding.ASCII.GetBytes(k));
            Assert.True(got is not null && System.Text.Encoding.ASCII.GetString(got).StartsWith(v + "x", StringComparison.Ordinal),
                $"{when}: {k} should be {v}, is {(got is null ? "absent" : System.Text.Encoding.ASCII.GetString(got))}");
        }
    }
}
