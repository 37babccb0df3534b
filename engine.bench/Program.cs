using AimLsm.Bench.Cli;

namespace AimLsm.Bench;

/// <summary>
/// engine.bench entry point (the commands are in <see cref="BenchCommandLine"/>, <c>--help</c> lists them):
/// <c>dbbench</c> runs db_bench workloads side by side with RocksDB and ZoneTree;
/// <c>track</c> runs the experiment-tracking workload beside RocksDB (Aim's layout) and SQLite (MLflow's table);
/// <c>query</c> times AimQL run and metric queries over a repo of 10,000 runs;
/// <c>frontend</c> times aim-server's page in a real browser;
/// <c>stream</c> measures sequences streamed through a pipe (points/s, MB/s);
/// <c>bigvalue</c> measures the peak RSS of writing one large value (Db.Put, Run.Track), each in a fresh process;
/// <c>micro</c> runs the BenchmarkDotNet micro-benchmarks (arguments go to BenchmarkSwitcher);
/// <c>budget</c> runs them with a short in-process job and fails when one allocates more than budget.json allows.
/// </summary>
internal static class Program
{
    public static int Main(string[] args) => BenchCommandLine.Run(args, Console.Out, Console.Error);
}
