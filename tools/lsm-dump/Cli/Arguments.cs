using System.CommandLine;
using System.Globalization;

namespace AimLsm.Tools.LsmDump.Cli;

/// <summary>
/// What a subcommand reads of its command line, over System.CommandLine's <see cref="ParseResult"/>: flags, valued
/// options and the PATH argument, with lsm-dump's checks and messages for values System.CommandLine takes as text.
/// </summary>
internal sealed class Arguments(ParseResult parse, Argument<string?> path)
{
    public bool Has(string flag) => Find(flag) is Option<bool> o && parse.GetValue(o);

    public string? Value(string name) => Find(name) is Option<string> o ? parse.GetValue(o) : null;

    /// <summary>A non-negative integer option, or null when absent.</summary>
    public long? Integer(string command, string name)
    {
        string? v = Value(name);
        if (v is null)
        {
            return null;
        }
        if (!long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out long n))
        {
            throw new BadInputException($"{command}: {name} wants a non-negative integer, not '{v}'");
        }
        return n;
    }

    /// <summary>The single path argument a subcommand works on (more than one is a parse error, see <see cref="CommandLine.Error"/>).</summary>
    public string SinglePath(string command, string what) =>
        parse.GetValue(path) ?? throw new BadInputException($"{command}: missing {what} (see lsm-dump {command} --help)");

    /// <summary>The option named <paramref name="name"/> of the chosen subcommand or the root's shared ones.</summary>
    private Option? Find(string name)
    {
        for (Command? c = parse.CommandResult.Command; c is not null; c = c.Parents.OfType<Command>().FirstOrDefault())
        {
            if (c.Options.FirstOrDefault(o => o.Name == name) is { } option)
            {
                return option;
            }
        }
        return null;
    }
}
