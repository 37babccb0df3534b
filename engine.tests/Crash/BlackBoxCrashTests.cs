using AimLsm.Kv;
using System.Globalization;
using System.Text;
using AimLsm.Testing;
using AimLsm.Tests.Testing;
using Xunit.Abstractions;

namespace AimLsm.Tests.Crash;

/// <summary>
/// The black-box crash test (RocksDB's <c>db_crashtest.py blackbox</c>) on AimLsm.Testing's <see cref="CrashHarness"/>:
/// a child process (AimLsm.CrashChild, <c>DbCrashWorkload</c>) writes random batches on the real disk, logging each
/// as pending before the write and acknowledged after it; the harness kills it with SIGKILL at a random moment, the
/// test reopens the database and checks it against the log, then a new child writes on. CI runs 30 cycles; AIMLSM_CRASH_CYCLES=N or AIMLSM_SOAK=1 (500) run more.
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
        using var dir = new TempDirectory();
        var options = new CrashHarnessOptions
        {
            ChildPath = CrashChildBinary.Path,
            Cycles = Cycles(),
        };
        var model = new SortedDictionary<string, long>(StringComparer.Ordinal);
        long verifiedKeys = 0;
        string levels = "";
        CrashHarnessReport report = CrashHarness.Run(options, dir.Path, cycle =>
        {
            var mode = cycle.Index % 2 == 0 ? WalRecoveryMode.PointInTime : WalRecoveryMode.TolerateCorruptedTailRecords;
            SortedDictionary<string, long> actual;
            // A child killed before it said ready, with nothing written in any cycle yet, may have died before it
            // created the database (seen once under load: "no database" after 227 ms); an empty one is then right.
            bool nothingWritten = cycle.History.Count == 0 && cycle.Pending is null && !cycle.ReachedReady;
            using (Db d = Db.Open(cycle.Directory, new DbOptions { WalRecoveryMode = mode, CreateIfMissing = nothingWritten }))
            {
                actual = ReadAll(d);
                levels = string.Join("/", Enumerable.Range(0, 7).Select(l => d.GetProperty("aimlsm.num-files-at-level" + l)));
            }
            foreach (CrashRecord r in cycle.Acknowledged)
            {
                CrashWorkload.Apply(model, r.Id, CrashWorkload.ParseOps(r.Text));
            }
            verifiedKeys += actual.Count;
            string context = $"{cycle.Context}, options seed {cycle.ChildSeed}, recovery {mode}";
            if (SameState(model, actual))
            {
                return false;
            }
            if (cycle.Pending is { } p)
            {
                var withPending = new SortedDictionary<string, long>(model, StringComparer.Ordinal);
                CrashWorkload.Apply(withPending, p.Id, CrashWorkload.ParseOps(p.Text));
                if (SameState(withPending, actual))
                {
                    model = withPending;
                    return true;
                }
            }
            Assert.Fail(Explain(model, actual, cycle.Pending, context));
            return false;
        });
        output.WriteLine($"black-box crash: {report}; {verifiedKeys} key checks; tables per level at the end {levels}");
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
    private static string Explain(SortedDictionary<string, long> expected, SortedDictionary<string, long> actual, CrashRecord? pending, string context)
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
                : pending is { } p && a == p.Id ? "holds the pending batch while other keys do not (partly applied?)"
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
