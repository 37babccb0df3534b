using System.CommandLine;
using AimLsm.Bench.Cli;
using AimLsm.Bench.DbBench;

namespace AimLsm.Bench.Track;

/// <summary>The <c>track</c> subcommand: its options, then run, print, write results/&lt;timestamp&gt;-track.md and .csv.</summary>
internal static class TrackCommand
{
    public static Command Create()
    {
        var engines = BenchArgs.List("--engines", "engine", TrackOptions.AllEngines);
        var runs = BenchArgs.Int("--runs", "Runs; each has 4 metrics x 2 contexts", 100);
        var steps = BenchArgs.Int("--steps", "Steps per sequence (a variant's steps: default 1,000,000)", 5000);
        var threads = BenchArgs.Int("--threads", "Tracking threads; thread t tracks runs t, t+T, ... one after another", 4);
        var reads = BenchArgs.Int("--reads", "Timed whole-sequence reads and as many timed samples per engine", 200);
        var sample = BenchArgs.Int("--sample", "Points of a sample read", 500, min: 2);
        var quick = BenchArgs.Flag("--quick", "--runs 8 --steps 1000 --reads 100 (unless given): a fast smoke run");
        var noCompact = BenchArgs.Flag("--no-compact", "Skip the full compaction (and the second bytes/point figure)");
        var dataDir = BenchArgs.Text("--data-dir", "DIR", "Where the fresh store directories go (default: the temp directory)");
        var results = BenchArgs.Text("--results", "DIR", "Where the Markdown and CSV reports go (default: engine.bench/results)");
        var noFiles = BenchArgs.Flag("--no-files", "Print the tables only");
        var values = BenchArgs.Choice("--values", "KIND",
            "full (curves with full-precision noise), float32 (the same rounded to float32) or noisy32 (1 + uniform noise as float32: 23 random bits a point)",
            ["full", "float32", "noisy32"], "full");
        var variant = BenchArgs.Choice("--variant", "NAME",
            "AimLsm alone, one workload instead of the comparison: order (one sequence in order, in a random permutation and with "
            + "every 100th step 1,000 steps late), long (one 1,000,000-step metric: whole read, 500-point LTTB, 10,000-step window), "
            + "many (--sequences sequences in one run: peak RSS, heap after close)",
            ["order", "long", "many"]);
        var sequences = BenchArgs.Int("--sequences", "Sequences of the many variant", 100_000);
        var command = new Command("track",
            "Metric tracking: aimlsm beside Aim's layout in rocksdb and MLflow's table in sqlite. Every engine runs in its own "
            + "fresh directory, deleted afterwards, on the same points.")
        {
            engines, runs, steps, threads, reads, sample, quick, noCompact, dataDir, results, noFiles, values, variant, sequences,
        };
        command.SetAction(parse =>
        {
            bool smoke = parse.GetValue(quick);
            int Sized(Option<int> option, int quickValue) => smoke && !parse.Given(option) ? quickValue : parse.GetValue(option);
            return Run(parse, new TrackOptions
            {
                Engines = parse.GetValue(engines) ?? TrackOptions.AllEngines,
                Runs = Sized(runs, 8),
                Steps = Sized(steps, 1000),
                VariantSteps = parse.Given(steps) ? parse.GetValue(steps) : 1_000_000,
                Threads = parse.GetValue(threads),
                Reads = Sized(reads, 100),
                SamplePoints = parse.GetValue(sample),
                Compact = !parse.GetValue(noCompact),
                DataDirectory = parse.GetValue(dataDir) ?? Path.GetTempPath(),
                ResultsDirectory = parse.GetValue(results) ?? BenchOptions.DefaultResultsDirectory(),
                WriteFiles = !parse.GetValue(noFiles),
                Values = parse.GetValue(values)!,
                Variant = parse.GetValue(variant),
                Sequences = parse.GetValue(sequences),
            });
        });
        return command;
    }

    private static int Run(ParseResult parse, TrackOptions o)
    {
        if (o.Variant is not null)
        {
            return TrackVariants.Run(o);
        }

        DateTime date = DateTime.UtcNow;
        var runner = new TrackRunner(o);
        TrackShape s = runner.Shape;
        string settings = $"{s.Runs:N0} runs x {TrackShape.Metrics.Length} metrics ({string.Join(", ", TrackShape.Metrics)}) x " +
            $"{TrackShape.Contexts.Length} contexts ({string.Join(", ", TrackShape.Contexts.Select(c => "{'subset': '" + c + "'}"))}) x {s.Steps:N0} steps " +
            $"= {s.Points:N0} float points, tracked from {s.Threads} threads (thread t tracks runs t, t+{s.Threads}, ... one after another; " +
            "within a run, for step: for metric: for context: track(value, step, epoch = step / 100)); values: " + s.Values switch
            {
                "float32" => "the curves rounded to float32",
                "noisy32" => "1 + uniform noise rounded to float32 (23 random bits a point)",
                _ => "curves with full-precision noise",
            };
        string measurement = "ingest points/s = points / time from the threads' start to every point durable (WAL synced; SQLite: checkpointed); " +
            "B/pt closed = size of the store's folder after a clean close (WAL and not-yet-compacted files included), " +
            "B/pt compacted = after reopening and a full manual compaction (SQLite: VACUUM); " +
            $"reads run on the closed store reopened (read-only where the engine has it): '1st' = the first read after reopening (JIT included), " +
            $"then untimed warm-up reads on other sequences (at least 0.6 s, until the JIT has compiled nothing for 250 ms, at most 10 s), then {o.Reads} timed whole reads and {o.Reads} timed " +
            $"{o.SamplePoints}-point samples of random sequences (nearest-rank p50/p99), every result checked against the written values untimed; " +
            "'hot' = p50 of 4 immediate re-reads of each of 50 of those sequences (everything in the engine's caches); " +
            "peak RSS and allocations are process-wide during ingest; engines run one after another in one process";
        string command = BenchCommandLine.Echo(parse);
        Console.WriteLine($"track: {string.Join(",", o.Engines)}");
        Console.WriteLine($"  {settings}");
        Console.WriteLine($"  {MachineInfo.Describe(o.DataDirectory)}");
        Console.WriteLine();

        runner.Run(_ => Console.WriteLine());

        var info = new TrackRunInfo(date, MachineInfo.Describe(o.DataDirectory), settings, measurement, command, runner.EngineSettings);
        Console.WriteLine();
        Console.WriteLine(TrackReport.Render(info, runner.Results, s, o.SamplePoints, runner.Failures, markdown: false));
        if (o.WriteFiles && runner.Results.Count > 0)
        {
            Directory.CreateDirectory(o.ResultsDirectory);
            string stem = Path.Combine(o.ResultsDirectory, date.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture) + "-track");
            File.WriteAllText(stem + ".md", TrackReport.Render(info, runner.Results, s, o.SamplePoints, runner.Failures, markdown: true));
            File.WriteAllText(stem + ".csv", TrackReport.Csv(runner.Results));
            Console.WriteLine($"Written {stem}.md and {stem}.csv");
        }
        return runner.Failures.Count > 0 ? 1 : 0;
    }
}
