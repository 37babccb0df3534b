using AimLsm.Bench.DbBench;

namespace AimLsm.Bench.Track;

/// <summary>The <c>track</c> subcommand: parse, run, print, write results/&lt;timestamp&gt;-track.md and .csv.</summary>
internal static class TrackCommand
{
    public static int Run(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine(TrackOptions.Usage);
            return 0;
        }
        TrackOptions o;
        try
        {
            o = TrackOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(TrackOptions.Usage);
            return 2;
        }

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
        string command = "dotnet run -c Release --project engine.bench -- track" + (args.Length > 0 ? " " + string.Join(" ", args) : "");
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
