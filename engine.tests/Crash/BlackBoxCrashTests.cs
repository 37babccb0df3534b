using AimLsm.Kv;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using AimLsm.CrashChild;
using AimLsm.Tests.Testing;
using Xunit.Abstractions;

namespace AimLsm.Tests.Crash;

/// <summary>
/// The black-box crash test (RocksDB's <c>db_crashtest.py blackbox</c>): a child process (AimLsm.CrashChild) writes
/// random batches on the real disk, logging each as pending before the write and acknowledged after it; the test
/// kills it with SIGKILL at a random moment, reopens the database and checks it against the log, then lets a new
/// child write on. CI runs 30 cycles; AIMLSM_CRASH_CYCLES=N or AIMLSM_SOAK=1 (500) run more.
/// </summary>
/// <remarks>
/// The child writes one batch at a time, so the check is exact: the database must hold the state after every
/// acknowledged batch (a process kill loses nothing that reached the OS, synced or not), plus, possibly, the one
/// pending batch, whole. Anything else is reported as what it is: an acknowledged batch missing, a value never
/// written, or a batch partly applied.
/// </remarks>
public class BlackBoxCrashTests(ITestOutputHelper output)
{
    private static int Cycles() =>
        int.TryParse(Environment.GetEnvironmentVariable("AIMLSM_CRASH_CYCLES"), out int n) ? n
        : Environment.GetEnvironmentVariable("AIMLSM_SOAK") == "1" ? 500 : 30;

    [Fact]
    public void Killed_writer_recovers_every_acknowledged_batch_and_no_partial_one()
    {
        int cycles = Cycles();
        int seed = Environment.TickCount;
        var rng = new Random(seed);
        using var dir = new TempDirectory();
        string db = dir.Sub("db");
        string childDll = Path.Combine(AppContext.BaseDirectory, "AimLsm.CrashChild.dll");
        Assert.True(File.Exists(childDll), $"the crash child is missing at {childDll}");

        var model = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long nextId = 1, acked = 0, pendingSeen = 0, pendingApplied = 0, killedBeforeReady = 0, verifiedKeys = 0;
        string levels = "";
        var watch = Stopwatch.StartNew();
        for (int cycle = 0; cycle < cycles; cycle++)
        {
            string log = dir.Sub($"oracle-{cycle}.log");
            int childSeed = rng.Next();
            // One cycle in six kills at a random moment from process start (possibly during Db.Open's recovery);
            // the others once the child is writing.
            bool early = rng.Next(6) == 0;
            int waitMs = early ? rng.Next(50, 800) : rng.Next(100, 1500);
            bool ready = RunAndKill(childDll, db, log, childSeed, nextId, early, waitMs);
            if (!ready)
            {
                killedBeforeReady++;
            }

            Batches batches = ReadLog(log, nextId);
            var mode = cycle % 2 == 0 ? WalRecoveryMode.PointInTime : WalRecoveryMode.TolerateCorruptedTailRecords;
            SortedDictionary<string, long> actual;
            using (Db d = Db.Open(db, new DbOptions { WalRecoveryMode = mode }))
            {
                actual = ReadAll(d);
                levels = string.Join("/", Enumerable.Range(0, 7).Select(l => d.GetProperty("aimlsm.num-files-at-level" + l)));
            }
            foreach ((long id, List<CrashOp> ops) in batches.Acked)
            {
                CrashWorkload.Apply(model, id, ops);
            }
            acked += batches.Acked.Count;
            string context = $"cycle {cycle}, seed {seed}, child seed {childSeed}, options seed {childSeed}, recovery {mode}, "
                + $"batches {nextId}..{batches.NextId - 1}, {batches.Acked.Count} acked, pending {batches.Pending?.Id.ToString(CultureInfo.InvariantCulture) ?? "none"}";
            if (!SameState(model, actual))
            {
                bool matchesPending = false;
                if (batches.Pending is { } p)
                {
                    var withPending = new SortedDictionary<string, long>(model, StringComparer.Ordinal);
                    CrashWorkload.Apply(withPending, p.Id, p.Ops);
                    matchesPending = SameState(withPending, actual);
                    if (matchesPending)
                    {
                        model = withPending;
                        pendingApplied++;
                    }
                }
                Assert.True(matchesPending, Explain(model, actual, batches, context));
            }
            pendingSeen += batches.Pending is null ? 0 : 1;
            verifiedKeys += actual.Count;
            nextId = batches.NextId;
        }
        output.WriteLine($"black-box crash: {cycles} kill-and-verify cycles in {watch.Elapsed.TotalSeconds:F1} s (seed {seed}); "
            + $"{acked} batches acknowledged, {pendingSeen} pending at the kill ({pendingApplied} found applied), "
            + $"{killedBeforeReady} kills before the child was ready, {verifiedKeys} key checks; tables per level at the end {levels}");
    }

