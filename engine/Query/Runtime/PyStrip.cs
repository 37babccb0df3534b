using System.Buffers;

namespace AimLsm.Query.Runtime;

/// <summary>
/// Python's <c>str.strip</c>, <c>lstrip</c> and <c>rstrip</c> in time linear in the string and the characters:
/// the characters become a set once, and each end is scanned once (.NET's <c>Trim(char[])</c> compares every
/// character of the string with every character of the set, so <c>(run.name * 80000).strip('z' * 499999 + run.name)</c>
/// ran for ever). Strips code points, as Python does: a surrogate pair in the characters strips that pair only.
/// </summary>
internal static class PyStrip
{
    /// <summary>Python's white space (<c>str.isspace</c>): .NET's <see cref="char.IsWhiteSpace(char)"/> plus the separators U+001C..U+001F.</summary>
    private static readonly SearchValues<char> WhiteSpace = SearchValues.Create(
        "\t\n\v\f\r\u001C\u001D\u001E\u001F \u0085\u00A0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A\u2028\u2029\u202F\u205F\u3000");

    /// <summary>
    /// <paramref name="s"/> without the leading (<paramref name="left"/>) and trailing (<paramref name="right"/>) code
    /// points found in <paramref name="chars"/>, or white space when <paramref name="chars"/> is null.
    /// </summary>
    public static string Strip(EvalContext ctx, string s, string? chars, bool left, bool right)
    {
        // The set costs a pass over chars, the scans at most one pass over s.
        ctx.Tick(((long)s.Length + (chars?.Length ?? 0)) / 64);
        ReadOnlySpan<char> span = s;
        int start;
        int end;
        if (chars is null || !PyString.HasSurrogates(chars))
        {
            SearchValues<char> set = chars is null ? WhiteSpace : SearchValues.Create(chars);
            start = left ? Found(span.IndexOfAnyExcept(set), s.Length) : 0;
            end = right ? span[start..].LastIndexOfAnyExcept(set) + start + 1 : s.Length;
        }
        else
        {
            (start, end) = StripCodePoints(s, CodePointSet(chars), left, right);
        }

        return start == 0 && end == s.Length ? s : s[start..end];
    }

    private static int Found(int index, int none) => index < 0 ? none : index;

    /// <summary>The code points of <paramref name="chars"/> (a lone surrogate stands for itself).</summary>
    private static HashSet<int> CodePointSet(string chars)
    {
        var set = new HashSet<int>();
        for (int i = 0; i < chars.Length; i += CodePointLength(chars, i))
        {
            set.Add(CodePointAt(chars, i));
        }

        return set;
    }

    private static (int Start, int End) StripCodePoints(string s, HashSet<int> set, bool left, bool right)
    {
        int start = 0;
        while (left && start < s.Length && set.Contains(CodePointAt(s, start)))
        {
            start += CodePointLength(s, start);
        }

        int end = s.Length;
        while (right && end > start)
        {
            int length = end - 2 >= start && char.IsSurrogatePair(s[end - 2], s[end - 1]) ? 2 : 1;
            if (!set.Contains(CodePointAt(s, end - length)))
            {
                break;
            }

            end -= length;
        }

        return (start, end);
    }

    private static int CodePointLength(string s, int i) => i + 1 < s.Length && char.IsSurrogatePair(s[i], s[i + 1]) ? 2 : 1;

    private static int CodePointAt(string s, int i) => CodePointLength(s, i) == 2 ? char.ConvertToUtf32(s[i], s[i + 1]) : s[i];
}
