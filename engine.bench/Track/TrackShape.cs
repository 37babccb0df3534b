namespace AimLsm.Bench.Track;

/// <summary>
/// What the <c>track</c> workload writes, the same for every engine: <see cref="Runs"/> runs, each with
/// <see cref="Metrics"/> x <see cref="Contexts"/> float sequences of <see cref="Steps"/> steps (epoch = step / 100),
/// tracked step-major like a training loop. Values are deterministic functions of (run, metric, context, step), so a
/// read can be checked against what was written. Immutable and thread-safe.
/// </summary>
internal sealed class TrackShape
{
    /// <summary>Metric names, as a training script would call them.</summary>
    public static readonly string[] Metrics = ["loss", "accuracy", "lr", "grad_norm"];

    /// <summary>The value of each context's single entry <c>{"subset": ...}</c>.</summary>
    public static readonly string[] Contexts = ["train", "val"];

    public TrackShape(int runs, int steps, int threads, string values = "full")
    {
        Runs = runs;
        Steps = steps;
        Threads = threads;
        Values = values;
    }

    /// <summary>full, float32 or noisy32 (see <see cref="TrackOptions.Values"/>).</summary>
    public string Values { get; }

    public int Runs { get; }

    public int Steps { get; }

    public int Threads { get; }

    public int SequencesPerRun => Metrics.Length * Contexts.Length;

    public long Points => (long)Runs * SequencesPerRun * Steps;

    public static long Epoch(long step) => step / 100;

    /// <summary>
    /// The tracked value: a smooth curve with full-precision noise (loss, accuracy, grad_norm) or a schedule (lr),
    /// the way real metrics look. Noise comes from a hash, so the same arguments always give the same double.
    /// </summary>
    public static double Value(int run, int metric, int context, long step)
    {
        double noise = Noise(run, metric, context, step);
        return metric switch
        {
            0 => (2.5 * Math.Exp(-step / 1500.0)) + 0.1 + (0.05 * noise) + (0.001 * run) + (0.02 * context),
            1 => 1 - (0.9 * Math.Exp(-step / 1000.0)) - (0.02 * noise) - (0.01 * context),
            2 => 1e-3 * 0.5 * (1 + Math.Cos(Math.PI * step / 5000.0)),
            _ => 1 + (4 * noise * Math.Exp(-step / 2000.0)),
        };
    }

    /// <summary>The value tracked at (run, metric, context, step) for this shape's <see cref="Values"/>.</summary>
    public double ValueOf(int run, int metric, int context, long step) => Values switch
    {
        "float32" => (float)Value(run, metric, context, step),
        "noisy32" => (float)(1 + Noise(run, metric, context, step)),
        _ => Value(run, metric, context, step),
    };

    /// <summary>
    /// The entropy floor of a full-precision value in bytes: the random bits its noise term carries, log2(noise
    /// amplitude / ulp of the value); 0 for the noiseless lr schedule. No lossless coding of the value goes below it.
    /// </summary>
    public static double EntropyFloorBytes(int run, int metric, int context, long step)
    {
        double amplitude = metric switch
        {
            0 => 0.05,
            1 => 0.02,
            2 => 0,
            _ => 4 * Math.Exp(-step / 2000.0),
        };
        double value = Value(run, metric, context, step);
        double ulp = Math.BitIncrement(Math.Abs(value)) - Math.Abs(value);
        return amplitude == 0 ? 0 : Math.Max(0, Math.Log2(amplitude / ulp)) / 8;
    }

    private static double Noise(int run, int metric, int context, long step) =>
        (Mix(((ulong)run << 40) ^ ((ulong)metric << 36) ^ ((ulong)context << 32) ^ (ulong)step) >> 11) * (1.0 / (1UL << 53));

    /// <summary>SplitMix64's finalizer: a fixed, well-mixed 64-bit hash.</summary>
    public static ulong Mix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    /// <summary><paramref name="count"/> random (run, metric, context) triples, the same for every engine given the seed.</summary>
    public (int Run, int Metric, int Context)[] Picks(int count, int seed)
    {
        var random = new Random(seed);
        var picks = new (int, int, int)[count];
        for (int i = 0; i < count; i++)
        {
            picks[i] = (random.Next(Runs), random.Next(Metrics.Length), random.Next(Contexts.Length));
        }
        return picks;
    }

    /// <summary>The runs thread <paramref name="thread"/> tracks, one after another: thread, thread + T, ...</summary>
    public IEnumerable<int> RunsOf(int thread)
    {
        for (int run = thread; run < Runs; run += Threads)
        {
            yield return run;
        }
    }
}
