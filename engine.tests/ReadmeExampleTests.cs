using System.Text;
using AimLsm.Tests.Testing;
using AimLsm.Tree;

namespace AimLsm.Tests;

/// <summary>The README's usage example, compiled and run, so that it cannot rot.</summary>
public class ReadmeExampleTests
{
    [Fact]
    public void Usage_example_runs_as_written()
    {
        using var dir = new TempDirectory();
        Directory.SetCurrentDirectory(dir.Path);
        var lines = new List<string>();

        using var db = Db.Open("./my.db", new DbOptions { CreateIfMissing = true });
        db.Put("run/42/loss"u8, "0.731"u8);
        db.Write(new WriteBatch().Put("a"u8, "1"u8).Delete("b"u8).DeleteRange("c"u8, "d"u8), new WriteOptions { Sync = true });
        byte[]? v = db.Get("run/42/loss"u8);

        using var snap = db.GetSnapshot();
        using var it = db.NewIterator(new ReadOptions { Snapshot = snap, LowerBound = "run/"u8.ToArray(), UpperBound = "run0"u8.ToArray() });
        for (it.SeekToFirst(); it.Valid; it.Next())
        {
            lines.Add($"{Encoding.UTF8.GetString(it.Key)} = {Encoding.UTF8.GetString(it.Value)}");
        }
        db.Flush();

        Assert.Equal("0.731"u8.ToArray(), v);
        Assert.Equal(["run/42/loss = 0.731"], lines);
    }

    [Fact]
    public void Tracking_example_runs_as_written()
    {
        using var dir = new TempDirectory();
        Directory.SetCurrentDirectory(dir.Path);
        var lines = new List<string>();

        using var repo = Repo.Open("./runs.aimlsm");
        using var run = repo.CreateRun(experiment: "baseline");
        run["hparams"] = new Dictionary<string, object?> { ["lr"] = 3e-4, ["batch_size"] = 64, ["layers"] = new[] { 256, 128 } };
        for (int step = 0; step < 1000; step++)
        {
            run.Track(1.0 / (step + 1), name: "loss", step: step, epoch: step / 100, context: new() { ["subset"] = "train" });
        }
        run.Flush();

        double lr = run.Tree["hparams", "lr"].Get<double>();
        foreach (SequenceInfo s in run.Sequences)
        {
            lines.Add($"{s.Name} {s.Context} last={s.Last} at {s.LastStep}");
        }
        Sequence loss = run.GetSequence("loss", new() { ["subset"] = "train" });
        SequenceData range = loss.Read(fromStep: 100, toStep: 200);
        SequenceData curve = loss.Sample(50);

        Assert.Equal(3e-4, lr);
        Assert.Equal(["loss {'subset': 'train'} last=0.001 at 999"], lines);
        Assert.Equal(Enumerable.Range(100, 100).Select(i => (long)i), range.Steps);
        Assert.Equal(50, curve.Count);
        Assert.Equal(999, curve.Steps[^1]);
    }
}
