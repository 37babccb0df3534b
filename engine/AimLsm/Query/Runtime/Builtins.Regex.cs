using System.Text.RegularExpressions;

namespace AimLsm.Query.Runtime;

/// <summary>
/// <c>re.match</c>, <c>re.search</c> and <c>re.fullmatch</c> (an extension: Aim has no <c>re</c>). They return True or
/// None rather than a match object, which keeps truthiness and <c>is None</c> tests working. Each match runs with
/// <see cref="EvalContext.RegexTimeout"/>, on the non-backtracking engine when the pattern allows it; the rules that
/// bound building and running a regex are <see cref="RegexCache"/>'s.
/// </summary>
internal static partial class Builtins
{
    /// <summary><c>re.match(pattern, string)</c>: a match at the start.</summary>
    public static object? ReMatch(EvalContext ctx, object? pattern, object? input) => RegexTest(ctx, pattern, input, RegexMode.Match);

    /// <summary><c>re.search(pattern, string)</c>: a match anywhere.</summary>
    public static object? ReSearch(EvalContext ctx, object? pattern, object? input) => RegexTest(ctx, pattern, input, RegexMode.Search);

    /// <summary><c>re.fullmatch(pattern, string)</c>: a match of the whole string.</summary>
    public static object? ReFullMatch(EvalContext ctx, object? pattern, object? input) => RegexTest(ctx, pattern, input, RegexMode.FullMatch);

    private static object? RegexTest(EvalContext ctx, object? pattern, object? input, RegexMode mode)
    {
        if (pattern is not string p)
        {
            throw PyErrors.Type($"first argument must be string or compiled pattern, not {PyOps.TypeName(pattern)}");
        }

        if (input is not string s)
        {
            throw PyErrors.Type($"expected string or bytes-like object, got '{PyOps.TypeName(input)}'");
        }

        ctx.CheckBudget();
        Regex regex = RegexCache.Get(p, mode, ctx.RegexTimeout);
        if (RegexCache.Backtracks(regex) && s.Length > RegexCache.MaxBacktrackingInput)
        {
            throw new QueryLimitException(
                $"a regex that needs the backtracking engine (backreferences, lookarounds, many or nested repetitions) may search at most " +
                $"{RegexCache.MaxBacktrackingInput} characters, not {s.Length}");
        }

        // Building may have taken a while; the match is bounded by its timeout and RegexCache's rules, its memory by the reserve.
        ctx.CheckBudget();
        ctx.CheckMemory();
        try
        {
            return regex.IsMatch(s) ? PyOps.True : null;
        }
        catch (RegexMatchTimeoutException)
        {
            throw new QueryLimitException(
                $"a regex match ran longer than {ctx.RegexTimeout.TotalMilliseconds:0.###} ms (QueryOptions.RegexTimeout, at most a twentieth of QueryOptions.TimeBudget)");
        }
    }
}
