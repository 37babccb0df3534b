using System.CommandLine;
using AimLsm.Bench.Cli;

namespace AimLsm.Bench.DbBench;

/// <summary>The <c>dbbench</c> subcommand: its options, then run, print, write results/&lt;timestamp&gt;.md and .csv.</summary>
internal static class DbBenchCommand
{
    public static Command Create()
    {
        var engines = BenchArgs.List("--engines", "engine", BenchOptions.AllEngines);
        var workloads = BenchArgs.List("--workloads", "workload", BenchOptions.AllWorkloads);
        workloads.Aliases.Add("--benchmarks"); // db_bench's name
        var num = BenchArgs.Long("--num", "Operations per workload and keys loaded for the reads", 1_000_000);
        var numSync = BenchArgs.Long("--num-sync", "Operations of each fillsync run (an fsync per write)", 10_000);
        var valueSize = BenchArgs.Int("--value-size", "Value bytes, half compressible as in db_bench; keys are 16 bytes", 100);
        var threads = BenchArgs.Ints("--threads", "T[,T..]", "Threads of the read workloads, one run per count; readwhilewriting runs T readers plus 1 writer", [1, 2]);
        var writeThreads = BenchArgs.Ints("--write-threads", "T[,T..]", "Threads of fillseq, fillrandom, overwrite and fillbatch, one run per count (fillseq with 1 thread is the load of the read workloads' database)", [1, 2]);
        var minSeconds = BenchArgs.Int("--min-seconds", "The least time a workload runs: a thread done with its share sooner runs it again (the next keys, or the scan from its start) until then; the fillseq that loads the read database is never extended", 2, min: 0, max: 3600);
        var syncThreads = BenchArgs.Int("--sync-threads", "Threads of the second fillsync run (the first has 1)", 8);
        var batchSize = BenchArgs.Int("--batch-size", "Writes per batch in fillbatch", 1000);
        var dataDir = BenchArgs.Text("--data-dir", "DIR", "Where the fresh database directories go (default: the temp directory)");
        var results = BenchArgs.Text("--results", "DIR", "Where the Markdown and CSV reports go (default: engine.bench/results)");
        var noFiles = BenchArgs.Flag("--no-files", "Print the tables only");
        var repeat = BenchArgs.Int("--repeat", "Passes over every (engine, workload); each row reports the median pass and each ratio the median of the per-pass ratios", 1, max: 99);
        var command = new Command("dbbench",
            "db_bench workloads, aimlsm beside rocksdb and zonetree. Every engine runs in its own fresh directory, deleted "
            + "afterwards, on the same keys and values. Durability is the same for all: WAL on, no fsync, except fillsync, "
            + "which fsyncs every write.")
        {
            engines, workloads, num, numSync, valueSize, threads, writeThreads, minSeconds, syncThreads, batchSize, dataDir, results, noFiles, repeat,
            ZoneTreeTableCommand.Create(),
        };
        command.SetAction(parse => Run(parse, new BenchOptions
        {
            Engines = parse.GetValue(engines) ?? BenchOptions.AllEngines,
            Workloads = parse.GetValue(workloads) ?? BenchOptions.AllWorkloads,
            Num = parse.GetValue(num),
            NumSync = parse.GetValue(numSync),
            ValueSize = parse.GetValue(valueSize),
            Threads = parse.GetValue(threads)!,
            WriteThreads = parse.GetValue(writeThreads)!,
            MinSeconds = parse.GetValue(minSeconds),
            SyncThreads = parse.GetValue(syncThreads),
            BatchSize = parse.GetValue(batchSize),
            DataDirectory = parse.GetValue(dataDir) ?? Path.GetTempPath(),
            ResultsDirectory = parse.GetValue(results) ?? BenchOptions.DefaultResultsDirectory(),
            WriteFiles = !parse.GetValue(noFiles),
            Repeat = parse.GetValue(repeat),
        }));
        return command;
    }

    private static int Run(ParseResult parse, BenchOptions o)
    {
        DateTime date = DateTime.UtcNow;
        string settings = $"{o.Num:N0} ops per workload ({o.NumSync:N0} for fillsync, with 1 and {o.SyncThreads} threads), " +
            $"{o.KeySize}-byte keys, {o.ValueSize}-byte values (half compressible), read threads {string.Join(",", o.Threads)}, write threads {string.Join(",", o.WriteThreads)}, " +
            $"every workload runs at least {o.MinSeconds} s (a share done sooner runs again) except the fillseq that loads the reads, " +
            $"fillbatch {o.BatchSize:N0} writes a batch, seekrandom = seek + {o.SeekNexts} nexts; WAL on and no fsync for every engine " +
            "except fillsync (fsync per write); reads run on a database loaded by fillseq, flushed, with background compaction/merge finished";
        string measurement = $"W-amp = bytes written to storage during the workload and the flush after it ({ProcessStats.WriteSource}) " +
            "/ user bytes; peak RSS and allocations are process-wide (engines run one after another); " +
            (o.Repeat > 1 ? $"{o.Repeat} passes, one after another, each over every engine and workload: each row is the median pass by ops/s, each ratio the median of the per-pass ratios; " : "") +
            "multi-threaded workloads split the op count over the threads; read workloads first run untimed for at least 0.5 s (JIT warm-up); dirty pages are written back (sync) before each workload, untimed";
        string command = BenchCommandLine.Echo(parse);
        Console.WriteLine($"dbbench: {string.Join(",", o.Engines)} | {string.Join(",", o.Workloads)}");
        Console.WriteLine($"  {settings}");
        Console.WriteLine($"  {MachineInfo.Describe(o.DataDirectory)}");
        Console.WriteLine();

        var passes = new List<IReadOnlyList<WorkloadResult>>();
        var engineSettings = new Dictionary<string, string>();
        for (int pass = 1; pass <= o.Repeat; pass++)
        {
            if (o.Repeat > 1)
            {
                Console.WriteLine($"## pass {pass} of {o.Repeat}");
            }
            var runner = new DbBenchRunner(o);
            runner.Run(r => Console.WriteLine(ReportWriter.Line(r)));
            passes.Add(runner.Results);
            foreach ((string engine, string s) in runner.EngineSettings)
            {
                engineSettings[engine] = s;
            }
        }
        List<WorkloadResult> results = RepeatedRuns.Median(passes);

        var info = new RunInfo(date, MachineInfo.Describe(o.DataDirectory), settings, measurement, command, engineSettings);
        Console.WriteLine();
        Console.WriteLine(ReportWriter.Render(info, results, o.Engines, markdown: false));
        if (o.WriteFiles)
        {
            Directory.CreateDirectory(o.ResultsDirectory);
            string stem = Path.Combine(o.ResultsDirectory, date.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture));
            File.WriteAllText(stem + ".md", ReportWriter.Render(info, results, o.Engines, markdown: true));
            File.WriteAllText(stem + ".csv", ReportWriter.Csv(results));
            Console.WriteLine($"Written {stem}.md and {stem}.csv");
        }
        return 0;
    }
}
