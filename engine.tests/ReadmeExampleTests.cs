using AimLsm.Kv;
using System.Text;
using AimLsm.Tests.Testing;
using AimLsm.Tree;
using AimLsm.Query;

namespace AimLsm.Tests;

/// <summary>
/// The README's usage example, compiled and run, so that it cannot rot. The examples use relative paths, so each
/// test works in a temporary current directory: the class runs alone (its collection disables parallelization) and
/// gives the process its previous directory back before the temporary one is deleted, since the current directory
/// belongs to the whole test process (a child process started meanwhile in a deleted directory fails at once).
/// </summary>
[Collection(nameof(ReadmeExampleTests))]
public sealed class ReadmeExampleTests : IDisposable
{
    private readonly string _previousDirectory = Directory.GetCurrentDirectory();

    public void Dispose() => Directory.SetCurrentDirectory(_previousDirectory);

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
            lines.Add($"{System.Text.Encoding.UTF8.GetString(it.Key)} = {System.Text.Encoding.UTF8.GetString(it.Value)}");
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

    /// <summary>A repo like the one the tracking example leaves: baseline runs with a converging train loss.</summary>
    private static void TrackBaselineRuns()
    {
        using var repo = Repo.Open("./runs.aimlsm");
        foreach (double lr in new[] { 3e-4, 5e-3 })
        {
            using var run = repo.CreateRun(experiment: "baseline");
            run["hparams"] = new Dictionary<string, object?> { ["lr"] = lr };
            for (int step = 0; step < 1000; step++)
            {
                run.Track(1.0 / (step + 1), name: "loss", step: step, context: new() { ["subset"] = "train" });
            }
        }
    }

    [Fact]
    public void Query_example_runs_as_written()
    {
        using var dir = new TempDirectory();
        Directory.SetCurrentDirectory(dir.Path);
        TrackBaselineRuns();
        var lines = new List<string>();

        using var repo = Repo.OpenReadOnly("./runs.aimlsm");
        foreach (Run run in repo.QueryRuns("run.experiment == 'baseline' and 1e-4 < run.hparams.lr < 1e-3"))
            lines.Add($"{run.Hash} lr={run.Tree["hparams", "lr"].Get<double>()}");
        foreach (SequenceMatch m in repo.QuerySequences("metric.name == 'loss' and metric.context.subset == 'train' and metric.last < 0.01"))
            lines.Add($"{m.Run.Hash} {m.Info.Name} {m.Info.Context} last={m.Info.Last} of {m.Info.Count} records");
        foreach (Run run in repo.QueryRuns("run.metrics['loss', {'subset': 'train'}].min < 0.01"))
            lines.Add($"{run.Hash} converged");

        Assert.Equal(5, lines.Count);
        Assert.EndsWith(" lr=0.0003", lines[0]);
        Assert.All(lines.Skip(1).Take(2), l => Assert.EndsWith(" loss {'subset': 'train'} last=0.001 of 1000 records", l));
        Assert.All(lines.Skip(3), l => Assert.EndsWith(" converged", l));
    }

    [Fact]
    public async Task Stream_example_runs_as_written()
    {
        using var dir = new TempDirectory();
        Directory.SetCurrentDirectory(dir.Path);
        TrackBaselineRuns();
        var lines = new List<string>();

        using var repo = Repo.OpenReadOnly("./runs.aimlsm");
        Sequence loss = repo.QueryRuns("run.experiment == 'baseline'").First().GetSequence("loss", new() { ["subset"] = "train" });

        var pipe = new System.IO.Pipelines.Pipe();
        var writer = new AimLsm.Streaming.AimStreamWriter(pipe.Writer, new AimLsm.Streaming.StreamOptions { Density = 100 });
        Task writing = Task.Run(async () =>
        {
            try { await writer.WriteSequenceAsync(loss); await pipe.Writer.CompleteAsync(); }
            catch (Exception e) { await pipe.Writer.CompleteAsync(e); }
        });
        await foreach (AimLsm.Streaming.StreamedRun chunk in AimLsm.Streaming.AimStreamReader.ReadRunsAsync(pipe.Reader))
            foreach (AimLsm.Streaming.StreamedTrace piece in chunk.Traces)
                lines.Add($"{piece.Name} chunk {piece.Chunk}: {piece.Length} points, steps {piece.Steps[0]}..{piece.Steps[^1]}");
        await writing;
        lines.Add($"{writer.PointsWritten} points in {writer.BytesWritten} bytes");

        Assert.Equal("loss chunk 0: 100 points, steps 0..999", lines[0]);
        Assert.StartsWith("100 points in ", lines[^1]);
    }
}

/// <summary>Runs <see cref="ReadmeExampleTests"/> alone: it changes the process's current directory.</summary>
[CollectionDefinition(nameof(ReadmeExampleTests), DisableParallelization = true)]
public sealed class ReadmeExampleCollection;
