using AimLsm.Bench.DbBench;
using AimLsm.Bench.Micro;

namespace AimLsm.Bench;

/// <summary>
/// engine.bench entry point:
/// <c>dbbench</c> runs db_bench workloads side by side with RocksDB and ZoneTree;
/// <c>micro</c> runs the BenchmarkDotNet micro-benchmarks (arguments go to BenchmarkSwitcher);
/// <c>budget</c> runs them with a short in-process job and fails when one allocates more than budget.json allows.
/// </summary>
internal static class Program
{
    private const string Usage = """
        usage: dotnet run -c Release --project engine.bench -- <command> [options]

          dbbench [options]   db_bench workloads, aimlsm beside rocksdb and zonetree (dbbench --help)
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
            "micro" => MicroCommand.Run(rest),
            "budget" => BudgetCommand.Run(rest),
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
