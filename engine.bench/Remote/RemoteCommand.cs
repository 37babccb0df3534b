using System.CommandLine;
using AimLsm.Bench.Cli;
using AimLsm.Bench.DbBench;

namespace AimLsm.Bench.Remote;

/// <summary>The <c>remote</c> workload's command line, and the hidden <c>remote-client</c> its client processes run.</summary>
internal static class RemoteCommand
{
    public static Command Create()
    {
        var clients = BenchArgs.Int("--clients", "Client processes", 8, max: 64);
        var connections = BenchArgs.Int("--connections", "Tracking connections in all (a multiple of --clients), each 4 runs x 4 metrics x 2 contexts", 64, max: 1024);
        var steps = BenchArgs.Int("--steps", "Steps per sequence", 2_000);
        var warmup = BenchArgs.Int("--warmup-steps", "Steps per sequence tracked before the timed parts, in-process and in every client, so that both are timed with their code compiled by the tiered JIT (0: none)", 1000, min: 0);
        var passes = BenchArgs.Int("--passes", "Timed passes, each in-process then remote; the rates reported are their medians", 3, max: 20);
        var dataDir = BenchArgs.Text("--data-dir", "DIR", "Where the repos and spools go (default: the temp directory)");
        var results = BenchArgs.Text("--results", "DIR", "Where the Markdown report goes (default: engine.bench/results)");
        var noFiles = BenchArgs.Flag("--no-files", "Print the report only");
        var command = new Command("remote", "Remote tracking through a writable aim-server process beside the same shape tracked in-process")
        {
            clients, connections, steps, warmup, passes, dataDir, results, noFiles,
        };
        command.SetAction(parse => RemoteBench.Run(new RemoteBench.Settings(
            parse.GetValue(clients), parse.GetValue(connections), parse.GetValue(steps), parse.GetValue(warmup), parse.GetValue(passes),
            parse.GetValue(dataDir) ?? Path.GetTempPath(), parse.GetValue(results) ?? BenchOptions.DefaultResultsDirectory(),
            !parse.GetValue(noFiles))));
        return command;
    }

    /// <summary>What the <c>remote</c> workload starts in each client process (not for people: hidden from help).</summary>
    public static Command CreateClient()
    {
        var words = new Argument<string[]>("ARGS") { Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("remote-client", "A client process of the remote workload") { words };
        command.Hidden = true;
        command.SetAction(parse => RemoteBench.Client(parse.GetValue(words) ?? []));
        return command;
    }
}
