namespace AimLsm.Query.Runtime;

/// <summary>
/// What a regex pattern costs to build, read off its text before .NET builds it: how many elements it has once its
/// counted repetitions are unrolled (<c>(ab){3}</c> is 6) and how many unbounded loops (<c>*</c>, <c>+</c>,
/// <c>{n,}</c>) it has once unrolled (<c>(.*){1000}</c> is 1,000). .NET's non-backtracking engine unrolls counted
/// repetitions and builds its automaton from the unrolled pattern, and each unbounded loop multiplies the states it
/// derives: <c>(.*){1000}$</c> allocated 693 MB and ran 2.6 s past a 100 ms timeout while its automaton was built.
/// The scan is a conservative estimate, not a parser: the pattern has already parsed as a .NET regex; alternatives
/// add up as if each were taken, and a counted repetition multiplies by its upper bound (its lower one when open).
/// Counts saturate at <see cref="Saturation"/>.
/// </summary>
/// <param name="Size">Elements after unrolling counted repetitions.</param>
/// <param name="UnboundedLoops">Unbounded loops after unrolling counted repetitions.</param>
internal readonly record struct RegexShape(long Size, long UnboundedLoops)
{
    /// <summary>The largest count the scan reports.</summary>
    public const long Saturation = 1L << 40;

    /// <summary>Scans <paramref name="pattern"/>, a valid .NET regex.</summary>
    public static RegexShape Of(string pattern)
    {
        // One frame per open group: the totals of its finished items, and the last item (what a quantifier applies to).
        var frames = new Stack<(RegexShape Total, RegexShape Last)>();
        RegexShape total = default;
        RegexShape last = default;
        int i = 0;
        while (i < pattern.Length)
        {
            char c = pattern[i];
            switch (c)
            {
                case '(':
                    frames.Push((Add(total, last), default));
                    (total, last) = (default, default);
                    i = SkipGroupPrefix(pattern, i + 1);
                    continue;
                case ')' when frames.Count > 0:
                    RegexShape group = Add(total, last);
                    (total, last) = frames.Pop();
                    (total, last) = (Add(total, last), group);
                    i++;
                    continue;
                case '|':
                    (total, last) = (Add(total, last), default);
                    i++;
                    continue;
                case '*' or '+' or '?':
                    last = Repeat(last, 1, c != '?');
                    i = SkipLazySuffix(pattern, i + 1);
                    continue;
                case '{' when TryReadCount(pattern, i, out long count, out bool open, out int next):
                    last = Repeat(last, count, open);
                    i = SkipLazySuffix(pattern, next);
                    continue;
                case '\\':
                    (total, last) = (Add(total, last), new RegexShape(1, 0));
                    i += Math.Min(2, pattern.Length - i);
                    continue;
                case '[':
                    (total, last) = (Add(total, last), new RegexShape(1, 0));
                    i = SkipClass(pattern, i + 1);
                    continue;
                default:
                    (total, last) = (Add(total, last), new RegexShape(1, 0));
                    i++;
                    continue;
            }
        }

        RegexShape shape = Add(total, last);
        while (frames.Count > 0)
        {
            (RegexShape outer, RegexShape outerLast) = frames.Pop();
            shape = Add(Add(outer, outerLast), shape);
        }

        return shape;
    }

    private static RegexShape Add(RegexShape a, RegexShape b) =>
        new(Math.Min(a.Size + b.Size, Saturation), Math.Min(a.UnboundedLoops + b.UnboundedLoops, Saturation));

    /// <summary>An item repeated up to <paramref name="count"/> times, plus one loop when the repetition is unbounded.</summary>
    private static RegexShape Repeat(RegexShape item, long count, bool unbounded)
    {
        long times = Math.Max(count, 1);
        long size = item.Size > Saturation / times ? Saturation : item.Size * times;
        long loops = item.UnboundedLoops > Saturation / times ? Saturation : item.UnboundedLoops * times;
        return new RegexShape(size, Math.Min(loops + (unbounded ? 1 : 0), Saturation));
    }

    /// <summary>Reads <c>{n}</c>, <c>{n,}</c> or <c>{n,m}</c> at <paramref name="start"/>; false for a literal brace.</summary>
    private static bool TryReadCount(string pattern, int start, out long count, out bool open, out int next)
    {
        count = 0;
        open = false;
        next = start;
        int i = start + 1;
        long low = ReadNumber(pattern, ref i, out bool hasLow);
        long high = low;
        if (i < pattern.Length && pattern[i] == ',')
        {
            i++;
            high = ReadNumber(pattern, ref i, out bool hasHigh);
            open = !hasHigh;
        }

        if (!hasLow || i >= pattern.Length || pattern[i] != '}')
        {
            return false;
        }

        count = open ? low : high;
        next = i + 1;
        return true;
    }

    private static long ReadNumber(string pattern, ref int i, out bool any)
    {
        long value = 0;
        any = false;
        while (i < pattern.Length && char.IsAsciiDigit(pattern[i]))
        {
            value = Math.Min((value * 10) + (pattern[i] - '0'), Saturation);
            any = true;
            i++;
        }

        return value;
    }

    /// <summary>Skips <c>?:</c>, <c>?&lt;name&gt;</c>, <c>?'name'</c>, <c>?=</c>, <c>?!</c>, <c>?&lt;=</c>, <c>?&lt;!</c>, <c>?&gt;</c> and inline options.</summary>
    private static int SkipGroupPrefix(string pattern, int i)
    {
        if (i >= pattern.Length || pattern[i] != '?')
        {
            return i;
        }

        i++;
        if (i < pattern.Length && (pattern[i] == '<' || pattern[i] == '\'') && i + 1 < pattern.Length && pattern[i + 1] is not ('=' or '!'))
        {
            char close = pattern[i] == '<' ? '>' : '\'';
            int end = pattern.IndexOf(close, i + 1);
            return end < 0 ? pattern.Length : end + 1;
        }

        while (i < pattern.Length && pattern[i] is not (':' or ')' or '=' or '!' or '>') && pattern[i] != '(')
        {
            i++;
        }

        return i < pattern.Length && pattern[i] is ':' or '=' or '!' or '>' ? i + 1 : i;
    }

    private static int SkipLazySuffix(string pattern, int i) => i < pattern.Length && pattern[i] is '?' or '+' ? i + 1 : i;

    /// <summary>Skips a character class from just after its <c>[</c>: a leading <c>^</c> and <c>]</c> are literal, escapes are skipped.</summary>
    private static int SkipClass(string pattern, int i)
    {
        if (i < pattern.Length && pattern[i] == '^')
        {
            i++;
        }

        if (i < pattern.Length && pattern[i] == ']')
        {
            i++;
        }

        while (i < pattern.Length && pattern[i] != ']')
        {
            i += pattern[i] == '\\' ? 2 : 1;
        }

        return Math.Min(i + 1, pattern.Length);
    }
}
