using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using AimLsm.Bench.DbBench;
using AimLsm.Bench.Frontend;
using AimLsm.Bench.Memory;
using AimLsm.Bench.Micro;
using AimLsm.Bench.Query;
using AimLsm.Bench.Remote;
using AimLsm.Bench.Stream;
using AimLsm.Bench.Track;
using AimLsm.Tools.Shared;

namespace AimLsm.Bench.Cli;

/// <summary>
/// engine.bench's command line on System.CommandLine (issue 19.2): one subcommand per workload, each defined beside
/// the workload (<c>XCommand.Create()</c>), with generated help, typo suggestions and tab completion. Bad input is one
/// line on stderr and exit code 2, as in lsm-dump (System.CommandLine alone would print help and exit 1); a workload
/// returns 0, or 1 when something it ran failed.
/// </summary>
internal static class BenchCommandLine
{
    public const string Name = "engine.bench";

    /// <summary>The whole command tree, fresh (System.CommandLine's symbols belong to one parent).</summary>
    public static RootCommand Create()
    {
        var root = new RootCommand(
            "AimLsm's benchmarks, run as: dotnet run -c Release --project engine.bench -- COMMAND [options]. "
            + "Exit codes: 0 done, 1 a workload failed or broke its budget, 2 bad input.")
        {
            HelpName = Name,
        };
        root.Subcommands.Add(DbBenchCommand.Create());
        root.Subcommands.Add(TrackCommand.Create());
        root.Subcommands.Add(QueryCommand.Create());
        root.Subcommands.Add(FrontendCommand.Create());
        root.Subcommands.Add(StreamCommand.Create());
        root.Subcommands.Add(BigValueCommand.Create());
        root.Subcommands.Add(MicroCommand.Create());
        root.Subcommands.Add(BudgetCommand.Create());
        root.Subcommands.Add(RemoteCommand.Create());
        root.Subcommands.Add(RemoteCommand.CreateClient());
        return root;
    }

    /// <summary>Parses <paramref name="args"/> and runs the chosen workload; returns the exit code. Help and errors go to
    /// <paramref name="stdout"/> and <paramref name="stderr"/>; the workloads print on the console.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        RootCommand root = Create();
        ParseResult parse = root.Parse(args);
        if (Error(root, parse) is { } error)
        {
            stderr.WriteLine(error);
            return 2;
        }
        // A workload's exception is a bug to see whole (stack and all), not a message System.CommandLine swallows.
        return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
    }

    /// <summary>The command line as the user gave it, for a report to say how it was made.</summary>
    public static string Echo(ParseResult parse) =>
        "dotnet run -c Release --project engine.bench -- " + string.Join(" ", parse.Tokens.Select(t => t.Value));

    /// <summary>The one-line message for a command line System.CommandLine rejected, or null when it is good.</summary>
    public static string? Error(RootCommand root, ParseResult parse)
    {
        if (parse.Errors.Count == 0)
        {
            return null;
        }
        Command command = parse.CommandResult.Command;
        bool atRoot = command == root;
        string who = atRoot ? Name : $"{Name} {command.Name}";
        string help = atRoot ? $"({Name} --help)" : $"(see {Name} {command.Name} --help)";
        string commands = string.Join(", ", root.Subcommands.Where(c => !c.Hidden).Select(c => c.Name));
        if (parse.UnmatchedTokens.Count > 0)
        {
            string word = parse.UnmatchedTokens[0];
            string[] typed = atRoot ? [word] : [command.Name, word];
            return word.StartsWith('-')
                ? $"{who}: unknown option '{word}'{TypoSuggestions.DidYouMean(root, typed)} {help}"
                : atRoot
                    ? $"{who}: unknown command '{word}'; commands: {commands}{TypoSuggestions.DidYouMean(root, typed)} {help}"
                    : $"{who}: unexpected argument '{word}' {help}";
        }
        foreach (ParseError e in parse.Errors)
        {
            if (e.SymbolResult is OptionResult { Tokens.Count: 0 } o)
            {
                return $"{who}: option {o.Option.Name} needs a value {help}";
            }
        }
        return atRoot && parse.Tokens.Count == 0
            ? $"{who}: name a command: {commands} {help}"
            : $"{who}: {parse.Errors[0].Message} {help}";
    }
}
