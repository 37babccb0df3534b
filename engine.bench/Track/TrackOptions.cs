using AimLsm.Bench.DbBench;

namespace AimLsm.Bench.Track;

/// <summary>What <c>track</c> runs, from its command line (<see cref="TrackCommand.Create"/>). Defaults are the sizes.</summary>
internal sealed class TrackOptions
{
    public static readonly string[] AllEngines = ["aimlsm", "rocksdb", "sqlite"];

    public IReadOnlyList<string> Engines { get; init; } = AllEngines;

    public int Runs { get; init; } = 100;

    public int Steps { get; init; } = 5000;

    public int Threads { get; init; } = 4;

    /// <summary>Timed whole-sequence reads, and as many timed samples, per engine.</summary>
    public int Reads { get; init; } = 200;

    public int SamplePoints { get; init; } = 500;

    public bool Compact { get; init; } = true;

    public string ResultsDirectory { get; init; } = BenchOptions.DefaultResultsDirectory();

    public string DataDirectory { get; init; } = Path.GetTempPath();

    public bool WriteFiles { get; init; } = true;

    /// <summary>What the tracked values are: <c>full</c> (the curves with full-precision noise), <c>float32</c> (the
    /// same curves rounded to float32, what ML metrics are) or <c>noisy32</c> (1 + uniform noise, rounded to float32:
    /// 23 random mantissa bits a point).</summary>
    public string Values { get; init; } = "full";

    /// <summary>A <see cref="TrackVariants"/> workload (order, long, many), or null for the engines' comparison.</summary>
    public string? Variant { get; init; }

    /// <summary>Steps of a variant's sequence: <c>--steps</c> when given, else 1,000,000.</summary>
    public int VariantSteps { get; init; } = 1_000_000;

    /// <summary>Sequences of the <c>many</c> variant.</summary>
    public int Sequences { get; init; } = 100_000;
}
