using AimLsm.Tests.Testing;
using AimLsm.Tree;
using Xunit;
using AimLsm.Query;

namespace AimLsm.Tests.Tree.Repo;

public sealed class RepoBasicsTests
{
    [Fact]
    public void Issue_example_end_to_end()
    {
        using var dir = new TempDirectory();
        string hash;
        using (var repo = AimLsm.Tree.Repo.Open(dir.Sub("runs.aimlsm")))
        {
            using var run = repo.CreateRun(experiment: "baseline");
            hash = run.Hash;
            run["hparams"] = new Dictionary<string, object?> { ["lr"] = 3e-4, ["batch_size"] = 64, ["layers"] = new[] { 256, 128 } };
            for (int step = 0; step < 1000; step++)
            {
                run.Track(1.0 / (step + 1), name: "loss", step: step, epoch: step / 100, context: new() { ["subset"] = "train" });
            }

            run.Track(0.5, name: "loss", step: 0, context: new() { ["subset"] = "val" });
            run.Flush();
            Assert.Equal(3e-4, run.Tree["hparams", "lr"].Get<double>());
            Assert.Equal(64, run.Tree["hparams", "batch_size"].Get<long>());
            Assert.Equal(new long[] { 256, 128 }, run.Tree["hparams", "layers"].Get<long[]>());
            Assert.Equal(["batch_size", "layers", "lr"], run.Tree["hparams"].Keys.Select(k => k.String));

            var sequences = run.Sequences.ToList();
            Assert.Equal(2, sequences.Count);
            SequenceInfo train = sequences.Single(s => s.Context.Equals(new Context { ["subset"] = "train" }));
            Assert.Equal(1000, train.Count);
            Assert.Equal(999, train.LastStep);
            Assert.Equal(1.0 / 1000, train.Last);
            Assert.Equal(1.0, train.Max);
            Assert.Equal("float", train.Dtype);

            var loss = run.GetSequence("loss", new() { ["subset"] = "train" });
            SequenceData all = loss.Read();
            Assert.Equal(1000, all.Count);
            Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), all.Steps);
            Assert.Equal(1.0 / 501, all.Numbers![500]);
            Assert.Equal(5, all.Epochs[500]);

            SequenceData range = loss.Read(100, 200);
            Assert.Equal(100, range.Count);
            Assert.Equal(100, range.Steps[0]);

