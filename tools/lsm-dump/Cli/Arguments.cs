using System.Globalization;

namespace AimLsm.Tools.LsmDump.Cli;

/// <summary>
/// A parsed command line: positional arguments, boolean flags and options with values. Every subcommand declares
/// which of them it accepts; anything else is a <see cref="BadInputException"/>.
/// </summary>
internal sealed class Arguments
{
    /// <summary>Options every subcommand accepts.</summary>
    private static readonly string[] CommonFlags = ["--json", "--help", "--full"];
    private static readonly string[] CommonValues = ["--format"];

    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    public List<string> Positional { get; } = [];

    /// <summary>Parses <paramref name="args"/> for a subcommand that accepts the given flags and valued options.</summary>
    public static Arguments Parse(string command, IEnumerable<string> args, string[] flags, string[] valued)
    {
        var a = new Arguments();
        using IEnumerator<string> e = args.GetEnumerator();
        while (e.MoveNext())
        {
            string arg = e.Current;
            if (arg == "-h")
            {
                arg = "--help";
            }
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                string name = arg;
                string? inline = null;
                int eq = arg.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    name = arg[..eq];
                    inline = arg[(eq + 1)..];
                }
                if (CommonValues.Contains(name) || valued.Contains(name))
                {
                    if (inline is null)
                    {
                        if (!e.MoveNext())
                        {
                            throw new BadInputException($"{command}: option {name} needs a value");
                        }
                        inline = e.Current;
                    }
                    a._values[name] = inline;
                }
                else if ((CommonFlags.Contains(name) || flags.Contains(name)) && inline is null)
                {
                    a._flags.Add(name);
                }
                else
                {
                    throw new BadInputException($"{command}: unknown option '{arg}' (see lsm-dump {command} --help)");
                }
            }
            else
            {
                a.Positional.Add(arg);
            }
        }
        return a;
    }

    public bool Has(string flag) => _flags.Contains(flag);

    public string? Value(string name) => _values.TryGetValue(name, out string? v) ? v : null;

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

    /// <summary>The single path argument a subcommand works on.</summary>
    public string SinglePath(string command, string what)
    {
        if (Positional.Count == 0)
        {
            throw new BadInputException($"{command}: missing {what} (see lsm-dump {command} --help)");
        }
        if (Positional.Count > 1)
        {
            throw new BadInputException($"{command}: expected one {what}, got {Positional.Count} arguments: {string.Join(' ', Positional)}");
        }
        return Positional[0];
    }
}
