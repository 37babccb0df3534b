using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using AimLsm.CrashChild;
using AimLsm.Kv;
using AimLsm.Kv.IO;
using AimLsm.Testing;
using AimLsm.Tests.Testing;
using AimLsm.Tree;
using Xunit.Abstractions;

namespace AimLsm.Tests.Crash;

/// <summary>
/// AimLsm.Testing used the way another project's tests use it: only its public API and the public API of the
/// engine (nothing here needs this assembly's InternalsVisibleTo), fuzzing a <see cref="Db"/> with the model
/// checker and under power loss, and a <see cref="Repo"/> killed with SIGKILL by the crash harness. The first test is
/// also the README's "Fuzz your storage" example, as written.
/// </summary>
public class TestingPackageTests(ITestOutputHelper output)
{
    private static int RepoCycles() =>
        int.TryParse(Environment.GetEnvironmentVariable("AIMLSM_CRASH_CYCLES"), out int n) ? n
        : Environment.GetEnvironmentVariable("AIMLSM_SOAK") == "1" ? 100 : 8;

    [Fact]
    public void Testing_readme_example_runs_as_written()
    {
        ModelCheckReport report = ModelChecker.Check(new ModelCheckOptions { Cases = 500, Seed = 42 });  // throws the shrunk case

        var fs = new FaultInjectionFileSystem(new MemFileSystem());
        var options = new DbOptions { CreateIfMissing = true, FileSystem = fs, WriteBufferSize = 64 << 10 };
        var oracle = new CrashOracle();
        var rng = new Random(42);
        Db db = Db.Open("/db", options);
        for (long id = 1; id <= 2000; id++)
        {
            OracleBatch b = oracle.Issue(id, oracle.RandomBatch(rng), sync: rng.Next(10) == 0);
            db.Write(CrashWorkload.ToBatch(id, b.Ops), new WriteOptions { Sync = b.Sync });
            b.Acked = true;
        }
        fs.SimulatePowerLoss(); db.Dispose(); fs.Active = true;        // power off (unsynced bytes are gone), then the reboot
        using Db again = Db.Open("/db", options);
        Assert.True(oracle.FindPrefix(again) >= 0, "a synced batch was lost, or a batch came back in part");

        Assert.Equal(500, report.Cases);
        int recovered = oracle.FindPrefix(again);
        Assert.True(oracle.DurablePrefix() > 0, "no batch was synced: the check proved nothing");
        Assert.InRange(recovered, oracle.DurablePrefix(), oracle.AckedPrefix());
        output.WriteLine($"model: {report}; power loss: {recovered} of {oracle.AckedPrefix()} acknowledged batches recovered, {oracle.DurablePrefix()} had to be");
    }

