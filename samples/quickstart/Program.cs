// The quickstart, AimLsm's main job: tracks a simulated hyper-parameter sweep into a repo in a local folder from
// several threads, queries it with AimQL, streams one metric through a pipe and draws it, then shows the key-value
// engine underneath; it prints what it did and how fast.
// Usage: dotnet run -c Release --project samples/quickstart [-- [FOLDER] [--steps N] [--threads N] [--num N]]
// The command line is System.CommandLine's: --help, typo suggestions; bad input exits 2 with one line.
using System.CommandLine;
using System.Diagnostics;
using AimLsm.Samples.Quickstart;
using AimLsm.Tree;
using AimLsm.Query;

var folderArgument = new Argument<string>("FOLDER")
{
    Description = "The repo, deleted and recreated",
    Arity = ArgumentArity.ZeroOrOne,
    DefaultValueFactory = _ => "quickstart.aimlsm",
};
var stepsOption = new Option<int>("--steps") { Description = "Steps per run (at least 2)", HelpName = "N", DefaultValueFactory = _ => 20_000 };
var threadsOption = new Option<int>("--threads")
{
    Description = "Tracking threads (default: the cores, at least 2)",
    HelpName = "N",
    DefaultValueFactory = _ => Math.Max(2, Environment.ProcessorCount),
};
var numOption = new Option<int>("--num") { Description = "Entries of the key-value section (0 skips it)", HelpName = "N", DefaultValueFactory = _ => 200_000 };
var command = new RootCommand("AimLsm's quickstart: a simulated sweep tracked, queried with AimQL, streamed and drawn, then the key-value engine.")
{
    folderArgument, stepsOption, threadsOption, numOption,
};
command.HelpName = "quickstart";
ParseResult parsed = command.Parse(args);
string folder = parsed.GetValue(folderArgument) ?? "quickstart.aimlsm"; // text: never fails to convert
int steps = parsed.Errors.Count == 0 ? parsed.GetValue(stepsOption) : 0;
int threads = parsed.Errors.Count == 0 ? parsed.GetValue(threadsOption) : 0;
int num = parsed.Errors.Count == 0 ? parsed.GetValue(numOption) : 0;
string? error = folder.StartsWith('-') ? $"unknown option '{folder}'" // an unknown option lands in FOLDER, which takes any word
    : parsed.Errors.Count > 0 ? parsed.Errors[0].Message
    : steps < 2 ? "--steps must be at least 2"
    : threads < 1 ? "--threads must be at least 1"
    : num < 0 ? "--num must not be negative"
    : null;
if (error is not null && parsed.Action is not System.CommandLine.Help.HelpAction)
{
    // System.CommandLine's own parse errors exit 1; bad input exits 2 here as in the tools, with one line.
    Console.Error.WriteLine($"quickstart: {error} (quickstart --help)");
    return 2;
}
if (parsed.Action is not null)
{
    return parsed.Invoke(); // --help, --version
}

string path = Path.GetFullPath(folder);
if (Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any())
{
    // Delete only what is recognizably an earlier quickstart's repo, never someone's other folder.
    if (!File.Exists(Path.Combine(path, Repo.MarkerFileName)))
    {
        Console.Error.WriteLine($"quickstart: '{path}' exists and is not an AimLsm repo; name another folder.");
        return 2;
    }

    Directory.Delete(path, recursive: true);
}

var total = Stopwatch.StartNew();
Console.WriteLine($"AimLsm quickstart: {Environment.ProcessorCount} cores, .NET {Environment.Version}{(Debugger.IsAttached ? ", debugger attached (slow)" : "")}");
Console.WriteLine($"repo: {path}");
Console.WriteLine();

// 1. Track. Each writable Repo instance writes through an engine of its own (a writer slot under slots/); runs of
// the sweep share it, and their points share the background writer's batches.
var sweep = new Sweep(steps, threads);
Console.WriteLine($"1. Track a sweep: {sweep.Runs.Count} runs (lr x batch_size x optimizer) x {Sweep.Metrics.Length} metrics " +
    $"({string.Join(", ", Sweep.Metrics)}) x train/val x {steps:N0} steps = {sweep.Points:N0} points, {threads} threads");
SweepResult ingest;
using (Repo repo = Repo.Open(path))
{
    ingest = sweep.Track(repo);
}

