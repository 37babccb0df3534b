using System.Globalization;
using System.Text;

namespace AimLsm.Bench.DbBench;

/// <summary>
/// Renders results: a table of every figure, a table of ratios aimlsm/peer per workload, and the issue's goals with
/// where we stand. The same tables go to the console, to Markdown and (one row per result) to CSV.
/// </summary>
internal static class ReportWriter
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static readonly string[] ResultHeader =
        ["workload", "engine", "ops/s", "MB/s", "p50 µs", "p99 µs", "p99.9 µs", "W-amp", "disk MB", "peak RSS MB", "alloc B/op", "note"];

    public static string[] ResultRow(WorkloadResult r) =>
    [
        r.Key,
        r.Engine,
        r.OpsPerSecond.ToString("N0", Inv),
        r.MegabytesPerSecond.ToString("F1", Inv),
        Micros(r.P50Micros),
        Micros(r.P99Micros),
        Micros(r.P999Micros),
        r.WriteAmplification is double w ? w.ToString("F2", Inv) : "-",
        (r.BytesOnDisk / 1048576.0).ToString("F1", Inv),
        (r.PeakRssBytes / 1048576.0).ToString("F0", Inv),
        r.AllocatedBytesPerOp.ToString(r.AllocatedBytesPerOp < 10 ? "F2" : "F0", Inv),
        r.Note,
    ];

    private static string Micros(double us) => us < 10 ? us.ToString("F2", Inv) : us < 1000 ? us.ToString("F1", Inv) : us.ToString("F0", Inv);

    /// <summary>One line per result as it finishes, for the console.</summary>
    public static string Line(WorkloadResult r)
    {
        string[] c = ResultRow(r);
        return $"  {c[0],-34} {c[2],12} ops/s {c[3],7} MB/s  p50 {c[4],7}  p99 {c[5],7}  p99.9 {c[6],7} µs  " +
               $"W-amp {c[7],5}  disk {c[8],7} MB  RSS {c[9],5} MB  alloc {c[10],7} B/op" + (r.Note.Length > 0 ? $"  [{r.Note}]" : "");
    }

    public static (string[] Header, List<string[]> Rows) Ratios(IReadOnlyList<WorkloadResult> results, IReadOnlyList<string> engines)
    {
        string[] peers = [.. engines.Where(e => e != "aimlsm")];
        var header = new List<string> { "workload" };
        header.AddRange(engines.Select(e => $"{e} ops/s"));
        header.AddRange(peers.Select(p => $"aimlsm/{p}"));
        if (peers.Length > 1)
        {
            header.Add("aimlsm/best peer");
        }
        var rows = new List<string[]>();
        foreach (string key in results.Select(r => r.Key).Distinct())
        {
            var row = new List<string> { key };
            WorkloadResult? Of(string engine) => results.FirstOrDefault(r => r.Key == key && r.Engine == engine && !r.Incomparable);
            double Ops(string engine) => Of(engine)?.OpsPerSecond ?? 0;
            double Shown(string engine) => results.FirstOrDefault(r => r.Key == key && r.Engine == engine)?.OpsPerSecond ?? 0;
            row.AddRange(engines.Select(e => Shown(e) > 0 ? Shown(e).ToString("N0", Inv) : "-"));
            WorkloadResult? a = Of("aimlsm");
            foreach (string p in peers)
            {
                row.Add(Ratio(a, Of(p)));
            }
            if (peers.Length > 1)
            {
                // The best peer among those that did what the workload asks (a peer without fsync has no ratio).
                row.Add(Ratio(a, peers.Where(p => Of(p) is not null).MaxBy(Ops) is string best ? Of(best) : null));
            }
            rows.Add([.. row]);
        }
        return ([.. header], rows);
    }

    /// <summary>a/b, the median of the per-pass ratios when the run was repeated.</summary>
    private static string Ratio(WorkloadResult? a, WorkloadResult? b)
    {
        double r = a is null || b is null ? 0 : RepeatedRuns.MedianRatio(a, b);
        return r > 0 ? r.ToString("F2", Inv) + "x" : "-";
    }

    /// <summary>The issue's goals, each with the measured figure and whether it is met.</summary>
    public static List<string[]> Goals(IReadOnlyList<WorkloadResult> results)
    {
        WorkloadResult? Of(string engine, string workload, int threads) =>
            results.FirstOrDefault(r => r.Engine == engine && r.Workload == workload && r.Threads == threads);
        double Ops(string engine, string workload, int threads) => Of(engine, workload, threads)?.OpsPerSecond ?? 0;
        double RatioOf(WorkloadResult? a, WorkloadResult? b) => a is null || b is null ? 0 : RepeatedRuns.MedianRatio(a, b);
        var goals = new List<string[]>();
        void Goal(string text, double measured, double target)
        {
            string m = measured > 0 ? measured.ToString("F2", Inv) + "x" : "not measured";
            goals.Add([text, m, measured <= 0 ? "-" : measured >= target ? "met" : "not met"]);
        }
        // Issue 20: every row (1 and 2 threads) >= 2x RocksDB and >= 1x ZoneTree; fillsync has its own goal, because it
        // is bounded by the disk, and ZoneTree's fillsync does not fsync.
        foreach (WorkloadResult a in results.Where(r => r.Engine == "aimlsm" && r.Workload != "fillsync"))
        {
            Goal($"{a.Key}: aimlsm >= 2x rocksdb", RatioOf(a, Of("rocksdb", a.Workload, a.Threads)), 2);
            Goal($"{a.Key}: aimlsm >= 1x zonetree", RatioOf(a, Of("zonetree", a.Workload, a.Threads)), 1);
        }
        double r1 = Ops("aimlsm", "readrandom", 1), r2 = Ops("aimlsm", "readrandom", 2);
        Goal("readrandom: 2 threads >= 1.8x 1 thread", r1 > 0 && r2 > 0 ? r2 / r1 : 0, 1.8);
        int syncThreads = results.Where(r => r.Workload == "fillsync" && r.Threads > 1).Select(r => r.Threads).DefaultIfEmpty(8).Max();
        double s1 = Ops("aimlsm", "fillsync", 1), s8 = Ops("aimlsm", "fillsync", syncThreads);
        Goal($"fillsync: {syncThreads} threads >= 4x 1 thread", s1 > 0 && s8 > 0 ? s8 / s1 : 0, 4);
        return goals;
    }

    public static string Table(string[] header, IEnumerable<string[]> rows, bool markdown)
    {
        var all = new List<string[]> { header };
        all.AddRange(rows);
        int[] width = new int[header.Length];
        foreach (string[] r in all)
        {
            for (int i = 0; i < r.Length; i++)
            {
                width[i] = Math.Max(width[i], r[i].Length);
            }
        }
        var sb = new StringBuilder();
        void Row(string[] r)
        {
            sb.Append(markdown ? "| " : "");
            for (int i = 0; i < r.Length; i++)
            {
                bool numeric = i > 0 && r[i].Length > 0 && (char.IsDigit(r[i][0]) || r[i] == "-");
                string cell = numeric ? r[i].PadLeft(width[i]) : r[i].PadRight(width[i]);
                sb.Append(cell).Append(markdown ? " | " : "  ");
            }
            sb.Length -= markdown ? 1 : 2;
            sb.AppendLine();
        }
        Row(header);
        if (markdown)
        {
            sb.Append('|');
            for (int i = 0; i < header.Length; i++)
            {
                bool numeric = all.Skip(1).Any(r => r[i].Length > 0) &&
                    all.Skip(1).All(r => r[i].Length == 0 || r[i] == "-" || double.TryParse(r[i].TrimEnd('x'), NumberStyles.Number, Inv, out _));
                sb.Append(numeric && i > 0 ? new string('-', width[i] + 1) + ":|" : new string('-', width[i] + 2) + "|");
            }
            sb.AppendLine();
        }
        else
        {
            sb.AppendLine(string.Join("  ", width.Select(w => new string('-', w))));
        }
        foreach (string[] r in rows)
        {
            Row(r);
        }
        return sb.ToString();
    }

    public static string Render(RunInfo info, IReadOnlyList<WorkloadResult> results, IReadOnlyList<string> engines, bool markdown)
    {
        var sb = new StringBuilder();
        string h2 = markdown ? "### " : "== ";
        if (markdown)
        {
            sb.AppendLine($"## db_bench workloads, {info.Date:yyyy-MM-dd HH:mm} UTC").AppendLine();
        }
        sb.AppendLine($"{(markdown ? "- " : "")}Machine: {info.Machine}");
        sb.AppendLine($"{(markdown ? "- " : "")}Settings: {info.Settings}");
        foreach ((string engine, string settings) in info.EngineSettings)
        {
            sb.AppendLine($"{(markdown ? "- " : "  ")}{engine}: {settings}");
        }
        sb.AppendLine($"{(markdown ? "- " : "")}Measured: {info.Measurement}");
        sb.AppendLine($"{(markdown ? "- " : "")}Command: {(markdown ? "`" : "")}{info.Command}{(markdown ? "`" : "")}");
        sb.AppendLine();
        sb.AppendLine(h2 + "Results").AppendLine();
        sb.Append(Table(ResultHeader, results.Select(ResultRow), markdown)).AppendLine();
        (string[] rh, List<string[]> rr) = Ratios(results, engines);
        sb.AppendLine(h2 + "Ratios (ops/s, same run)").AppendLine();
        sb.Append(Table(rh, rr, markdown)).AppendLine();
        if (engines.Contains("aimlsm"))
        {
            sb.AppendLine(h2 + "Goals of issue 20").AppendLine();
            sb.Append(Table(["goal", "measured", "status"], Goals(results), markdown)).AppendLine();
        }
        return sb.ToString();
    }

    public static string Csv(IReadOnlyList<WorkloadResult> results)
    {
        var sb = new StringBuilder();
        sb.AppendLine("workload,threads,engine,ops,seconds,ops_per_sec,mb_per_sec,p50_us,p99_us,p999_us,write_amp,bytes_on_disk,peak_rss_bytes,alloc_bytes_per_op,note");
        foreach (WorkloadResult r in results)
        {
            sb.AppendLine(string.Join(",",
                r.Workload, r.Threads.ToString(Inv), r.Engine, r.Ops.ToString(Inv), r.Seconds.ToString("F4", Inv),
                r.OpsPerSecond.ToString("F0", Inv), r.MegabytesPerSecond.ToString("F2", Inv),
                r.P50Micros.ToString("F3", Inv), r.P99Micros.ToString("F3", Inv), r.P999Micros.ToString("F3", Inv),
                r.WriteAmplification?.ToString("F3", Inv) ?? "", r.BytesOnDisk.ToString(Inv), r.PeakRssBytes.ToString(Inv),
                r.AllocatedBytesPerOp.ToString("F2", Inv), "\"" + r.Note.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""));
        }
        return sb.ToString();
    }
}

/// <summary>What the report header says about a run.</summary>
internal sealed record RunInfo(DateTime Date, string Machine, string Settings, string Measurement, string Command, IReadOnlyDictionary<string, string> EngineSettings);
