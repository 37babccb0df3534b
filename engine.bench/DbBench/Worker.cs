using System.Diagnostics;
using AimLsm.Bench.Cli;
using System.Runtime.CompilerServices;

namespace AimLsm.Bench.DbBench;

/// <summary>
/// One thread's state in a timed workload: its latency histogram, its counters and its key picker. Latencies come
/// from <see cref="Stopwatch.GetTimestamp"/>, converted to nanoseconds; progress is published every 4,096 operations.
/// </summary>
internal sealed class Worker
{
    private static readonly double NanosPerTick = 1e9 / Stopwatch.Frequency;
    private readonly OpsProgress _progress;
    private long _unpublished;

    public Worker(int index, OpsProgress progress, int seed)
    {
        Index = index;
        _progress = progress;
        Picker = new KeyPicker(seed);
    }

    public int Index { get; }

    public KeyPicker Picker;

    public LatencyHistogram Latency { get; } = new();

    public long Ops { get; private set; }

    public long Bytes { get; set; }

    public long Found { get; set; }

    public static long Now() => Stopwatch.GetTimestamp();

    /// <summary>Records <paramref name="count"/> operations that together took since <paramref name="start"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Done(long start, long count = 1)
    {
        long nanos = (long)((Stopwatch.GetTimestamp() - start) * NanosPerTick);
        if (count == 1)
        {
            Latency.Record(nanos);
        }
        else
        {
            Latency.Record(nanos / count, count);
        }
        Ops += count;
        _unpublished += count;
        if (_unpublished >= 4096)
        {
            _progress.Add(_unpublished);
            _unpublished = 0;
        }
    }
}
