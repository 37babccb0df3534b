using System.Globalization;
using System.Text;
using AimLsm.Tree;

namespace AimLsm.Remote;

/// <summary>
/// AimQL text a remote read sends to aim-server to select exactly one run or one sequence (docs/aim-repo.md, "Many
/// machines"): values as Python literals the AimQL lexer reads back to the same value. Stateless.
/// </summary>
internal static class AimQlText
{
    /// <summary>
    /// Selects the run <paramref name="hash"/>, archived or not: a query that reads <c>run.archived</c> is not given the
    /// implied filter that leaves archived runs out (docs/aim-repo.md), and this clause is true for every run.
    /// </summary>
    public static string Run(string hash) =>
        $"run.hash == {Literal(hash)} and (run.archived or not run.archived)";

    /// <summary>Selects the metric <paramref name="name"/> with exactly <paramref name="context"/> of run <paramref name="hash"/>.</summary>
    /// <exception cref="NotSupportedException">A context value has no exact literal (a NaN or an infinity).</exception>
    public static string Metric(string hash, string name, Context context)
    {
        var text = new StringBuilder(Run(hash));
        text.Append(" and metric.name == ").Append(Literal(name)).Append(" and metric.context == {");
        bool first = true;
        foreach (KeyValuePair<string, object?> entry in context)
        {
            text.Append(first ? "" : ", ").Append(Literal(entry.Key)).Append(": ").Append(Literal(entry.Value));
            first = false;
        }

        return text.Append('}').ToString();
    }

    /// <summary>A context value (None, bool, int, float, str) as a Python literal.</summary>
    /// <exception cref="NotSupportedException">A NaN or an infinity (no literal equals it), or another type.</exception>
    public static string Literal(object? value) => value switch
    {
        null => "None",
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        // "R" is the shortest text that reads back to the same double, in a form Python's float literal accepts (1E-05).
        double d when double.IsFinite(d) => d.ToString("R", CultureInfo.InvariantCulture),
        string s => StringLiteral(s),
        _ => throw new NotSupportedException(
            $"A remote read selects a sequence by its context, and {value} ({value.GetType().Name}) has no AimQL literal equal to it."),
    };

    /// <summary>A str literal in single quotes: backslash, quote and control characters escaped, the rest as is.</summary>
    private static string StringLiteral(string s)
    {
        var text = new StringBuilder(s.Length + 2).Append('\'');
        foreach (char c in s)
        {
            switch (c)
            {
                case '\\': text.Append(@"\\"); break;
                case '\'': text.Append(@"\'"); break;
                case '\n': text.Append(@"\n"); break;
                case '\r': text.Append(@"\r"); break;
                case '\t': text.Append(@"\t"); break;
                case < ' ' or '\x7f': text.Append(@"\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture)); break;
                default: text.Append(c); break;
            }
        }

        return text.Append('\'').ToString();
    }
}
