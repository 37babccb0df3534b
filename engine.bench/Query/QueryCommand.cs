using System.CommandLine;
using AimLsm.Bench.Cli;
using System.Diagnostics;
using System.Globalization;
using AimLsm.Tree;
using AimLsm.Query;

namespace AimLsm.Bench.Query;

/// <summary>
/// The <c>query</c> workload (issue 8): a repo of N runs (default 10,000) with 20 params and 10 sequences each, then
/// AimQL run and metric queries timed on the first query after opening the repo and when repeated.
/// Goals: a run query in at most 50 ms, a metric query over 100,000 sequences in at most 200 ms.
/// </summary>
internal static class QueryCommand
{
    private static readonly (string Name, string Text, bool Sequences)[] Queries =
    [
        ("run: two params", "run.hparams.lr > 0.001 and run.hparams.batch_size == 32", false),
        ("run: experiment and tag", "run.experiment == 'sweep-3' and 'tuned' in run.tags", false),
        ("metric: name, context, last", "metric.name == 'loss' and metric.context.subset == 'train' and metric.last < 0.5", true),
        ("metric: run prefilter", "metric.name == 'accuracy' and run.hparams.lr > 0.005", true),
    ];

    public static Command Create()
    {
        var runs = BenchArgs.Int("--runs", "Runs in the repo; each has 20 params and 10 sequences of 10 records", 10_000);
        var repeat = BenchArgs.Int("--repeat", "Repeated evaluations per query (the median is reported)", 5);
        var path = BenchArgs.Text("--path", "DIR",
            "Where to build the repo (default: a temp folder, deleted afterwards); a repo already there is queried as it is, "
            + "not rebuilt (for profiling the queries alone)");
        var command = new Command("query", "AimQL run and metric queries over 10,000 runs x 10 sequences") { runs, repeat, path };
        command.SetAction(parse => Run(parse.GetValue(runs), parse.GetValue(repeat), parse.GetValue(path) is { } p ? Path.GetFullPath(p) : null));
        return command;
    }

    private static int Run(int runs, int repeat, string? path)
    {
        bool temporary = path is null;
        path ??= Path.Combine(Path.GetTempPath(), "aimlsm-querybench-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            if (File.Exists(Path.Combine(path, Repo.MarkerFileName)))
            {
                Console.WriteLine($"querying the existing repo at {path}");
            }
            else
            {
                Build(path, runs);
            }

            Measure(path, runs, repeat);
            return 0;
        }
        finally
        {
            if (temporary && Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
    }

    /// <summary>Builds the query bench's repo (also the frontend bench's runs view repo).</summary>
    internal static void Build(string path, int runs)
    {
        var clock = Stopwatch.StartNew();
        string[] metrics = ["loss", "accuracy", "bleu", "f1", "grad_norm"];
        using Repo repo = Repo.Open(path);
        var contexts = new[] { new Context { ["subset"] = "train" }, new Context { ["subset"] = "val" } };
        var progress = new OpsProgress($"building {runs:N0} runs", runs, unit: "runs");
        Parallel.For(0, runs, new ParallelOptions { MaxDegreeOfParallelism = 2 }, r =>
        {
            progress.Add(1);
            var rng = new Random(r);
            using Run run = repo.CreateRun(experiment: $"sweep-{r % 10}", name: $"run-{r}", tags: r % 3 == 0 ? ["tuned"] : ["baseline"]);
            var hparams = new Dictionary<string, object?>
            {
                ["lr"] = Math.Pow(10, -5 + 3 * rng.NextDouble()),
                ["batch_size"] = (long)(16 << rng.Next(4)),
                ["optimizer"] = rng.Next(2) == 0 ? "adam" : "sgd",
            };
            for (int p = hparams.Count; p < 20; p++)
            {
                hparams[$"p{p}"] = rng.NextDouble();
            }

            run["hparams"] = hparams;
            foreach (string metric in metrics)
            {
                foreach (Context context in contexts)
                {
                    Sequence sequence = run.GetSequence(metric, context);
                    for (int step = 0; step < 10; step++)
                    {
                        sequence.Track(rng.NextDouble(), step);
                    }
                }
            }
        });
        repo.Flush();
        progress.Dispose(); // the line cleared before the next is printed
        Console.WriteLine($"built {runs:N0} runs x 20 params x {metrics.Length * contexts.Length} sequences x 10 records in {clock.Elapsed.TotalSeconds:F1} s");
    }

    private static void Measure(string path, int runs, int repeat)
    {
        Console.WriteLine();
        Console.WriteLine($"| query ({runs:N0} runs, {runs * 10:N0} sequences) | matches | first after open (ms) | repeated, median (ms) | allocated per query (MB) | GC pause per query (ms) | goal |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach ((string name, string text, bool sequences) in Queries)
        {
            // First query after open: a fresh read-only repo (run index, engines and block cache cold in-process;
            // the OS page cache is warm), compilation included unless cached by an earlier row.
            var first = Stopwatch.StartNew();
            int matches;
            using (Repo fresh = Repo.OpenReadOnly(path))
            {
                matches = Count(fresh, text, sequences);
            }

            double firstMs = first.Elapsed.TotalMilliseconds;
            using Repo repo = Repo.OpenReadOnly(path);
            Count(repo, text, sequences);
            var times = new List<double>();
            long allocatedBefore = GC.GetTotalAllocatedBytes(precise: false);
            TimeSpan pauseBefore = GC.GetTotalPauseDuration();
            for (int i = 0; i < repeat; i++)
            {
                var t = Stopwatch.StartNew();
                Count(repo, text, sequences);
                times.Add(t.Elapsed.TotalMilliseconds);
            }

            double allocatedMb = (GC.GetTotalAllocatedBytes(precise: false) - allocatedBefore) / (double)repeat / (1 << 20);
            double pauseMs = (GC.GetTotalPauseDuration() - pauseBefore).TotalMilliseconds / repeat;
            times.Sort();
            double median = times[times.Count / 2];
            double goal = sequences ? 200 : 50;
            string verdict = median <= goal ? $"≤ {goal} ms: met" : $"≤ {goal} ms: not met";
            Console.WriteLine($"| {name}: `{text}` | {matches:N0} | {firstMs:F1} | {median:F1} | {allocatedMb:F1} | {pauseMs:F1} | {verdict} |");
        }
    }

    private static int Count(Repo repo, string text, bool sequences) =>
        sequences ? repo.QuerySequences(text).Count() : repo.QueryRuns(text).Count();
}
