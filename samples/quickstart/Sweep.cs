using System.Diagnostics;
using AimLsm.Tree;

namespace AimLsm.Samples.Quickstart;

/// <summary>
/// The tracking half of the quickstart: a small hyper-parameter sweep tracked into a repo from several threads,
/// then read back (run parameters, sequence metadata, a whole sequence and a sample).
/// </summary>
internal static class Sweep
{
    private static readonly double[] LearningRates = [1e-4, 3e-4, 1e-3, 3e-3];
    private static readonly int[] BatchSizes = [32, 64];
    private static readonly string[] Subsets = ["train", "val"];

    public static int Run(string path, int steps, bool keep)
    {
        if (Directory.Exists(path))
        {
            if (!File.Exists(Path.Combine(path, Repo.MarkerFileName)))
            {
                Console.Error.WriteLine($"quickstart: '{path}' exists and is not an AimLsm repo; choose another --path.");
                return 2;
            }

            Directory.Delete(path, recursive: true);
        }

        int runs = LearningRates.Length * BatchSizes.Length;
        long points = (long)runs * 2 * Subsets.Length * steps;
        Console.WriteLine($"tracking a sweep: {runs} runs x 2 metrics x {Subsets.Length} contexts x {steps:N0} steps = {points:N0} points, 4 threads, repo at {path}");
        var clock = Stopwatch.StartNew();
        var hashes = new string[runs];
        using (Repo repo = Repo.Open(path))
        {
            Parallel.For(0, runs, new ParallelOptions { MaxDegreeOfParallelism = 4 }, r =>
            {
                double lr = LearningRates[r % LearningRates.Length];
                int batch = BatchSizes[r / LearningRates.Length];
                using Run run = repo.CreateRun(experiment: "sweep", name: $"lr={lr:G} bs={batch}", tags: ["quickstart"]);
                hashes[r] = run.Hash;
                run["hparams"] = new Dictionary<string, object?> { ["lr"] = lr, ["batch_size"] = batch, ["optimizer"] = "adam" };
                var contexts = Subsets.Select(s => new Context { ["subset"] = s }).ToArray();
                Sequence[] loss = contexts.Select(c => run.GetSequence("loss", c)).ToArray();
                Sequence[] accuracy = contexts.Select(c => run.GetSequence("accuracy", c)).ToArray();
                var noise = new Random(r);
                for (int step = 0; step < steps; step++)
                {
                    // A made-up learning curve: faster with a larger learning rate, noisier with a smaller batch.
                    double progress = 1 - Math.Exp(-step * lr * 2 / Math.Sqrt(batch));
                    for (int c = 0; c < contexts.Length; c++)
                    {
                        double gap = c == 0 ? 0 : 0.05;
                        double jitter = (noise.NextDouble() - 0.5) * 0.4 / Math.Sqrt(batch);
                        loss[c].Track(2.5 * (1 - progress) + 0.1 + gap + jitter, step, epoch: step / 1000);
                        accuracy[c].Track(Math.Clamp(0.1 + 0.85 * progress - gap + jitter / 4, 0, 1), step, epoch: step / 1000);
                    }
                }
            });
            repo.Flush();
        }

        TimeSpan ingest = clock.Elapsed;
        Console.WriteLine($"{"tracked and flushed",-28} {points,12:N0} pts {ingest.TotalSeconds,8:F2} s {points / ingest.TotalSeconds,14:N0} pts/s");

        using (Repo repo = Repo.OpenReadOnly(path))
        {
            Console.WriteLine();
            Console.WriteLine($"{"run",-10} {"name",-20} {"lr",8} {"batch",6} {"val loss (last)",16} {"val acc (max)",14}");
            foreach (Run run in repo.Runs.OrderBy(r => r.Tree["hparams", "batch_size"].Get<long>()).ThenBy(r => r.Tree["hparams", "lr"].Get<double>()))
            {
                SequenceInfo valLoss = run.GetSequence("loss", new() { ["subset"] = "val" }).Info;
                SequenceInfo valAcc = run.GetSequence("accuracy", new() { ["subset"] = "val" }).Info;
                if (valLoss.Count != steps || valAcc.Count != steps)
                {
                    Console.Error.WriteLine($"quickstart: run {run.Hash} has {valLoss.Count} and {valAcc.Count} records, expected {steps}");
                    return 1;
                }

                Console.WriteLine($"{run.Hash[..8],-10} {run.Name,-20} {run.Tree["hparams", "lr"].Get<double>(),8:G} " +
                    $"{run.Tree["hparams", "batch_size"].Get<long>(),6} {(double)valLoss.Last!,16:F4} {(double)valAcc.Max!,14:F4}");
            }

            Sequence sequence = repo.GetRun(hashes[^1]).GetSequence("loss", new() { ["subset"] = "train" });
            var read = Stopwatch.StartNew();
            SequenceData whole = sequence.Read();
            TimeSpan wholeTime = read.Elapsed;
            read.Restart();
            SequenceData sample = sequence.Sample(50);
            TimeSpan sampleTime = read.Elapsed;
            Console.WriteLine();
            Console.WriteLine($"read one sequence: {whole.Count:N0} records in {wholeTime.TotalMilliseconds:F2} ms; a 50-point sample in {sampleTime.TotalMilliseconds:F2} ms " +
                $"(steps {sample.Steps[0]}, {sample.Steps[1]}, ..., {sample.Steps[^1]}; first read includes JIT)");
            if (whole.Count != steps || sample.Steps[^1] != steps - 1)
            {
                Console.Error.WriteLine($"quickstart: read {whole.Count} records, expected {steps}");
                return 1;
            }
        }

        long bytes = new DirectoryInfo(path).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        Console.WriteLine($"repo on disk: {bytes / 1e6:F1} MB, {(double)bytes / points:F1} bytes per point");
        Console.WriteLine();
        if (!keep)
        {
            Directory.Delete(path, recursive: true);
        }

        return 0;
    }
}
