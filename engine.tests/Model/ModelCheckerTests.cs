using AimLsm.Kv;
using AimLsm.Kv.IO;
using AimLsm.Testing;
using Xunit.Abstractions;

namespace AimLsm.Tests.Model;

/// <summary>
/// AimLsm.Testing's model checker as a user sees it: generation from a seed, the run against the oracle, the
/// greedy shrinker and the text round trip. A failure is planted with the fault-injecting file system (every fsync
/// after the open fails), so the checker has something to find and shrink.
/// </summary>
public class ModelCheckerTests(ITestOutputHelper output)
{
    /// <summary>Option set 3: a 1 MiB write buffer, so nothing syncs but sync writes, flushes and reopens.</summary>
    private const int QuietOptionSet = 3;

    [Fact]
    public void The_checker_runs_every_case_with_a_flush_and_a_reopen()
    {
        ModelCheckReport report = ModelChecker.Check(new ModelCheckOptions { Cases = 60, Seed = 7 });

        Assert.Equal(7, report.Seed);
        Assert.Equal(60, report.Cases);
        Assert.True(report.Flushes >= 60 && report.Reopens >= 60, $"every case inserts a flush and a reopen: {report}");
        Assert.True(report.Ops > 120, report.ToString());
        output.WriteLine(report.ToString());
    }

    [Fact]
    public void The_same_seed_generates_the_same_cases()
    {
        for (int seed = 0; seed < 20; seed++)
        {
            Assert.Equal(ModelGen.Case(new Random(seed)).ToString(), ModelGen.Case(new Random(seed)).ToString());
        }
        Assert.NotEqual(ModelGen.Case(new Random(1)).ToString(), ModelGen.Case(new Random(2)).ToString());
    }

    [Fact]
    public void A_failure_shrinks_to_a_short_case_whose_text_replays_it()
    {
        long syncsAtOpen = SyncsAtOpen();
        (IFileSystem, string) Storage()
        {
            var fs = new FaultInjectionFileSystem(new MemFileSystem());
            fs.InjectErrorAt(FaultKind.Sync, syncsAtOpen, sticky: true);
            return (fs, "/model/db");
        }

        var options = new ModelCheckOptions { Cases = 20, Seed = 11, OptionSets = [QuietOptionSet], Storage = Storage };
        var e = Assert.Throws<ModelDivergenceException>(() => ModelChecker.Check(options));

        Assert.Equal(11, e.Seed);
        Assert.NotNull(e.Case);
        Assert.NotNull(e.OriginalCase);
        Assert.True(e.Case.Ops.Length < e.OriginalCase.Ops.Length, $"not shrunk: {e.Message}");
        // Only an op that syncs can fail (a synced write, a flush of a non-empty memtable, a reopen), and the shrunk
        // case is minimal: none of its own shrink candidates still fails.
        Assert.True(e.Case.Ops.Length <= 2, $"shrunk only to {e.Case}");
        Assert.Contains(e.Case.Ops, op => op is FlushOp or ReopenOp || op.ToString().EndsWith(" sync", StringComparison.Ordinal));
        foreach (ModelCase smaller in ModelGen.Shrink(e.Case))
        {
            ModelChecker.Replay(smaller, Storage);
        }
        Assert.Contains(e.Case.ToString(), e.Message, StringComparison.Ordinal);

        ModelCase replayed = ModelCase.Parse(e.Case.ToString());
        Assert.Equal(e.Case.ToString(), replayed.ToString());
        Assert.Throws<ModelDivergenceException>(() => ModelChecker.Replay(replayed, Storage));
        ModelChecker.Replay(replayed); // on a healthy file system the same case passes
    }

    [Fact]
    public void Case_text_that_is_no_case_is_refused_with_the_line()
    {
        var e = Assert.Throws<ModelFormatException>(() => ModelCase.Parse("# options 3\nput 61 62\nfrobnicate 61\n"));
        Assert.Contains("frobnicate 61", e.Message, StringComparison.Ordinal);
        var bad = Assert.Throws<ModelFormatException>(() => ModelCase.Parse("# options 99\nflush\n"));
        Assert.Contains("line 1", bad.Message, StringComparison.Ordinal);
        Assert.Throws<ModelFormatException>(() => ModelCase.Parse("put zz 62\n"));
    }

    [Fact]
    public void An_option_set_that_does_not_exist_is_refused_by_name()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelChecker.Check(new ModelCheckOptions { Cases = 1, OptionSets = [0, 99] }));
        Assert.Contains("OptionSets (0, 99)", e.Message, StringComparison.Ordinal);
    }

    /// <summary>How many fsyncs creating and opening a database takes under the quiet option set.</summary>
    private static long SyncsAtOpen()
    {
        var fs = new FaultInjectionFileSystem(new MemFileSystem());
        DbOptions o = ModelGen.OptionSets[QuietOptionSet].ToDbOptions();
        o.FileSystem = fs;
        o.CreateIfMissing = true;
        fs.CreateDirectory("/model");
        Db db = Db.Open("/model/db", o);
        long syncs = fs.Operations(FaultKind.Sync);
        db.Dispose();
        return syncs;
    }
}
