using AimLsm.Testing;
using AimLsm.Tests.Testing;
using FsCheck;
using FsCheck.Fluent;
using Xunit.Abstractions;

namespace AimLsm.Tests.Model;

/// <summary>
/// Model-based tests: random operation sequences (puts, deletes, range deletes, batches, gets, iterator walks in both
/// directions with bounds, snapshots, flushes and reopens) run against the engine and an in-memory oracle.
/// CI runs 2,000 sequences; AIMLSM_SOAK=1 runs 50,000 (or AIMLSM_MODEL_CASES=N).
/// </summary>
public class DbModelTests(ITestOutputHelper output)
{
    private static int CaseCount(int ci) =>
        int.TryParse(Environment.GetEnvironmentVariable("AIMLSM_MODEL_CASES"), out int n) ? n
        : Environment.GetEnvironmentVariable("AIMLSM_SOAK") == "1" ? ci * 25 : ci;

    [Fact]
    public void Random_sequences_match_the_model_in_memory()
    {
        int cases = CaseCount(2000);
        int steps = 0, flushes = 0, reopens = 0;
        Property prop = Prop.ForAll(ModelArbitrary.Arbitrary, c =>
        {
            ModelRunner.Run(c.Ops, c.Options());
            steps += c.Ops.Length;
            flushes += c.Ops.Count(o => o is FlushOp);
            reopens += c.Ops.Count(o => o is ReopenOp);
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(cases).WithQuietOnSuccess(true), prop);
        output.WriteLine($"model: {cases} sequences, {steps} ops, {flushes} explicit flushes, {reopens} reopens");
    }

    [Fact]
    public void Random_sequences_match_the_model_on_disk()
    {
        int cases = CaseCount(60);
        using var dir = new TempDirectory();
        int n = 0;
        Property prop = Prop.ForAll(ModelArbitrary.Arbitrary, c =>
        {
            string path = dir.Sub("db" + Interlocked.Increment(ref n));
            ModelRunner.Run(c.Ops, c.Options(), AimLsm.Kv.IO.DiskFileSystem.Instance, path);
            Directory.Delete(path, recursive: true);
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(cases).WithQuietOnSuccess(true), prop);
    }

    /// <summary>
    /// Metamorphic: the same operation log under every option set must give identical reads. Each set is checked
    /// against the oracle at every step, which is the same thing, and stricter.
    /// </summary>
    [Fact]
    public void The_same_sequence_reads_the_same_under_every_option_set()
    {
        int cases = CaseCount(150);
        long ops = 0;
        Property prop = Prop.ForAll(ModelArbitrary.Arbitrary, c =>
        {
            for (int set = 0; set < ModelGen.OptionSets.Count; set++)
            {
                ModelCase variant = c with { OptionSet = set };
                ModelRunner.Run(variant.Ops, variant.Options());
                ops += c.Ops.Length;
            }
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(cases).WithQuietOnSuccess(true), prop);
        output.WriteLine($"metamorphic: {cases} sequences x {ModelGen.OptionSets.Count} option sets, {ops} ops, identical reads");
    }

    public static TheoryData<string> SavedCases()
    {
        var data = new TheoryData<string>();
        string dir = Path.Combine(AppContext.BaseDirectory, "testdata", "model");
        if (Directory.Exists(dir))
        {
            foreach (string f in Directory.GetFiles(dir, "*.txt").Order(StringComparer.Ordinal))
            {
                data.Add(Path.GetFileName(f));
            }
        }
        return data;
    }

    /// <summary>Replays saved sequences: regressions found by the random runs, named after the bug.</summary>
    [Theory]
    [MemberData(nameof(SavedCases))]
    public void Saved_sequence_replays(string name)
    {
        string text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "testdata", "model", name));
        ModelCase c = ModelCase.Parse(text);
        Assert.NotEmpty(c.Ops);
        ModelRunner.Run(c.Ops, c.Options());
    }

    [Fact]
    public void Case_text_round_trips()
    {
        foreach (ModelCase c in ModelArbitrary.Case.Sample(30, 20))
        {
            ModelCase back = ModelCase.Parse(c.ToString());
            Assert.Equal(c.ToString(), back.ToString());
        }
    }
}
