using AimLsm.Kv;
using System.Diagnostics;
using System.Text;
using AimLsm.Testing;
using AimLsm.Kv.IO;
using Xunit.Abstractions;

namespace AimLsm.Tests.Crash;

/// <summary>
/// Simulated power loss (RocksDB's <c>sync_fault_injection</c> crash test, LevelDB's fault_injection_test): writers
/// commit random batches, mixing synced and unsynced writes, while flushes and compactions run; at a random moment
/// the <see cref="FaultInjectionFileSystem"/> drops every unsynced byte and every un-synced directory change (and,
/// in half the cycles, keeps a random torn part of the unsynced bytes). After the reboot each writer's recovered
/// keys must be exactly the state after some prefix of its history that includes every acknowledged synced batch:
/// synced writes survive, batches are all or nothing, and nothing after a hole survives. Then it writes on.
/// CI: 30 cycles per writer count; AIMLSM_POWERLOSS_CYCLES=N, or AIMLSM_SOAK=1 (600).
/// </summary>
public class PowerLossTests(ITestOutputHelper output)
{
    private static int Cycles() =>
        int.TryParse(Environment.GetEnvironmentVariable("AIMLSM_POWERLOSS_CYCLES"), out int n) ? n
        : Environment.GetEnvironmentVariable("AIMLSM_SOAK") == "1" ? 600 : 30;

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Power_loss_keeps_every_synced_batch_and_recovers_a_prefix_without_holes(int writers)
    {
        int cycles = Cycles();
        int seed = Environment.TickCount ^ writers;
        var rng = new Random(seed);
        var mem = new MemFileSystem();
        string[] prefixes = Enumerable.Range(0, writers).Select(w => $"w{w}").ToArray();
        var oracles = prefixes.Select(p => new CrashOracle(p, new SortedDictionary<string, long>(StringComparer.Ordinal))).ToArray();
        long nextId = 1, acked = 0, synced = 0, lostUnsynced = 0, pendingApplied = 0;
        long bytesDropped = 0, filesRemoved = 0, renamesUndone = 0, deletesUndone = 0;
        var watch = Stopwatch.StartNew();
        for (int cycle = 0; cycle < cycles; cycle++)
        {
            var fs = new FaultInjectionFileSystem(mem);
            int optionsSeed = rng.Next();
            DbOptions options = CrashWorkload.Options(optionsSeed);
            options.FileSystem = fs;
            options.WalRecoveryMode = cycle % 3 == 2 ? WalRecoveryMode.TolerateCorruptedTailRecords : WalRecoveryMode.PointInTime;
            bool torn = rng.Next(2) == 0;
            string context = $"seed {seed}, cycle {cycle}, options seed {optionsSeed}, torn writes {torn}, recovery {options.WalRecoveryMode}";

            Db db = Db.Open("/db", options);
            long idBase = nextId;
            var threads = new Thread[writers];
            var errors = new Exception?[writers];
            for (int w = 0; w < writers; w++)
            {
                int me = w;
                var wrng = new Random(rng.Next());
                threads[w] = new Thread(() => errors[me] = WriteUntilFailure(db, oracles[me], wrng, idBase + me, writers));
                threads[w].Start();
            }
            Thread.Sleep(rng.Next(2, 120));
            PowerLossStats loss = fs.SimulatePowerLoss(torn ? new Random(rng.Next()) : null);
            foreach (Thread t in threads)
            {
                t.Join();
            }
            for (int w = 0; w < writers; w++)
            {
                Assert.True(errors[w] is IOException or DbException, $"writer {w} stopped with {errors[w]} ({context})");
            }
            db.Dispose(); // the file system is off: nothing the old instance does reaches the "disk"
            fs.Active = true;
            bytesDropped += loss.BytesDropped;
            filesRemoved += loss.FilesRemoved;
            renamesUndone += loss.RenamesUndone;
            deletesUndone += loss.DeletesUndone;

            using (Db again = Db.Open("/db", options))
            {
                Dictionary<string, SortedDictionary<string, long>> actual = CrashOracle.ReadAll(again, prefixes);
                foreach (CrashOracle o in oracles)
                {
                    int durable = o.DurablePrefix();
                    int p = o.FindPrefix(actual[o.KeyPrefix], durable);
                    Assert.True(p >= 0, $"the recovered state is no prefix of the history holding every synced batch: {o.Describe(actual[o.KeyPrefix])} ({context}, {loss})");
                    int ackedHere = o.AckedPrefix();
                    acked += ackedHere;
                    synced += o.History.Take(ackedHere).Count(b => b.Sync);
                    lostUnsynced += Math.Max(0, ackedHere - p);
                    pendingApplied += p > ackedHere ? 1 : 0;
                    nextId = Math.Max(nextId, o.History.Count == 0 ? 0 : o.History[^1].Id + 1);
                    o.Rebase(actual[o.KeyPrefix]);
                }
                // Point reads agree with the scan: every 17th key holds, by Get, the bytes of the batch the scan found
                // (the point path, with its bloom filters and level search, is not the iterator's).
                foreach (KeyValuePair<string, long> entry in actual.Values.SelectMany(s => s).Where((_, i) => i % 17 == 0))
                {
                    byte[]? got = again.Get(System.Text.Encoding.ASCII.GetBytes(entry.Key));
                    Assert.True(got is not null && got.AsSpan().SequenceEqual(CrashWorkload.Value(entry.Value, entry.Key)),
                        $"Get({entry.Key}) returned {(got is null ? "nothing" : $"'{System.Text.Encoding.ASCII.GetString(got)}'")}, the scan batch {entry.Value}'s value ({context})");
                }
            }
            nextId += writers;
        }
        output.WriteLine($"power loss, {writers} writer(s): {cycles} cycles in {watch.Elapsed.TotalSeconds:F1} s (seed {seed}); "
            + $"{acked} batches acked ({synced} synced), {lostUnsynced} acked unsynced batches lost, {pendingApplied} failed batches found applied; "
            + $"dropped {bytesDropped} unsynced bytes, {filesRemoved} un-synced file creations, {renamesUndone} renames and {deletesUndone} deletes undone");
    }

