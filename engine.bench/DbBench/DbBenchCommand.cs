namespace AimLsm.Bench.DbBench;

/// <summary>The <c>dbbench</c> subcommand: parse, run, print, write results/&lt;timestamp&gt;.md and .csv.</summary>
internal static class DbBenchCommand
{
    public static int Run(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine(BenchOptions.Usage);
            return 0;
        }
        BenchOptions o;
        try
        {
            o = BenchOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(BenchOptions.Usage);
            return 2;
        }

        DateTime date = DateTime.UtcNow;
        string settings = $"{o.Num:N0} ops per workload ({o.NumSync:N0} for fillsync, with 1 and {o.SyncThreads} threads), " +
            $"{o.KeySize}-byte keys, {o.ValueSize}-byte values (half compressible), read threads {string.Join(",", o.Threads)}, " +
            $"fillbatch {o.BatchSize:N0} writes a batch, seekrandom = seek + {o.SeekNexts} nexts; WAL on and no fsync for every engine " +
            "except fillsync (fsync per write); reads run on a database loaded by fillseq, flushed, with background compaction/merge finished";
        string measurement = $"W-amp = bytes written to storage during the workload and the flush after it ({ProcessStats.WriteSource}) " +
            "/ user bytes; peak RSS and allocations are process-wide (engines run one after another); " +
            "multi-threaded workloads split the op count over the threads; read workloads first run untimed for at least 0.5 s (JIT warm-up); dirty pages are written back (sync) before each workload, untimed";
        string command = "dotnet run -c Release --project engine.bench -- dbbench" + (args.Length > 0 ? " " + string.Join(" ", args) : "");
        Console.WriteLine($"dbbench: {string.Join(",", o.Engines)} | {string.Join(",", o.Workloads)}");
        Console.WriteLine($"  {settings}");
        Console.WriteLine($"  {MachineInfo.Describe(o.DataDirectory)}");
        Console.WriteLine();

        var runner = new DbBenchRunner(o);
        runner.Run(r => Console.WriteLine(ReportWriter.Line(r)));

        var info = new RunInfo(date, MachineInfo.Describe(o.DataDirectory), settings, measurement, command, runner.EngineSettings);
        Console.WriteLine();
        Console.WriteLine(ReportWriter.Render(info, runner.Results, o.Engines, markdown: false));
        if (o.WriteFiles)
        {
            Directory.CreateDirectory(o.ResultsDirectory);
            string stem = Path.Combine(o.ResultsDirectory, date.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture));
            File.WriteAllText(stem + ".md", ReportWriter.Render(info, runner.Results, o.Engines, markdown: true));
            File.WriteAllText(stem + ".csv", ReportWriter.Csv(runner.Results));
            Console.WriteLine($"Written {stem}.md and {stem}.csv");
        }
        return 0;
    }
}
