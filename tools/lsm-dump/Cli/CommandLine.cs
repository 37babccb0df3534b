using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using AimLsm.Tools.LsmDump.Commands;
using AimLsm.Tools.LsmDump.Output;
using AimLsm.Tools.Shared;

namespace AimLsm.Tools.LsmDump.Cli;

/// <summary>
/// lsm-dump's command line on System.CommandLine: one subcommand per file kind, each with a PATH argument and its own
/// options, and the options every subcommand shares (recursive on the root). System.CommandLine parses and writes the
/// help; this class only turns its parse errors into lsm-dump's one-line messages (exit code 2), with System.CommandLine's
/// typo corrections as "did you mean" suggestions.
/// </summary>
internal sealed class CommandLine
{
    /// <summary>A subcommand: its name, what its PATH is called in messages, its options and what it runs.</summary>
    public sealed record DumpCommand(Command Command, string PathName, Argument<string?> Path, string Details, Func<CommandContext, int> Run)
    {
        public string Name => Command.Name;
    }

    private readonly List<DumpCommand> _commands = [];

    public CommandLine()
    {
        Root = new RootCommand(
            "Inspects and verifies the files of an AimLsm database. Never modifies anything; works on a database another "
            + "process has open for writing. Exit codes: 0 ok, 1 damage found, 2 bad input. docs/format.md describes every "
            + "file byte by byte.")
        {
            // The tool's name in help and usage lines whatever process hosts it (tests run it inside testhost).
            HelpName = "lsm-dump",
        };
        Root.Options.Add(new Option<string>("--format")
        {
            Description = $"How keys and values are shown: {string.Join(", ", ByteFormats.Names)} (default {ByteFormats.Default})",
            HelpName = "F",
            Recursive = true,
        });
        Root.Options.Add(new Option<bool>("--json") { Description = "One JSON object on stdout, for scripts", Recursive = true });
        Root.Options.Add(new Option<bool>("--full") { Description = "Values in full (otherwise cut after 64 bytes)", Recursive = true });

        Add("wal", "FILE", "Records and write batches of a WAL file", WalCommand.Description, WalCommand.Run);
        Add("sst", "FILE", "Properties, index, blocks and entries of an SSTable", SstCommand.Description, SstCommand.Run,
            Flag("--blocks", "One row per data block: offset, size on disk, compression, entries, first and last key"),
            Flag("--keys", "Every entry: user key, sequence, type, value (each block's checksum is checked as it is read)"),
            Valued("--from", "K", "Entries with user key >= K only (implies --keys); K is written in the --format"),
            Valued("--to", "K", "Entries with user key < K only (implies --keys)"));
        Add("manifest", "FILE or DIR", "Version edits of a MANIFEST, and the levels they make", ManifestCommand.Description, ManifestCommand.Run);
        Add("db", "DIR", "Summary of a database: levels, files, WALs, totals", DbCommand.Description, DbCommand.Run);
        Add("scan", "DIR", "Live keys and values (through the engine's read-only open)", ScanCommand.Description, ScanCommand.Run,
            Valued("--prefix", "P", "Keys starting with P only (written in the --format)"),
            Valued("--from", "K", "Keys >= K (written in the --format)"),
            Valued("--to", "K", "Keys < K (written in the --format)"),
            Valued("--limit", "N", "At most N keys"));
        Add("verify", "DIR or FILE", "Check every checksum; exit code 1 when damaged", VerifyCommand.Description, VerifyCommand.Run);

        // A subcommand's --help ends with its longer description (what it prints, what it checks, what it locks).
        HelpOption help = Root.Options.OfType<HelpOption>().Single();
        help.Action = new DetailedHelpAction((HelpAction)help.Action!, _commands);
    }

    /// <summary>The root command, for parsing.</summary>
    public RootCommand Root { get; }

    /// <summary>The subcommand <paramref name="parse"/> chose, or null (the root: help, version, directives).</summary>
    public DumpCommand? Find(ParseResult parse) => _commands.Find(c => c.Command == parse.CommandResult.Command);

    /// <summary>
    /// The one-line error for a command line System.CommandLine rejected, or that it took but lsm-dump cannot (an
    /// option-like word where the PATH goes); null when it is good. The message includes "lsm-dump".
    /// </summary>
    public string? Error(ParseResult parse)
    {
        DumpCommand? command = Find(parse);
        if (command is null)
        {
            if (parse.UnmatchedTokens.Count == 0)
            {
                return parse.Errors.Count == 0 ? null : $"lsm-dump: {parse.Errors[0].Message}";
            }
            string word = parse.UnmatchedTokens[0];
            return word.StartsWith('-')
                ? $"lsm-dump: unknown option '{word}'{TypoSuggestions.DidYouMean(Root, [word])} (lsm-dump --help)"
                : $"lsm-dump: unknown command '{word}'; commands: {string.Join(", ", _commands.Select(c => c.Name))}{TypoSuggestions.DidYouMean(Root, [word])} (lsm-dump --help)";
        }
        string? path = parse.GetValue(command.Path);
        string? option = parse.UnmatchedTokens.FirstOrDefault(t => t.StartsWith('-'))
            ?? (path is { Length: > 1 } && path[0] == '-' ? path : null);
        if (option is not null)
        {
            return $"lsm-dump {command.Name}: unknown option '{option}'{TypoSuggestions.DidYouMean(Root, [command.Name, "PATH", option])} (see lsm-dump {command.Name} --help)";
        }
        foreach (ParseError error in parse.Errors)
        {
            if (error.SymbolResult is OptionResult o)
            {
                return $"lsm-dump {command.Name}: option {o.Option.Name} needs a value";
            }
        }
        if (parse.UnmatchedTokens.Count > 0)
        {
            string[] all = [.. path is null ? [] : new[] { path }, .. parse.UnmatchedTokens];
            return $"lsm-dump {command.Name}: expected one {command.PathName}, got {all.Length} arguments: {string.Join(' ', all)}";
        }
        return parse.Errors.Count == 0 ? null : $"lsm-dump {command.Name}: {parse.Errors[0].Message}";
    }

    private void Add(string name, string pathName, string summary, string details, Func<CommandContext, int> run, params Option[] options)
    {
        var path = new Argument<string?>(pathName.Replace(" or ", "|", StringComparison.Ordinal))
        {
            Description = "The " + pathName.Replace(" or ", " or the ", StringComparison.Ordinal) + " to read",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command(name, summary);
        command.Arguments.Add(path);
        foreach (Option o in options)
        {
            command.Options.Add(o);
        }
        Root.Subcommands.Add(command);
        _commands.Add(new DumpCommand(command, pathName, path, details.ReplaceLineEndings("\n"), run));
    }

    private static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    private static Option<string> Valued(string name, string helpName, string description) =>
        new(name) { Description = description, HelpName = helpName };
}
