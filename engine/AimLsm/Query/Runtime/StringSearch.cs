namespace AimLsm.Query.Runtime;

/// <summary>
/// Ordinal substring search in time linear in the haystack and the needle, for <c>str.find</c> and <c>str.count</c>.
/// .NET's <c>IndexOf</c> is fast on real text but quadratic on crafted input: it filters candidates by two characters
/// and compares the rest, so <c>('ab' * 500000).find('ab' * 150000 + 'bb' + 'ab' * 150000)</c> compares 300,000
/// characters at each of 200,000 candidates (6.6 s against a 2 s budget). Needles of up to <see cref="ShortNeedle"/>
/// characters keep .NET's search, window by window (at most that many comparisons a position, and a look at the
/// budget after each <see cref="Window"/> positions); longer ones use Knuth-Morris-Pratt, which never looks at a
/// haystack character twice and ticks every <see cref="Window"/> characters.
/// </summary>
internal static class StringSearch
{
    /// <summary>The longest needle searched with .NET's <c>IndexOf</c>.</summary>
    public const int ShortNeedle = 64;

    /// <summary>Haystack positions searched between two ticks (with a short needle, at most 4 M character comparisons).</summary>
    private const int Window = 1 << 16;

    /// <summary>The UTF-16 index of the first occurrence of <paramref name="needle"/> (not empty) in <paramref name="s"/> at or after <paramref name="from"/>, or -1.</summary>
    public static int IndexOf(EvalContext ctx, string s, string needle, int from) =>
        needle.Length <= ShortNeedle ? IndexOfShort(ctx, s, needle, from) : Kmp(ctx, s, needle, from, countAll: false);

    /// <summary>The number of non-overlapping occurrences of <paramref name="needle"/> (not empty) in <paramref name="s"/>.</summary>
    public static long Count(EvalContext ctx, string s, string needle)
    {
        if (needle.Length > ShortNeedle)
        {
            return Kmp(ctx, s, needle, 0, countAll: true);
        }

        long count = 0;
        for (int i = IndexOfShort(ctx, s, needle, 0); i >= 0; i = IndexOfShort(ctx, s, needle, i + needle.Length))
        {
            count++;
            ctx.Tick(1);
        }

        return count;
    }

    private static int IndexOfShort(EvalContext ctx, string s, string needle, int from)
    {
        int position = from;
        while (s.Length - position >= needle.Length)
        {
            int end = (int)Math.Min(s.Length, (long)position + Window + needle.Length - 1);
            int found = s.AsSpan(position, end - position).IndexOf(needle, StringComparison.Ordinal);
            int scanned = found >= 0 ? found + needle.Length : end - position;
            ctx.Tick((long)scanned * needle.Length / 4096);
            if (found >= 0)
            {
                return position + found;
            }

            position = end - needle.Length + 1;
        }

        return -1;
    }

    /// <summary>
    /// Knuth-Morris-Pratt from <paramref name="from"/>: the index of the first match, or with
    /// <paramref name="countAll"/> the number of non-overlapping matches.
    /// </summary>
    private static int Kmp(EvalContext ctx, string s, string needle, int from, bool countAll)
    {
        ctx.Tick(needle.Length / 16);
        int[] failure = Failure(needle);
        int matched = 0;
        int count = 0;
        for (int i = from; i < s.Length; i++)
        {
            if (((i - from) & (Window - 1)) == Window - 1)
            {
                ctx.Tick(Window / 64);
            }

            while (matched > 0 && s[i] != needle[matched])
            {
                matched = failure[matched - 1];
            }

            if (s[i] == needle[matched])
            {
                matched++;
                if (matched == needle.Length)
                {
                    if (!countAll)
                    {
                        return i - needle.Length + 1;
                    }

                    count++;
                    matched = 0;
                }
            }
        }

        return countAll ? count : -1;
    }

    /// <summary>KMP's table: the length of the longest proper prefix of needle[..(i+1)] that is also its suffix.</summary>
    private static int[] Failure(string needle)
    {
        var failure = new int[needle.Length];
        int k = 0;
        for (int i = 1; i < needle.Length; i++)
        {
            while (k > 0 && needle[i] != needle[k])
            {
                k = failure[k - 1];
            }

            if (needle[i] == needle[k])
            {
                k++;
            }

            failure[i] = k;
        }

        return failure;
    }
}
