using System.CommandLine;
using System.CommandLine.Invocation;

namespace AimLsm.Tools.Shared;

/// <summary>
/// System.CommandLine's typo corrections for a mistyped option or command, as the "did you mean" tail of a tool's
/// one-line error. Shared by lsm-dump and aim-server (a linked source file: the tools share no assembly). Stateless.
/// </summary>
internal static class TypoSuggestions
{
    /// <summary>
    /// The corrections System.CommandLine offers for the last word of <paramref name="args"/> under
    /// <paramref name="root"/>, as "; did you mean X?", or empty. Its parse-error action prints them as
    /// "'word' was not matched. Did you mean one of the following?" and one name a line; help is switched off so only
    /// those lines are written, and they are read back.
    /// </summary>
    public static string For(RootCommand root, string[] args)
    {
        ParseResult parse = root.Parse(args);
        if (parse.Action is not ParseErrorAction action)
        {
            return "";
        }
        action.ShowHelp = false;
        action.ShowTypoCorrections = true;
        using var text = new StringWriter();
        parse.Invoke(new InvocationConfiguration { Output = text, Error = TextWriter.Null });
        string header = $"'{args[^1]}' was not matched.";
        var names = new List<string>();
        bool mine = false;
        foreach (string line in text.ToString().Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('\''))
            {
                mine = line.StartsWith(header, StringComparison.Ordinal);
            }
            else if (mine && line is not ("-h" or "-?" or "--help"))
            {
                names.Add(line);
            }
        }
        return names.Count == 0 ? "" : $"; did you mean {string.Join(" or ", names)}?";
    }
}