long bytes = new DirectoryInfo(path).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
Console.WriteLine($"  {ingest.Points:N0} points durable in {ingest.Elapsed.TotalSeconds:F2} s = {ingest.PointsPerSecond:N0} points/s; " +
    $"{bytes / 1e6:F1} MB on disk, {(double)bytes / ingest.Points:F1} bytes per point");
Console.WriteLine();

// 2-3. Read back through a read-only view, as an explorer beside a training job would: it takes no lock and
// writes nothing.
List<QueryTiming> queries;
StreamResult streamed;
var opening = Stopwatch.StartNew();
using (Repo repo = Repo.OpenReadOnly(path))
{
    var sequences = repo.Runs.SelectMany(r => r.Sequences).ToList();
    TimeSpan openTime = opening.Elapsed;
    int expected = sweep.Runs.Count * Sweep.Metrics.Length * Sweep.Subsets.Length;
    if (sequences.Count != expected || sequences.Any(s => s.Count != steps))
    {
        Console.Error.WriteLine($"quickstart: expected {expected} sequences of {steps} records; " +
            $"found {sequences.Count}: {string.Join(", ", sequences.Where(s => s.Count != steps).Take(3))}");
        return 1;
    }

    Console.WriteLine($"2. Query with AimQL (the repo reopened read-only and checked in {openTime.TotalMilliseconds:F0} ms: " +
        $"{sequences.Count} sequences of {steps:N0} records each)");
    Console.WriteLine();
    (queries, List<SequenceMatch> lowest) = Queries.RunAll(repo);

    // The sequence to stream: the lowest val loss the second query found; with few steps none may be that low.
    SequenceMatch best = lowest.Count > 0
        ? lowest[0]
        : repo.QuerySequences("metric.name == \"loss\" and metric.context.subset == \"val\"").MinBy(m => (double)m.Info.Last!)!;
    Console.WriteLine($"3. Stream the val loss of the best run ({best.Run.Hash[..8]}, {best.Run.Name}) through a pipe, sampled to {StreamChart.Density} points");
    streamed = await StreamChart.RunAsync(best.Sequence);
    Console.WriteLine($"  streamed {streamed.Points:N0} of {best.Info.Count:N0} points in {streamed.Chunks} chunks, {streamed.Bytes:N0} bytes, " +
        $"{streamed.Elapsed.TotalMilliseconds:F1} ms (repo read + sampling + encode + decode)");
    Console.WriteLine();
}

if (num > 0)
{
    Console.WriteLine("4. The engine underneath, used directly as an ordered key-value store");
    string dbPath = Path.Combine(Path.GetTempPath(), $"aimlsm-quickstart-{Environment.ProcessId}");
    try
    {
        if (!EngineTour.Run(dbPath, num))
        {
            return 1;
        }
    }
    finally
    {
        if (Directory.Exists(dbPath))
        {
            Directory.Delete(dbPath, recursive: true);
        }
    }

    Console.WriteLine();
}

Console.WriteLine("Timings");
Console.WriteLine($"  ingest   {ingest.Points:N0} points from {ingest.Threads} threads in {ingest.Elapsed.TotalSeconds:F2} s = {ingest.PointsPerSecond:N0} points/s");
foreach (QueryTiming q in queries)
{
    Console.WriteLine($"  query    {q.Name,-22} {q.Results,3} results  {q.First.TotalMilliseconds,6:F1} ms first, {q.Again.TotalMilliseconds,5:F1} ms cached");
}

Console.WriteLine($"  stream   {streamed.Points:N0} points, {streamed.Bytes:N0} bytes in {streamed.Elapsed.TotalMilliseconds:F1} ms");
Console.WriteLine($"  total    {total.Elapsed.TotalSeconds:F1} s");
Console.WriteLine();
// Each writer slot is a plain AimLsm database, so the file inspector reads it; --format aim decodes the tree's keys.
string slot = Directory.GetDirectories(Path.Combine(path, "slots")).Order(StringComparer.Ordinal).First();
Console.WriteLine($"The repo stays in {path} (rerunning starts afresh). Look inside with:");
Console.WriteLine($"  dotnet run --project tools/lsm-dump -- scan {slot} --format aim --limit 20");
Console.WriteLine("See the sweep's runs and compare their curves in a browser (the command prints the page's URL):");
Console.WriteLine($"  dotnet run -c Release --project tools/aim-server -- --repo {path}");
return 0;