    /// <summary>Starts the child, waits, kills it with SIGKILL. Returns whether it had said "ready".</summary>
    private static bool RunAndKill(string childDll, string db, string log, int seed, long firstId, bool fromStart, int waitMs)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            // Never the test process's current directory, which a parallel test may have changed and deleted.
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { childDll, db, log, seed.ToString(CultureInfo.InvariantCulture), firstId.ToString(CultureInfo.InvariantCulture) })
        {
            psi.ArgumentList.Add(a);
        }
        using var child = Process.Start(psi)!;
        var stderr = new StringBuilder();
        child.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        child.BeginErrorReadLine();
        using var readySignal = new ManualResetEventSlim(false);
        child.OutputDataReceived += (_, e) =>
        {
            if (e.Data == "ready")
            {
                readySignal.Set();
            }
        };
        child.BeginOutputReadLine();
        if (!fromStart)
        {
            // A child that dies on its own never says ready; it is caught below.
            if (!readySignal.Wait(TimeSpan.FromSeconds(30)) && !child.HasExited)
            {
                child.Kill();
                Assert.Fail("the crash child did not open the database within 30 s");
            }
        }
        bool exited = child.WaitForExit(waitMs);
        if (exited)
        {
            child.WaitForExit();
            lock (stderr)
            {
                Assert.Fail($"the crash child exited by itself (code {child.ExitCode}) before the kill: {stderr}");
            }
        }
        child.Kill(); // SIGKILL on Unix: no finalizers, no Dispose, no flush
        child.WaitForExit();
        return readySignal.IsSet;
    }

    private sealed record Pending(long Id, List<CrashOp> Ops);

    private sealed record Batches(List<(long Id, List<CrashOp> Ops)> Acked, Pending? Pending, long NextId);

    /// <summary>Reads the child's expected-state log. A torn last line (no newline) is ignored: it never happened.</summary>
    private static Batches ReadLog(string log, long firstId)
    {
        var acked = new List<(long, List<CrashOp>)>();
        Pending? pending = null;
        long next = firstId;
        if (!File.Exists(log))
        {
            return new Batches(acked, null, next);
        }
        string text = File.ReadAllText(log);
        int end = text.LastIndexOf('\n');
        foreach (string line in (end < 0 ? "" : text[..end]).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] f = line.Split(' ');
            long id = long.Parse(f[1], CultureInfo.InvariantCulture);
            if (f[0] == "pending")
            {
                Assert.True(pending is null && id == next, $"log out of order at '{line}'");
                pending = new Pending(id, CrashWorkload.ParseOps(f));
            }
            else
            {
                Assert.True(f[0] == "ack" && pending is not null && pending.Id == id, $"log out of order at '{line}'");
                acked.Add((id, pending!.Ops));
                pending = null;
                next = id + 1;
            }
        }
        return new Batches(acked, pending, pending is null ? next : pending.Id + 1);
    }

    /// <summary>Every key, by forward iteration, checked against a backward walk and point reads.</summary>
    private static SortedDictionary<string, long> ReadAll(Db db)
    {
        var state = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var forward = new List<(string, byte[])>();
        using (Iterator it = db.NewIterator())
        {
            for (it.SeekToFirst(); it.Valid; it.Next())
            {
                forward.Add((System.Text.Encoding.ASCII.GetString(it.Key), it.Value.ToArray()));
            }
            int i = forward.Count;
            for (it.SeekToLast(); it.Valid; it.Prev())
            {
                i--;
                Assert.True(i >= 0 && forward[i].Item1 == System.Text.Encoding.ASCII.GetString(it.Key), "backward iteration disagrees with forward iteration");
            }
            Assert.Equal(0, i);
        }
        foreach ((string key, byte[] value) in forward)
        {
            long id = CrashWorkload.BatchIdOf(value);
            // A value never written (or torn, or someone else's) fails here whatever the log says.
            Assert.True(id > 0 && value.AsSpan().SequenceEqual(CrashWorkload.Value(id, key)),
                $"key {key} holds a value no batch wrote: '{System.Text.Encoding.ASCII.GetString(value)}'");
            Assert.Equal(value, db.Get(System.Text.Encoding.ASCII.GetBytes(key)));
            state[key] = id;
        }
        for (int k = 0; k < CrashWorkload.KeySpace; k += 37)
        {
            string key = CrashWorkload.Key(k);
            Assert.Equal(state.ContainsKey(key), db.Get(System.Text.Encoding.ASCII.GetBytes(key)) is not null);
        }
        return state;
    }

    private static bool SameState(SortedDictionary<string, long> a, SortedDictionary<string, long> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out long v) && v == kv.Value);

    /// <summary>Says which guarantee broke, key by key.</summary>
    private static string Explain(SortedDictionary<string, long> expected, SortedDictionary<string, long> actual, Batches batches, string context)
    {
        var sb = new StringBuilder($"recovered state is not the acknowledged history (nor it plus the pending batch): {context}\n");
        int shown = 0;
        foreach (string key in expected.Keys.Union(actual.Keys).Order(StringComparer.Ordinal))
        {
            bool hasE = expected.TryGetValue(key, out long e), hasA = actual.TryGetValue(key, out long a);
            if (hasE == hasA && e == a)
            {
                continue;
            }
            string what = !hasA ? "missing (an acknowledged write lost?)"
                : batches.Pending is { } p && a == p.Id ? "holds the pending batch while other keys do not (partly applied?)"
                : hasE && a < e ? "holds an older value (an acknowledged overwrite lost?)"
                : "holds a value the acknowledged history does not explain";
            sb.Append(CultureInfo.InvariantCulture, $"  {key}: expected {(hasE ? "batch " + e : "absent")}, found {(hasA ? "batch " + a : "absent")}: {what}\n");
            if (++shown == 20)
            {
                sb.Append("  ...\n");
                break;
            }
        }
        return sb.ToString();
    }
}
