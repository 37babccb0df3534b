using System.CommandLine;
using AimLsm.Bench.Cli;
using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace AimLsm.Bench.Micro;

/// <summary>
/// The <c>budget</c> subcommand, run by CI: every micro-benchmark in this process (no rebuild, no child process)
/// with a short job and the memory diagnoser, compared with budget.json. Exit 0 when all are within budget (or
/// explicitly known over it), 1 when one exceeds its budget or has none, 2 on bad arguments.
/// </summary>
internal static class BudgetCommand
{
    public static Job ShortJob { get; } = Job.Default
        .WithToolchain(InProcessEmitToolchain.Instance)
        .WithLaunchCount(1)
        .WithWarmupCount(2)
        .WithIterationCount(3)
        .WithIterationTime(TimeInterval.FromMilliseconds(100))
        .WithId("budget");

    public static Command Create()
    {
        var budget = BenchArgs.Text("--budget", "FILE", "The budget file (default: budget.json beside the bench)");
        var filter = BenchArgs.Text("--filter", "S", "Only the benchmarks whose name contains S");
        var command = new Command("budget",
            "Short in-process run of the micro-benchmarks; exit 1 when one allocates more bytes per operation than budget.json allows")
        {
            budget, filter,
        };
        command.SetAction(parse => Run(parse.GetValue(budget) ?? Path.Combine(AppContext.BaseDirectory, "budget.json"), parse.GetValue(filter)));
        return command;
    }

    private static int Run(string budgetPath, string? filter)
    {
        BudgetFile budget = BudgetFile.Load(budgetPath);
        Type[] types = [.. typeof(BudgetCommand).Assembly.GetTypes()
            .Where(t => t.IsPublic && t.Namespace == typeof(BudgetCommand).Namespace && t.GetMethods().Any(m => m.IsDefined(typeof(BenchmarkDotNet.Attributes.BenchmarkAttribute), false)))
            .OrderBy(t => t.Name, StringComparer.Ordinal)];

        var start = System.Diagnostics.Stopwatch.StartNew();
        var measured = new List<(string Name, long? Bytes, bool Ok)>();
        ImmutableConfig config = ImmutableConfigBuilder.Create(ManualConfig.CreateEmpty()
            .AddJob(ShortJob)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddLogger(new ErrorsOnlyLogger())
            .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "aimlsm-budget-artifacts"))
            .WithOptions(ConfigOptions.DisableLogFile));
        foreach (Type t in types)
        {
            BenchmarkRunInfo info = BenchmarkConverter.TypeToBenchmarks(t, config);
            BenchmarkCase[] cases = [.. info.BenchmarksCases.Where(c => filter is null || Name(c).Contains(filter, StringComparison.OrdinalIgnoreCase))];
            if (cases.Length == 0)
            {
                continue;
            }
            Console.Error.WriteLine($"budget: running {t.Name} ({cases.Length} benchmarks)...");
            Summary summary = BenchmarkRunner.Run(new BenchmarkRunInfo(cases, t, config));
            foreach (BenchmarkReport r in summary.Reports)
            {
                measured.Add((Name(r.BenchmarkCase), r.Success ? r.GcStats.GetBytesAllocatedPerOperation(r.BenchmarkCase) : null, r.Success));
            }
        }

        int failures = 0, known = 0;
        var knownReasons = new List<string>();
        var rows = new List<string[]>();
        foreach ((string name, long? bytes, bool ok) in measured.OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            BudgetEntry? entry = budget.Benchmarks.FirstOrDefault(b => b.Name == name);
            string status;
            if (!ok || bytes is null)
            {
                status = "FAIL (benchmark did not run)";
                failures++;
            }
            else if (entry is null)
            {
                status = "FAIL (no budget in budget.json)";
                failures++;
            }
            else if (bytes > entry.BytesPerOp)
            {
                if (entry.KnownOverBudget is not null)
                {
                    status = "KNOWN over budget (engine problem, see below)";
                    knownReasons.Add($"  {name}: {entry.KnownOverBudget}");
                    known++;
                }
                else
                {
                    status = "FAIL (over budget)";
                    failures++;
                }
            }
            else
            {
                // A known excess can pass one short run by chance (an arena chunk fell outside the measured iteration).
                status = entry.KnownOverBudget is not null ? "ok this run, still marked knownOverBudget" : "ok";
            }
            rows.Add([name, bytes?.ToString(CultureInfo.InvariantCulture) ?? "-", entry?.BytesPerOp.ToString(CultureInfo.InvariantCulture) ?? "-", status]);
        }
        foreach (BudgetEntry stale in budget.Benchmarks.Where(b => filter is null && measured.All(m => m.Name != b.Name)))
        {
            rows.Add([stale.Name, "-", stale.BytesPerOp.ToString(CultureInfo.InvariantCulture), "warning: no such benchmark"]);
        }

        Console.WriteLine();
        Console.WriteLine(DbBench.ReportWriter.Table(["benchmark", "allocated B/op", "budget B/op", "status"], rows, markdown: false));
        if (knownReasons.Count > 0)
        {
            Console.WriteLine("Known over budget (budget.json knownOverBudget; they do not fail the check):");
            knownReasons.ForEach(Console.WriteLine);
            Console.WriteLine();
        }
        Console.WriteLine($"budget: {measured.Count} benchmarks in {start.Elapsed.TotalSeconds:F0}s; {failures} over budget or failed, {known} known over budget ({budgetPath})");
        return failures > 0 ? 1 : 0;
    }

    private static string Name(BenchmarkCase c) => $"{c.Descriptor.Type.Name}.{c.Descriptor.WorkloadMethod.Name}";

    /// <summary>Keeps BenchmarkDotNet quiet except for errors, so CI output is the budget table.</summary>
    private sealed class ErrorsOnlyLogger : ILogger
    {
        public string Id => nameof(ErrorsOnlyLogger);

        public int Priority => 0;

        public void Write(LogKind logKind, string text)
        {
            if (logKind == LogKind.Error && !text.StartsWith("//", StringComparison.Ordinal))
            {
                Console.Error.Write(text);
            }
        }

        public void WriteLine() { }

        public void WriteLine(LogKind logKind, string text)
        {
            if (logKind == LogKind.Error && !text.StartsWith("//", StringComparison.Ordinal))
            {
                Console.Error.WriteLine(text);
            }
        }

        public void Flush() { }
    }
}
