using System.CommandLine;
using System.CommandLine.Invocation;

namespace AimLsm.Tools.Shared;

/// <summary>
/// System.CommandLine's typo corrections as a "; did you mean X?" clause, for the one-line errors of lsm-dump,
/// aim-server and engine.bench (a linked source file in each, tools/Shared/). System.CommandLine computes the corrections but only
/// prints them, from its parse-error action ("'word' was not matched. Did you mean one of the following?" and one
/// name a line); this runs that action with help switched off into a string and reads the names back.
/// </summary>
internal static class TypoSuggestions
{
    /// <summary>The corrections for the last word of <paramref name="args"/> parsed by <paramref name="root"/>, as
    /// "; did you mean X?" or "; did you mean X or Y?", or empty when System.CommandLine has none.</summary>
    public static string DidYouMean(RootCommand root, string[] args)
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
