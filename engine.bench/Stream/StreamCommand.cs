using System.CommandLine;
using AimLsm.Bench.Cli;
using System.Diagnostics;
using System.IO.Pipelines;
using AimLsm.Streaming;
using AimLsm.Tree;

namespace AimLsm.Bench.Stream;

/// <summary>
/// The <c>stream</c> workload (issue 9): sequences from a repo serialized by <see cref="AimStreamWriter"/> into a
/// <see cref="Pipe"/> and decoded at the other end by <see cref="AimStreamReader"/>, writer and reader on their own
/// threads as a server and a client would be. Three cases: whole sequences chunk by chunk (the long-sequence path),
/// a metric search (every run with its traces sampled to 500 points, Aim's default density), and the writer alone
/// into a pipe whose reader only discards (serialization without decoding). Reports points/s and MB/s of stream.
/// </summary>
internal static class StreamCommand
{
    private static readonly string[] Metrics = ["loss", "accuracy"];

    public static Command Create()
    {
        var runs = BenchArgs.Int("--runs", "Runs in the repo, each with loss and accuracy on train and val", 16);
        var steps = BenchArgs.Int("--steps", "Steps per sequence", 100_000, min: 2);
        var repeat = BenchArgs.Int("--repeat", "Timed repetitions of each case (the best is reported)", 3);
        var command = new Command("stream", "Sequences streamed through a pipe, writer to reader (points/s, MB/s)") { runs, steps, repeat };
        command.SetAction(parse => Run(parse.GetValue(runs), parse.GetValue(steps), parse.GetValue(repeat)));
        return command;
    }

    private static int Run(int runs, int steps, int repeat)
    {
        string path = Path.Combine(Path.GetTempPath(), "aimlsm-streambench-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Build(path, runs, steps);
            using Repo repo = Repo.OpenReadOnly(path);
            Console.WriteLine();
            Console.WriteLine($"| case ({runs} runs x {Metrics.Length * 2} sequences x {steps:N0} steps) | points | stream MB | best s | points/s | MB/s |");
            Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
            Report("whole sequences, chunk by chunk, decoded", repeat, () => WholeSequences(repo, decode: true));
            Report("whole sequences, serialized only", repeat, () => WholeSequences(repo, decode: false));
            double searchSeconds = Report("metric search: every run, 500 points per trace, decoded", repeat, () => MetricSearch(repo, 500));
            long source = (long)runs * Metrics.Length * 2 * steps;
            Console.WriteLine();
            Console.WriteLine($"The metric search samples (LTTB) from every point of each trace: {source:N0} points read and sampled, " +
                $"{source / searchSeconds:N0} source points/s, {searchSeconds * 1000 / (runs * Metrics.Length * 2):F2} ms per {steps:N0}-step trace.");
            return 0;
        }
        finally
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
    }

    private static void Build(string path, int runs, int steps)
    {
        var clock = Stopwatch.StartNew();
        using Repo repo = Repo.Open(path);
        Context[] contexts = [new() { ["subset"] = "train" }, new() { ["subset"] = "val" }];
        var progress = new OpsProgress($"building {runs} runs x {Metrics.Length * contexts.Length} sequences", (long)runs * Metrics.Length * contexts.Length, unit: "sequences");
        Parallel.For(0, runs, new ParallelOptions { MaxDegreeOfParallelism = 2 }, r =>
        {
            var rng = new Random(r);
            using Run run = repo.CreateRun(experiment: "stream-bench");
            run["hparams"] = new Dictionary<string, object?> { ["lr"] = 1e-4 * (r + 1), ["batch_size"] = 32L };
            foreach (string metric in Metrics)
            {
                foreach (Context context in contexts)
                {
                    Sequence sequence = run.GetSequence(metric, context);
                    for (int step = 0; step < steps; step++)
                    {
                        sequence.Track(Math.Exp(-step / (double)steps) + rng.NextDouble() * 0.01, step, step / 1000);
                    }

                    progress.Add(1);
                }
            }
        });
        progress.Dispose(); // the line cleared before the next is printed
        Console.WriteLine($"built {runs} runs x {Metrics.Length * contexts.Length} sequences x {steps:N0} steps in {clock.Elapsed.TotalSeconds:F1} s");
    }

    /// <returns>The best time in seconds.</returns>
    private static double Report(string name, int repeat, Func<(long Points, long Bytes)> body)
    {
        body(); // warm-up: JIT, block cache
        double best = double.MaxValue;
        (long points, long bytes) = (0, 0);
        for (int i = 0; i < repeat; i++)
        {
            var clock = Stopwatch.StartNew();
            (points, bytes) = body();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }

        Console.WriteLine($"| {name} | {points:N0} | {bytes / 1e6:F1} | {best:F3} | {points / best:N0} | {bytes / 1e6 / best:F1} |");
        return best;
    }

    /// <summary>Every sequence of every run, whole, through one pipe; the reader sums the points it decoded.</summary>
    private static (long Points, long Bytes) WholeSequences(Repo repo, bool decode)
    {
        var pipe = new Pipe();
        var writer = new AimStreamWriter(pipe.Writer);
        Task<long> reading = Task.Run(() => decode ? DecodeAsync(pipe.Reader) : DiscardAsync(pipe.Reader));
        Task writing = Task.Run(async () =>
        {
            try
            {
                foreach (Run run in repo.Runs)
                {
                    foreach (SequenceInfo info in run.Sequences)
                    {
                        await writer.WriteSequenceAsync(run.GetSequence(info.Name, info.Context));
                    }
                }

                await pipe.Writer.CompleteAsync();
            }
            catch (Exception e)
            {
                await pipe.Writer.CompleteAsync(e);
            }
        });
        long decoded = reading.GetAwaiter().GetResult();
        writing.GetAwaiter().GetResult();
        return (decode ? decoded : writer.PointsWritten, writer.BytesWritten);
    }

    /// <summary>What Aim's metric search sends: each run with its traces sampled to <paramref name="density"/> points.</summary>
    private static (long Points, long Bytes) MetricSearch(Repo repo, int density)
    {
        var pipe = new Pipe();
        var writer = new AimStreamWriter(pipe.Writer, new StreamOptions { Density = density });
        Task<long> reading = Task.Run(() => DecodeAsync(pipe.Reader));
        Task writing = Task.Run(async () =>
        {
            try
            {
                int done = 0;
                List<Run> runs = [.. repo.Runs];
                foreach (Run run in runs)
                {
                    await writer.WriteRunAsync(run);
                    await writer.WriteProgressAsync(++done, runs.Count);
                }

                await pipe.Writer.CompleteAsync();
            }
            catch (Exception e)
            {
                await pipe.Writer.CompleteAsync(e);
            }
        });
        long decoded = reading.GetAwaiter().GetResult();
        writing.GetAwaiter().GetResult();
        return (decoded, writer.BytesWritten);
    }

    private static async Task<long> DecodeAsync(PipeReader reader)
    {
        long points = 0;
        await foreach (StreamedRun run in AimStreamReader.ReadRunsAsync(reader))
        {
            foreach (StreamedTrace trace in run.Traces)
            {
                points += trace.Length;
            }
        }

        return points;
    }

    private static async Task<long> DiscardAsync(PipeReader reader)
    {
        while (true)
        {
            ReadResult result = await reader.ReadAsync();
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                await reader.CompleteAsync();
                return 0;
            }
        }
    }
}
