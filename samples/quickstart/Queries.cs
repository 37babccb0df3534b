using System.Diagnostics;
using AimLsm.Tree;
using AimLsm.Query;

namespace AimLsm.Samples.Quickstart;

/// <summary>How long one query took: the first time (compile, JIT and evaluate) and again (compiled query from the cache).</summary>
internal sealed record QueryTiming(string Name, int Results, TimeSpan First, TimeSpan Again);

/// <summary>
/// Three AimQL queries over the sweep, the kind one types into Aim's explorers, each printed as a table with its
/// timing. Queries read only metadata (parameters, each sequence's count, first, last, min and max), never the
/// sequences' points, which is why they stay fast however long the runs are.
/// </summary>
internal static class Queries
{
    public const string MiddleLearningRates = "run.hparams.optimizer == \"adam\" and 1e-4 < run.hparams.lr < 3e-3";

    public const string LowValLoss = "metric.name == \"loss\" and metric.context.subset == \"val\" and metric.last < 0.1";

    public const string Overfitting = "run.metrics[\"loss\", {\"subset\": \"val\"}].last - run.metrics[\"loss\", {\"subset\": \"train\"}].last > 0.07";

    private static readonly Context Val = new() { ["subset"] = "val" };
    private static readonly Context Train = new() { ["subset"] = "train" };

    /// <summary>Runs and prints the three queries; returns their timings and the val loss sequences found, lowest last first.</summary>
    public static (List<QueryTiming> Timings, List<SequenceMatch> LowestValLoss) RunAll(Repo repo)
    {
        var timings = new List<QueryTiming>();

        // 1. A run query over parameters: the runs whose hparams match, with a chained comparison as in Python.
        List<Run> runs = Timed(() => repo.QueryRuns(MiddleLearningRates), "runs by hparams", timings);
        var table = new TextTable("run", "name", "lr", "batch_size", "val loss (last)");
        foreach (Run run in runs.OrderBy(r => Param<double>(r, "lr")).ThenBy(r => Param<long>(r, "batch_size")))
        {
            table.Add(Short(run), run.Name ?? "", $"{Param<double>(run, "lr"):G}", $"{Param<long>(run, "batch_size")}",
                F4(run.GetSequence("loss", Val).Info.Last));
        }

        Print("Adam runs with a middle learning rate (a run query over hparams)", MiddleLearningRates, table, timings[^1]);

        // 2. A sequence query: every sequence is a candidate; it matches on its own metadata (name, context, last).
        List<SequenceMatch> matches = Timed(() => repo.QuerySequences(LowValLoss), "sequences by metadata", timings);
        matches.Sort((a, b) => ((double)a.Info.Last!).CompareTo((double)b.Info.Last!));
        table = new TextTable("run", "name", "metric", "context", "records", "last", "min");
        foreach (SequenceMatch m in matches)
        {
            table.Add(Short(m.Run), m.Run.Name ?? "", m.Info.Name, m.Info.Context.ToString() ?? "", $"{m.Info.Count:N0}", F4(m.Info.Last), F4(m.Info.Min));
        }

        Print("Sequences whose val loss ended below 0.1 (a sequence query over metric metadata)", LowValLoss, table, timings[^1]);

        // 3. A run query over metrics: run.metrics[name, context] reads one sequence's metadata, so runs compare
        //    their own sequences with each other, here the gap between val and train loss.
        List<Run> overfit = Timed(() => repo.QueryRuns(Overfitting), "runs by metrics", timings);
        table = new TextTable("run", "name", "train loss", "val loss", "gap");
        foreach (Run run in overfit.OrderBy(r => r.Name, StringComparer.Ordinal))
        {
            double train = (double)run.GetSequence("loss", Train).Info.Last!;
            double val = (double)run.GetSequence("loss", Val).Info.Last!;
            table.Add(Short(run), run.Name ?? "", F4(train), F4(val), F4(val - train));
        }

        Print("Overfitting runs: val loss ends more than 0.07 above train loss (a run query over run.metrics)", Overfitting, table, timings[^1]);
        return (timings, matches);
    }

    /// <summary>Evaluates a query twice: the first time compiles it (and JIT-compiles the evaluator); the second finds
    /// it in the query cache, which is what a user refining a query in an explorer sees.</summary>
    private static List<T> Timed<T>(Func<QueryResults<T>> query, string name, List<QueryTiming> timings)
    {
        var clock = Stopwatch.StartNew();
        List<T> results = [.. query()];
        TimeSpan first = clock.Elapsed;
        clock.Restart();
        int again = query().Count();
        timings.Add(new QueryTiming(name, results.Count, first, clock.Elapsed));
        Debug.Assert(again == results.Count, "a repo nobody writes to gives the same results twice");
        return results;
    }

    private static void Print(string title, string query, TextTable table, QueryTiming timing)
    {
        Console.WriteLine(title);
        Console.WriteLine($"  query: {query}");
        table.Write(Console.Out);
        Console.WriteLine($"  {timing.Results} results in {timing.First.TotalMilliseconds:F1} ms (compile + evaluate); " +
            $"again {timing.Again.TotalMilliseconds:F1} ms (cached)");
        Console.WriteLine();
    }

    private static T Param<T>(Run run, string name) => run.Tree["hparams", name].Get<T>();

    private static string Short(Run run) => run.Hash[..8];

    private static string F4(object? value) => value is double d ? d.ToString("F4") : value?.ToString() ?? "None";
}