            SequenceData sample = loss.Sample(50);
            Assert.Equal(50, sample.Count);
            Assert.Equal(0, sample.Steps[0]);
            Assert.Equal(999, sample.Steps[^1]);
        }

        using (var repo = AimLsm.Tree.Repo.OpenReadOnly(dir.Sub("runs.aimlsm")))
        {
            Run run = repo.GetRun(hash);
            Assert.False(run.Active);
            Assert.Equal("baseline", run.Experiment);
            Assert.Equal(1000, run.GetSequence("loss", new() { ["subset"] = "train" }).Read().Count);
        }

        using (var repo = AimLsm.Tree.Repo.Open(dir.Sub("runs.aimlsm")))
        {
            repo.DeleteRun(hash);
            Assert.Empty(repo.Runs);
        }
    }

    /// <summary>
    /// A fresh run skips the range tombstone when it writes a subtree nothing overlaps, and props rewrites delete
    /// dropped tags by key: both must still replace exactly what was stored, in this session and after a resume.
    /// </summary>
    [Fact]
    public void Subtree_rewrites_and_tag_removals_replace_what_was_stored()
    {
        using var dir = new TempDirectory();
        string hash;
        using (var repo = AimLsm.Tree.Repo.Open(dir.Sub("runs.aimlsm")))
        {
            using var run = repo.CreateRun(tags: ["a", "b", "c"]);
            hash = run.Hash;
            run["hparams"] = new Dictionary<string, object?> { ["lr"] = 0.1, ["layers"] = new[] { 1, 2, 3 } };
            run["meta"] = "first";
            run.Tree["hparams", "layers"].Set(new[] { 9 });                 // inside a written subtree
            Assert.Equal(new long[] { 9 }, run.Tree["hparams", "layers"].Get<long[]>());
            run["hparams"] = new Dictionary<string, object?> { ["momentum"] = 0.9 }; // over it
            run.RemoveTag("b");
            run.RemoveTag("c");
            Assert.Equal(["momentum"], run.Tree["hparams"].Keys.Select(k => k.String));
            Assert.Equal("first", run.Tree["meta"].Get<string>());
            Assert.Equal(["a"], run.Tags);
        }

        using (var repo = AimLsm.Tree.Repo.Open(dir.Sub("runs.aimlsm")))
        {
            using Run run = repo.OpenRun(hash);
            Assert.Equal(["a"], run.Tags);
            run["meta"] = new Dictionary<string, object?> { ["x"] = 1 };    // resumed: the old scalar must go
            run.AddTag("d");
            Assert.Equal(new Dictionary<string, object?> { ["x"] = 1L }, run.Tree["meta"].Get<Dictionary<string, object?>>());
            Assert.Equal(0.9, run.Tree["hparams", "momentum"].Get<double>());
            Assert.False(run.Tree["hparams", "lr"].Exists);
        }

        using (var repo = AimLsm.Tree.Repo.OpenReadOnly(dir.Sub("runs.aimlsm")))
        {
            Run run = repo.GetRun(hash);
            Assert.Equal(["a", "d"], run.Tags);
            Assert.Equal(["x"], run.Tree["meta"].Keys.Select(k => k.String));
        }
    }

    [Fact]
    public void Out_of_order_and_negative_steps_read_in_numeric_order()
    {
        using var dir = new TempDirectory();
        using var repo = AimLsm.Tree.Repo.Open(dir.Path, new RepoOptions { SequenceChunkSize = 4 });
        using var run = repo.CreateRun();
        var rng = new Random(5);
        var model = new SortedDictionary<long, double>();
        for (int i = 0; i < 2000; i++)
        {
            long step = rng.Next(-300, 300);
            double value = rng.NextDouble();
            model[step] = value;
            run.Track(value, "m", step);
        }

        run.Flush();
        SequenceData data = run.GetSequence("m").Read();
        Assert.Equal(model.Keys, data.Steps);
        Assert.Equal(model.Values, data.Numbers!);
        SequenceInfo info = run.GetSequence("m").Info;
        Assert.Equal(model.Count, info.Count);
        Assert.Equal(model.Values.Min(), info.Min);
        Assert.Equal(model.Values.Max(), info.Max);
        Assert.Equal(model.Keys.First(), info.FirstStep);
        Assert.Equal(model[model.Keys.Last()], info.Last);
        SequenceData range = run.GetSequence("m").Read(-10, 10);
        Assert.Equal(model.Keys.Where(k => k is >= -10 and < 10), range.Steps);
    }

    [Fact]
    public void Queries_select_runs_and_sequences_through_the_repo()
    {
        using var dir = new TempDirectory();
        using var repo = AimLsm.Tree.Repo.Open(dir.Path);
        double[] rates = [1e-4, 1e-3, 1e-2];
        foreach (double lr in rates)
        {
            using Run run = repo.CreateRun(experiment: lr < 1e-2 ? "baseline" : "tuned", name: $"resnet-{lr}");
            run["hparams"] = new Dictionary<string, object?> { ["lr"] = lr, ["batch_size"] = 32 };
            for (int step = 0; step < 10; step++)
            {
                run.Track(lr * 100 / (step + 1), "loss", step, context: new() { ["subset"] = "train" });
                run.Track(lr * 200 / (step + 1), "loss", step, context: new() { ["subset"] = "val" });
            }
        }

        var baseline = repo.QueryRuns("run.hparams.lr > 0.0001 and run.experiment == 'baseline'").ToList();
        Assert.Equal([1e-3], baseline.Select(r => r.Tree["hparams", "lr"].Get<double>()));
        Assert.Equal(3, repo.QueryRuns("run.name.startswith('resnet') and run['hparams', 'batch_size'] == 32").Count());

        var sequences = repo.QuerySequences("metric.name == 'loss' and metric.context.subset == 'val' and metric.last < 0.05").ToList();
        Assert.Equal([1e-4, 1e-3], sequences.Select(m => m.Run.Tree["hparams", "lr"].Get<double>()).Order());
        Assert.All(sequences, m => Assert.Equal(10, m.Sequence.Read().Count));

        QueryResults<Run> failing = repo.QueryRuns("run.hparams.lr / 0 > 1");
        Assert.Empty(failing);
        Assert.Equal(3, failing.Report.ErrorCount);
    }
}
