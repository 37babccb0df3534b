using System.Text;

namespace AimLsm.Query;

/// <summary>
/// Positions in a query's text: offset to line and column, and the Python-style excerpt (the line, then a caret under
/// the column) that compile errors show. Long lines are cut to a window around the column. Part of the error
/// vocabulary of the Query root (<see cref="AimQueryException"/> formats its message with it), so it references
/// nothing else of Query and every stage may use it.
/// </summary>
internal static class SourceText
{
    private const int Window = 80;

    /// <summary>The 1-based line and column of <paramref name="offset"/> (clamped to the text).</summary>
    public static (int Line, int Column) LineColumn(string text, int offset)
    {
        offset = Math.Clamp(offset, 0, text.Length);
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < offset; i++)
        {
            if (text[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }

        return (line, offset - lineStart + 1);
    }

    /// <summary><c>detail (line L, column C)</c>, then the line of the error and a caret under the column.</summary>
    public static string FormatError(string detail, string text, int offset)
    {
        offset = Math.Clamp(offset, 0, text.Length);
        (int line, int column) = LineColumn(text, offset);
        int lineStart = offset - (column - 1);
        int lineEnd = text.IndexOf('\n', lineStart);
        if (lineEnd < 0)
        {
            lineEnd = text.Length;
        }

        // Show at most a window of the line, keeping the caret inside it.
        int from = lineStart;
        int to = lineEnd;
        if (to - from > Window)
        {
            from = Math.Max(lineStart, offset - (Window / 2));
            to = Math.Min(lineEnd, from + Window);
        }

        var excerpt = new StringBuilder();
        if (from > lineStart)
        {
            excerpt.Append("...");
        }

        int caretColumn = excerpt.Length + (offset - from);
        foreach (char c in text.AsSpan(from, to - from))
        {
            // Tabs and other control characters would move the caret off its column.
            excerpt.Append(char.IsControl(c) ? ' ' : c);
        }

        if (to < lineEnd)
        {
            excerpt.Append("...");
        }

        return $"{detail} (line {line}, column {column})\n    {excerpt.ToString().TrimEnd('\r')}\n    {new string(' ', caretColumn)}^";
    }
}
