using AimLsm.Bench.DbBench;
using AimLsm.Bench.Frontend;
using AimLsm.Bench.Memory;
using AimLsm.Bench.Micro;
using AimLsm.Bench.Query;
using AimLsm.Bench.Stream;
using AimLsm.Bench.Track;

namespace AimLsm.Bench;

/// <summary>
/// engine.bench entry point:
/// <c>dbbench</c> runs db_bench workloads side by side with RocksDB and ZoneTree;
/// <c>track</c> runs the experiment-tracking workload beside RocksDB (Aim's layout) and SQLite (MLflow's table);
/// <c>query</c> times AimQL run and metric queries over a repo of 10,000 runs;
/// <c>stream</c> measures sequences streamed through a pipe (points/s, MB/s);
/// <c>bigvalue</c> measures the peak RSS of writing one large value (Db.Put, Run.Track), each in a fresh process;
/// <c>micro</c> runs the BenchmarkDotNet micro-benchmarks (arguments go to BenchmarkSwitcher);
/// <c>budget</c> runs them with a short in-process job and fails when one allocates more than budget.json allows.
/// </summary>
internal static class Program
{
    private const string Usage = """
        usage: dotnet run -c Release --project engine.bench -- <command> [options]

          dbbench [options]   db_bench workloads, aimlsm beside rocksdb and zonetree (dbbench --help)
          track [options]     metric tracking: aimlsm beside aim's layout in rocksdb and mlflow's table in sqlite (track --help)
          query [options]     AimQL run and metric queries over 10,000 runs x 10 sequences (query --help)
          frontend [options]  aim-server's page in Debian's chromium: runs view, charts, a 1,000,000-step zoom (frontend --help)
          stream [options]    sequences streamed through a pipe, writer to reader (stream --help)
          bigvalue [options]  peak RSS of one large value through Db.Put and Run.Track, each in a fresh process (bigvalue --help)
          micro [bdn args]    BenchmarkDotNet micro-benchmarks, e.g. micro --filter '*Crc*'
          budget [--budget F] [--filter S]
                              short in-process run of the micro-benchmarks; exit 1 when one allocates more
                              bytes per operation than budget.json allows
        """;

    public static int Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }
        string[] rest = args[1..];
        return args[0] switch
        {
            "dbbench" => DbBenchCommand.Run(rest),
            "track" => TrackCommand.Run(rest),
            "query" => QueryCommand.Run(rest),
            "stream" => StreamCommand.Run(rest),
            "frontend" => FrontendCommand.Run(rest),
            "bigvalue" => BigValueCommand.Run(rest),
            "micro" => MicroCommand.Run(rest),
            "budget" => BudgetCommand.Run(rest),
            "remote" => Remote.RemoteBench.Run(new Remote.RemoteBench.Settings(
                rest.Length > 0 ? int.Parse(rest[0]) : 8, rest.Length > 1 ? int.Parse(rest[1]) : 64, rest.Length > 2 ? int.Parse(rest[2]) : 500,
                Path.GetTempPath(), "results", false)),
            "remote-client" => Remote.RemoteBench.Client(rest),
            "--help" or "-h" or "help" => Help(),
            _ => Unknown(args[0]),
        };
    }

    private static int Help()
    {
        Console.WriteLine(Usage);
        return 0;
    }

    private static int Unknown(string command)
    {
        Console.Error.WriteLine($"Unknown command '{command}'.");
        Console.Error.WriteLine(Usage);
        return 2;
    }
}
