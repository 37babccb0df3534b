namespace AimLsm.Bench.DbBench;

/// <summary>One workload's figures for one engine.</summary>
internal sealed record WorkloadResult
{
    public required string Engine { get; init; }

    public required string Workload { get; init; }

    public required int Threads { get; init; }

    /// <summary>Operations timed (reads for readwhilewriting; a seek and its nexts count as one).</summary>
    public required long Ops { get; init; }

    public required double Seconds { get; init; }

    /// <summary>User bytes (key + value) written or read by the timed operations.</summary>
    public required long UserBytes { get; init; }

    public required double P50Micros { get; init; }

    public required double P99Micros { get; init; }

    public required double P999Micros { get; init; }

    /// <summary>Bytes the process wrote to storage (workload plus the flush after it) / user bytes ingested; null for reads.</summary>
    public double? WriteAmplification { get; init; }

    public long BytesOnDisk { get; init; }

    public long PeakRssBytes { get; init; }

    public double AllocatedBytesPerOp { get; init; }

    /// <summary>The engine could not give the durability the workload asks for (ZoneTree's fillsync does not fsync), so
    /// ratios against it are not shown.</summary>
    public bool Incomparable { get; init; }

    /// <summary>Caveats: durability the engine could not match, keys not found, how latency was sampled.</summary>
    public string Note { get; init; } = "";

    /// <summary>With <c>--repeat N</c>: every pass's ops/s, in pass order (this result is the median pass); else empty.</summary>
    public double[] PassOpsPerSecond { get; init; } = [];

    public double OpsPerSecond => Seconds > 0 ? Ops / Seconds : 0;

    public double MegabytesPerSecond => Seconds > 0 ? UserBytes / Seconds / 1048576.0 : 0;

    /// <summary>The row key that pairs an engine's result with its peers'.</summary>
    public string Key => Threads == 1 ? Workload : $"{Workload} ({Threads} threads)";
}
