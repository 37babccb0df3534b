using System.Buffers;

namespace AimLsm.Query.Runtime;

/// <summary>
/// Python's <c>str.strip</c>, <c>lstrip</c> and <c>rstrip</c> in time linear in the string and the characters, with
/// no heap allocation but the result. .NET's <c>Trim(char[])</c> compares every character of the string with every
/// character of the set, so <c>(run.name * 80000).strip('z' * 499999 + run.name)</c> ran for ever; here a set of more
/// than <see cref="SmallSet"/> characters becomes a bitmap of the 65,536 UTF-16 units (8 KiB on the stack), built in
/// one pass, and each end of the string is scanned once. Strips code points, as Python does: when the characters hold
/// a surrogate pair, the code points are sorted once and looked up by binary search.
/// </summary>
internal static class PyStrip
{
    /// <summary>The most characters searched directly (vectorized for up to 5); larger sets become a bitmap.</summary>
    private const int SmallSet = 8;

    /// <summary>Python's white space (<c>str.isspace</c>): .NET's <see cref="char.IsWhiteSpace(char)"/> plus the separators U+001C..U+001F.</summary>
    private static readonly SearchValues<char> WhiteSpace = SearchValues.Create(
        "\t\n\v\f\r\u001C\u001D\u001E\u001F \u0085\u00A0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A\u2028\u2029\u202F\u205F\u3000");

    /// <summary>
    /// <paramref name="s"/> without the leading (<paramref name="left"/>) and trailing (<paramref name="right"/>) code
    /// points found in <paramref name="chars"/>, or white space when <paramref name="chars"/> is null.
    /// </summary>
    public static string Strip(EvalContext ctx, string s, string? chars, bool left, bool right)
    {
        // The set costs a pass over chars (a sort when it has surrogates), the scans at most one pass over s.
        ctx.Tick(((long)s.Length + (chars?.Length ?? 0)) / 64);
        ReadOnlySpan<char> span = s;
        (int start, int end) = chars switch
        {
            null => StripSearch(span, WhiteSpace, left, right),
            _ when PyString.HasSurrogates(chars) => StripCodePoints(ctx, s, chars, left, right),
            { Length: <= SmallSet } => StripSearch(span, chars, left, right),
            _ => StripBitmap(span, chars, left, right),
        };
        return start == 0 && end == s.Length ? s : s[start..end];
    }

    private static (int Start, int End) StripSearch(ReadOnlySpan<char> s, SearchValues<char> set, bool left, bool right)
    {
        int start = left ? Found(s.IndexOfAnyExcept(set), s.Length) : 0;
        return (start, right ? s[start..].LastIndexOfAnyExcept(set) + start + 1 : s.Length);
    }

    private static (int Start, int End) StripSearch(ReadOnlySpan<char> s, ReadOnlySpan<char> set, bool left, bool right)
    {
        int start = left ? Found(s.IndexOfAnyExcept(set), s.Length) : 0;
        return (start, right ? s[start..].LastIndexOfAnyExcept(set) + start + 1 : s.Length);
    }

    private static int Found(int index, int none) => index < 0 ? none : index;

    private static (int Start, int End) StripBitmap(ReadOnlySpan<char> s, string chars, bool left, bool right)
    {
        Span<ulong> bits = stackalloc ulong[1024];
        bits.Clear();
        foreach (char c in chars)
        {
            bits[c >> 6] |= 1UL << (c & 63);
        }

        int start = 0;
        while (left && start < s.Length && (bits[s[start] >> 6] & (1UL << (s[start] & 63))) != 0)
        {
            start++;
        }

        int end = s.Length;
        while (right && end > start && (bits[s[end - 1] >> 6] & (1UL << (s[end - 1] & 63))) != 0)
        {
            end--;
        }

        return (start, end);
    }

    private static (int Start, int End) StripCodePoints(EvalContext ctx, string s, string chars, bool left, bool right)
    {
        // The code points of chars, sorted (a lone surrogate stands for itself): at most 4 bytes a UTF-16 unit of chars.
        ctx.Tick(chars.Length / 4);
        var set = new List<int>(chars.Length);
        for (int i = 0; i < chars.Length; i += CodePointLength(chars, i))
        {
            set.Add(CodePointAt(chars, i));
        }

        set.Sort();
        int start = 0;
        while (left && start < s.Length && set.BinarySearch(CodePointAt(s, start)) >= 0)
        {
            start += CodePointLength(s, start);
        }

        int end = s.Length;
        while (right && end > start)
        {
            int length = end - 2 >= start && char.IsSurrogatePair(s[end - 2], s[end - 1]) ? 2 : 1;
            if (set.BinarySearch(CodePointAt(s, end - length)) < 0)
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
