namespace AimLsm.Bench.DbBench;

/// <summary>
/// Folds the passes of <c>dbbench --repeat N</c> into one result per (engine, workload, threads): the pass whose ops/s
/// is the median stands for the row, and the row keeps every pass's ops/s in pass order, so that a ratio between two
/// engines can be the median of the per-pass ratios (each taken within one pass, on the machine as it was then).
/// </summary>
internal static class RepeatedRuns
{
    /// <summary>One result per row of <paramref name="passes"/>[0]; rows missing from a later pass keep the passes they have.</summary>
    public static List<WorkloadResult> Median(IReadOnlyList<IReadOnlyList<WorkloadResult>> passes)
    {
        if (passes.Count == 1)
        {
            return [.. passes[0]];
        }
        var merged = new List<WorkloadResult>();
        foreach (WorkloadResult first in passes[0])
        {
            WorkloadResult[] same = [.. passes.Select(p => p.FirstOrDefault(r => SameRow(r, first))).OfType<WorkloadResult>()];
            WorkloadResult[] sorted = [.. same.OrderBy(r => r.OpsPerSecond)];
            // The lower median for an even count: a pass that really ran, not an average of two.
            WorkloadResult mid = sorted[(sorted.Length - 1) / 2];
            string range = $"median of {same.Length} passes, {sorted[0].OpsPerSecond:N0}-{sorted[^1].OpsPerSecond:N0} ops/s";
            merged.Add(mid with
            {
                PassOpsPerSecond = [.. same.Select(r => r.OpsPerSecond)],
                Note = string.IsNullOrEmpty(mid.Note) ? range : range + "; " + mid.Note,
            });
        }
        return merged;
    }

    /// <summary>The median of a.PassOps[i] / b.PassOps[i] over the passes both ran; 0 when they share none.</summary>
    public static double MedianRatio(WorkloadResult a, WorkloadResult b)
    {
        double[] pa = a.PassOpsPerSecond.Length > 0 ? a.PassOpsPerSecond : [a.OpsPerSecond];
        double[] pb = b.PassOpsPerSecond.Length > 0 ? b.PassOpsPerSecond : [b.OpsPerSecond];
        double[] ratios = [.. pa.Zip(pb).Where(p => p.First > 0 && p.Second > 0).Select(p => p.First / p.Second).Order()];
        if (ratios.Length == 0)
        {
            return 0;
        }
        int n = ratios.Length;
        return n % 2 == 1 ? ratios[n / 2] : (ratios[(n / 2) - 1] + ratios[n / 2]) / 2;
    }

    private static bool SameRow(WorkloadResult a, WorkloadResult b) =>
        a.Engine == b.Engine && a.Workload == b.Workload && a.Threads == b.Threads;
}