    /// <summary>Writes until a write fails (the power went); returns the failure.</summary>
    private static Exception WriteUntilFailure(Db db, CrashOracle oracle, Random rng, long firstId, int stride)
    {
        var sync = new WriteOptions { Sync = true };
        for (long id = firstId; ; id += stride)
        {
            List<CrashOp> ops = oracle.RandomBatch(rng);
            bool isSync = rng.Next(100) < 20;
            OracleBatch b = oracle.Issue(id, ops, isSync);
            try
            {
                db.Write(CrashWorkload.ToBatch(id, ops), isSync ? sync : WriteOptions.Default);
            }
            catch (Exception e)
            {
                return e;
            }
            b.Acked = true;
        }
    }

    /// <summary>A synced write after many unsynced ones: the power loss keeps it and everything before it.</summary>
    [Fact]
    public void A_synced_write_makes_every_earlier_write_durable_across_memtable_switches()
    {
        var mem = new MemFileSystem();
        var fs = new FaultInjectionFileSystem(mem);
        var options = new DbOptions { CreateIfMissing = true, FileSystem = fs, WriteBufferSize = 8192 };
        Db db = Db.Open("/db", options);
        // Each value names its write (50 bytes, its index in front), so a key that survives with another write's
        // bytes, or with zeros, fails as surely as a lost one.
        static byte[] Value(int i) => System.Text.Encoding.ASCII.GetBytes($"v{i:D5}".PadRight(50, '.'));
        for (int i = 0; i < 2000; i++)
        {
            db.Put(System.Text.Encoding.ASCII.GetBytes($"k{i:D5}"), Value(i), new WriteOptions { Sync = i == 1999 });
        }
        for (int i = 2000; i < 2100; i++)
        {
            db.Put(System.Text.Encoding.ASCII.GetBytes($"k{i:D5}"), Value(i));
        }
        fs.SimulatePowerLoss();
        db.Dispose();
        fs.Active = true;
        using Db again = Db.Open("/db", options);
        for (int i = 0; i < 2000; i++)
        {
            Assert.Equal(Value(i), again.Get(System.Text.Encoding.ASCII.GetBytes($"k{i:D5}")));
        }
        // The unsynced tail may be lost, but whatever of it survived is what was written.
        for (int i = 2000; i < 2100; i++)
        {
            byte[]? got = again.Get(System.Text.Encoding.ASCII.GetBytes($"k{i:D5}"));
            Assert.True(got is null || got.AsSpan().SequenceEqual(Value(i)), $"k{i:D5} came back with other bytes");
        }
    }
}
