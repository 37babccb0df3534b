namespace AimLsm.Bench.DbBench;

/// <summary>
/// What <c>dbbench</c> runs, from its command line (<see cref="DbBenchCommand.Create"/>). Names and defaults follow RocksDB's db_bench where the concept is the
/// same (<c>--num</c>, <c>--value-size</c>, <c>--threads</c>, <c>--benchmarks</c> here called <c>--workloads</c>).
/// </summary>
internal sealed class BenchOptions
{
    public static readonly string[] AllEngines = ["aimlsm", "rocksdb", "zonetree"];

    public static readonly string[] AllWorkloads =
    [
        "fillseq", "fillrandom", "overwrite", "fillbatch", "fillsync",
        "readrandom", "readseq", "readreverse", "seekrandom", "readwhilewriting",
    ];

    public IReadOnlyList<string> Engines { get; init; } = AllEngines;

    public IReadOnlyList<string> Workloads { get; init; } = AllWorkloads;

    /// <summary>Operations per workload (keys loaded for the read workloads).</summary>
    public long Num { get; init; } = 1_000_000;

    /// <summary>Operations for fillsync: an fsync per write makes the full count take minutes (db_bench divides by 1000).</summary>
    public long NumSync { get; init; } = 10_000;

    public int KeySize { get; init; } = 16;

    public int ValueSize { get; init; } = 100;

    /// <summary>Thread counts for the read workloads; each read workload runs once per count.</summary>
    public IReadOnlyList<int> Threads { get; init; } = [1, 2];

    /// <summary>Thread counts for fillseq, fillrandom, overwrite and fillbatch; each runs once per count.</summary>
    public IReadOnlyList<int> WriteThreads { get; init; } = [1, 2];

    /// <summary>
    /// The least time a measured workload runs: a thread done with its share sooner runs it again until then (issue 20
    /// asks for rows of at least 2 s). The fillseq that loads the read database is never extended.
    /// </summary>
    public int MinSeconds { get; init; } = 2;

    /// <summary>Threads of the second fillsync run (the first has one).</summary>
    public int SyncThreads { get; init; } = 8;

    public int BatchSize { get; init; } = 1000;

    public int SeekNexts { get; init; } = 10;

    public string ResultsDirectory { get; init; } = DefaultResultsDirectory();

    /// <summary>Parent of each engine's fresh database directory.</summary>
    public string DataDirectory { get; init; } = Path.GetTempPath();

    public bool WriteFiles { get; init; } = true;

    /// <summary>Passes over every (engine, workload); the report gives the median pass (<see cref="RepeatedRuns"/>).</summary>
    public int Repeat { get; init; } = 1;

    /// <summary>engine.bench/results when run from the repository (dotnet run), else ./results.</summary>
    internal static string DefaultResultsDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AimLsm.Bench.csproj")))
            {
                return Path.Combine(dir.FullName, "results");
            }
        }
        return Path.Combine(Environment.CurrentDirectory, "results");
    }
}
