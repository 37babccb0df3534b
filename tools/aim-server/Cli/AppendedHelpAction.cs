using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace AimLsm.Server.Cli;

/// <summary>System.CommandLine's help, followed, for one command, by a section of text of its own (the root's endpoints).</summary>
internal sealed class AppendedHelpAction(HelpAction help, Command command, string section) : SynchronousCommandLineAction
{
    public override int Invoke(ParseResult parseResult)
    {
        int code = help.Invoke(parseResult);
        if (parseResult.CommandResult.Command == command)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(section);
        }

        return code;
    }
}
