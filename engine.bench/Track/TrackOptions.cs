using AimLsm.Bench.DbBench;

namespace AimLsm.Bench.Track;

/// <summary>The command line of <c>track</c>, parsed. Defaults are the sizes.</summary>
internal sealed class TrackOptions
{
    public static readonly string[] AllEngines = ["aimlsm", "rocksdb", "sqlite"];

    public IReadOnlyList<string> Engines { get; private set; } = AllEngines;

    public int Runs { get; private set; } = 100;

    public int Steps { get; private set; } = 5000;

    public int Threads { get; private set; } = 4;

    /// <summary>Timed whole-sequence reads, and as many timed samples, per engine.</summary>
    public int Reads { get; private set; } = 200;

    public int SamplePoints { get; private set; } = 500;

    public bool Compact { get; private set; } = true;

    public string ResultsDirectory { get; private set; } = BenchOptions.DefaultResultsDirectory();

    public string DataDirectory { get; private set; } = Path.GetTempPath();

    public bool WriteFiles { get; private set; } = true;

    /// <summary>What the tracked values are: <c>full</c> (the curves with full-precision noise), <c>float32</c> (the
    /// same curves rounded to float32, what ML metrics are) or <c>noisy32</c> (1 + uniform noise, rounded to float32:
    /// 23 random mantissa bits a point).</summary>
    public string Values { get; private set; } = "full";

    /// <summary>A <see cref="TrackVariants"/> workload (order, long, many), or null for the engines' comparison.</summary>
    public string? Variant { get; private set; }

    /// <summary>Steps of a variant's sequence: <c>--steps</c> when given, else 1,000,000.</summary>
    public int VariantSteps { get; private set; } = 1_000_000;

    /// <summary>Sequences of the <c>many</c> variant.</summary>
    public int Sequences { get; private set; } = 100_000;

    public const string Usage = """
        dotnet run -c Release --project engine.bench -- track [options]

          --engines LIST      aimlsm,rocksdb,sqlite (default: all three)
          --runs N            runs (default 100); each has 4 metrics x 2 contexts
          --steps N           steps per sequence (default 5000)
          --threads T         tracking threads; thread t tracks runs t, t+T, ... one after another (default 4)
          --reads N           timed whole-sequence reads and as many timed samples per engine (default 200)
          --sample N          points of a sample read (default 500)
          --quick             --runs 8 --steps 1000 --reads 100: a fast smoke run
          --no-compact        skip the full compaction (and the second bytes/point figure)
          --data-dir DIR      where the fresh store directories go (default: the temp directory)
          --results DIR       where the Markdown and CSV reports go (default engine.bench/results)
          --no-files          print the tables only
          --values KIND       full (default: curves with full-precision noise), float32 (the same rounded to
                              float32) or noisy32 (1 + uniform noise as float32: 23 random bits a point)
          --variant NAME      AimLsm alone, one workload instead of the comparison:
                                order  one sequence tracked in order, in a random permutation and with every
                                       100th step 1,000 steps late (ns/point, x in-order cost, peak RSS)
                                long   one 1,000,000-step metric: whole read, 500-point LTTB, 10,000-step window
                                many   --sequences sequences in one run (peak RSS, heap after close)
                              --steps sets a variant's steps (default 1,000,000)
          --sequences N       sequences of the many variant (default 100,000)

        Every engine runs in its own fresh directory, deleted afterwards, on the same points.
        """;

    public static TrackOptions Parse(IReadOnlyList<string> args)
    {
        var o = new TrackOptions();
        BenchOptions.ForEachOption(args, (a, Next) =>
        {
            switch (a)
            {
                case "--engines": o.Engines = BenchOptions.List(Next(), AllEngines, "engine"); break;
                case "--runs": o.Runs = (int)BenchOptions.Positive(Next(), a); break;
                case "--steps": o.Steps = o.VariantSteps = (int)BenchOptions.Positive(Next(), a); break;
                case "--values": o.Values = BenchOptions.List(Next(), ["full", "float32", "noisy32"], "value kind")[0]; break;
                case "--variant": o.Variant = BenchOptions.List(Next(), ["order", "long", "many"], "variant")[0]; break;
                case "--sequences": o.Sequences = (int)BenchOptions.Positive(Next(), a); break;
                case "--threads": o.Threads = (int)BenchOptions.Positive(Next(), a); break;
                case "--reads": o.Reads = (int)BenchOptions.Positive(Next(), a); break;
                case "--sample": o.SamplePoints = Math.Max(2, (int)BenchOptions.Positive(Next(), a)); break;
                case "--quick": (o.Runs, o.Steps, o.Reads) = (8, 1000, 100); break;
                case "--no-compact": o.Compact = false; break;
                case "--data-dir": o.DataDirectory = Next(); break;
                case "--results": o.ResultsDirectory = Next(); break;
                case "--no-files": o.WriteFiles = false; break;
                default: throw new ArgumentException($"Unknown option '{a}'.");
            }
        });
        return o;
    }
}
