using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace AimLsm.Tools.LsmDump.Cli;

/// <summary>
/// System.CommandLine's help, followed for a subcommand by its details: the paragraph that says what it prints, what it
/// checks and that it never writes. The command list of <c>lsm-dump --help</c> keeps to one-line summaries.
/// </summary>
internal sealed class DetailedHelpAction(HelpAction help, IReadOnlyList<CommandLine.DumpCommand> commands) : SynchronousCommandLineAction
{
    public override int Invoke(ParseResult parseResult)
    {
        int code = help.Invoke(parseResult);
        foreach (CommandLine.DumpCommand c in commands)
        {
            if (c.Command == parseResult.CommandResult.Command)
            {
                TextWriter output = parseResult.InvocationConfiguration.Output;
                output.WriteLine("Details:");
                foreach (string line in c.Details.Split('\n'))
                {
                    output.WriteLine("  " + line);
                }
            }
        }
        return code;
    }
}