    [Fact]
    public void The_power_loss_oracle_rejects_a_lost_write_and_a_foreign_value()
    {
        var options = new DbOptions { CreateIfMissing = true, FileSystem = new MemFileSystem() };
        var oracle = new CrashOracle();
        var rng = new Random(5);
        using Db db = Db.Open("/db", options);
        for (long id = 1; id <= 50; id++)
        {
            OracleBatch b = oracle.Issue(id, [new CrashOp(CrashOp.Put, CrashWorkload.Key(rng.Next(CrashWorkload.KeySpace)), null)], sync: true);
            db.Write(CrashWorkload.ToBatch(id, b.Ops), new WriteOptions { Sync = true });
            b.Acked = true;
        }
        Assert.Equal(50, oracle.FindPrefix(db));

        string last = oracle.History[^1].Ops[0].Key;
        db.Delete(System.Text.Encoding.ASCII.GetBytes(last));           // a synced write lost behind the oracle's back
        Assert.Equal(-1, oracle.FindPrefix(db));

        db.Put(System.Text.Encoding.ASCII.GetBytes(last), "7:nonsense"u8); // a value no batch wrote
        var e = Assert.Throws<ExpectedStateException>(() => oracle.FindPrefix(db));
        Assert.Contains(last, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_model_checker_fuzzes_a_db_on_disk()
    {
        using var dir = new TempDirectory();
        int n = 0;
        ModelCheckReport report = ModelChecker.Check(new ModelCheckOptions
        {
            Cases = 12,
            Storage = () => (DiskFileSystem.Instance, dir.Sub("db" + (++n).ToString(CultureInfo.InvariantCulture))),
        });
        Assert.Equal(12, n);
        Assert.Equal(12, Directory.GetDirectories(dir.Path).Length);
        output.WriteLine($"model on disk: {report}");
    }

    [Fact]
    public void A_killed_repo_keeps_every_flushed_point_and_only_points_tracked()
    {
        using var dir = new TempDirectory();
        var options = new CrashHarnessOptions
        {
            ChildPath = CrashChildBinary.Path,
            ChildArguments = [RepoCrashWorkload.Mode],
            Cycles = RepoCycles(),
        };
        long pointsChecked = 0;
        int runsChecked = 0;
        CrashHarnessReport report = CrashHarness.Run(options, dir.Path, cycle =>
        {
            // What must be there: per run, the points of its last flush that returned (or was found applied).
            var flushed = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (CrashRecord r in cycle.History)
            {
                (string hash, long points) = ParseStep(r);
                flushed[hash] = Math.Max(flushed.GetValueOrDefault(hash), points);
            }
            var found = new Dictionary<string, long>(StringComparer.Ordinal);
            using (Repo repo = Repo.Open(cycle.Directory))
            {
                foreach (Run run in repo.Runs)
                {
                    found[run.Hash] = CheckedPoints(run, cycle.Context);
                    pointsChecked += found[run.Hash];
                    runsChecked++;
                }
            }
            foreach ((string hash, long points) in flushed)
            {
                long have = found.GetValueOrDefault(hash, -1);
                Assert.True(have >= points, $"run {hash} has {have} points after the kill, but a flush of {points} had returned ({cycle.Context})");
            }
            return cycle.Pending is { } p && found.GetValueOrDefault(ParseStep(p).Hash, -1) >= ParseStep(p).Points;
        });
        Assert.True(report.Acknowledged > 0, $"no flush returned in any cycle: {report}");
        output.WriteLine($"repo crash: {report}; {runsChecked} run reads, {pointsChecked} points checked");
    }

    /// <summary>The package is what a user gets: no engine assembly opens its internals to it or references it.</summary>
    [Fact]
    public void The_package_sees_only_the_public_api_of_the_engine()
    {
        Assembly testing = typeof(ModelChecker).Assembly;
        foreach (Assembly engine in new[] { typeof(Db).Assembly, typeof(Repo).Assembly })
        {
            Assert.DoesNotContain(engine.GetCustomAttributes<InternalsVisibleToAttribute>(), v => v.AssemblyName.Split(',')[0].Trim() == testing.GetName().Name);
            Assert.DoesNotContain(engine.GetReferencedAssemblies(), r => r.Name == testing.GetName().Name);
        }
        Assert.Contains(testing.GetReferencedAssemblies(), r => r.Name == typeof(Db).Assembly.GetName().Name);
    }

    private static (string Hash, long Points) ParseStep(CrashRecord r)
    {
        string[] f = r.Text.Split(' ');
        return (f[0], long.Parse(f[1], CultureInfo.InvariantCulture));
    }

    /// <summary>The points of the run's loss sequence, each checked: steps 0, 1, 2, ... with the value the workload tracked there.</summary>
    private static long CheckedPoints(Run run, string context)
    {
        if (!run.Sequences.Any(s => s.Name == RepoCrashWorkload.Loss))
        {
            return 0;
        }
        SequenceData data = run.GetSequence(RepoCrashWorkload.Loss).Read();
        for (int i = 0; i < data.Count; i++)
        {
            if (data.Steps[i] != i || data.Numbers![i] != RepoCrashWorkload.LossAt(i))
            {
                Assert.Fail($"run {run.Hash} point {i} is step {data.Steps[i]} = {data.Numbers?[i]}, not step {i} = {RepoCrashWorkload.LossAt(i)} ({context})");
            }
        }
        return data.Count;
    }
}
