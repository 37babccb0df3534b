using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace AimLsm.Query.Runtime;

/// <summary>
/// Compiled regexes by (pattern, mode, timeout), shared by every query; cleared when it reaches
/// <see cref="Capacity"/> entries, so patterns computed from params cannot grow it without bound. Python's
/// <c>(?P&lt;name&gt;...)</c> and <c>(?P=name)</c> are translated. Thread-safe.
/// <para>
/// Building and running a regex is bounded in time and memory, because .NET checks a match's timeout only now and then
/// inside the match and never while it builds: a pattern is at most <see cref="MaxPatternLength"/> characters. A
/// pattern runs on .NET's non-backtracking engine (linear in the input, so <c>(a+)+$</c> cannot explode) when its
/// <see cref="RegexShape"/> is small: at most <see cref="MaxNonBacktrackingLoops"/> unbounded loops and
/// <see cref="MaxNonBacktrackingSize"/> elements once counted repetitions are unrolled. That engine's automaton grows
/// with both, and neither its construction nor the building of its states checks the timeout: on a 1 MB input
/// <c>(.*){1000}$</c> took 693 MB and 2.6 s against a 100 ms timeout, <c>(.*){100}$</c> 34 MB, <c>(.*){32}$</c>
/// 1.8 MB; <c>(?:a?){128}a{128}</c> took 57 ms to construct, <c>(?:a?){64}a{64}</c> 0.4 ms. Any other pattern, and one
/// that needs backreferences or lookarounds, runs on the backtracking engine, which honours its timeout closely but
/// whose stack grows with the input (<c>(a|aa)+\1$</c>: 150 MB and 530 ms against 100 ms on 1 MB, 1.4 MB on 10,000
/// characters), so it may search at most <see cref="MaxBacktrackingInput"/> characters. The worst cases measured
/// under these rules (3.5 MB) stay within <see cref="MatchMemoryReserve"/>.
/// </para>
/// </summary>
internal static class RegexCache
{
    /// <summary>The most regexes kept.</summary>
    public const int Capacity = 256;

    /// <summary>The longest pattern accepted, in UTF-16 code units.</summary>
    public const int MaxPatternLength = 1000;

    /// <summary>The most unbounded loops (after unrolling counted repetitions) a pattern may have to run on the non-backtracking engine.</summary>
    public const long MaxNonBacktrackingLoops = 32;

    /// <summary>The most elements (after unrolling counted repetitions) a pattern may have to run on the non-backtracking engine.</summary>
    public const long MaxNonBacktrackingSize = 128;

    /// <summary>The longest string a pattern on the backtracking engine may search, in UTF-16 code units.</summary>
    public const int MaxBacktrackingInput = 10_000;

    /// <summary>The bytes one match may allocate under these rules, kept in reserve below the memory budget (<see cref="QueryLimits.MemoryReserve"/>).</summary>
    public const long MatchMemoryReserve = 8L << 20;

    private static readonly ConcurrentDictionary<(string Pattern, RegexMode Mode, TimeSpan Timeout), Regex> Cache = WarmedUp();

    /// <summary>
    /// The first match on each engine in a process runs while the JIT compiles that engine's code, which on a busy
    /// machine alone outlasted a 100 ms match timeout (<c>re.fullmatch('a+', 'aaa')</c> refused as too slow). A few
    /// matches on each engine, on tiny inputs and with a generous timeout (the same timed code paths), run once
    /// before the first regex of a query is built, so that cost never counts against a query's timeout.
    /// </summary>
    private static ConcurrentDictionary<(string Pattern, RegexMode Mode, TimeSpan Timeout), Regex> WarmedUp()
    {
        foreach (RegexOptions engine in new[] { RegexOptions.NonBacktracking, RegexOptions.None })
        {
            foreach (string pattern in new[] { @"^(?:a+|b\d)\z", "a+", "^(?:x*y)" })
            {
                var regex = new Regex(pattern, RegexOptions.CultureInvariant | engine, TimeSpan.FromMinutes(1));
                _ = regex.IsMatch("aaa") | regex.IsMatch("b1") | regex.IsMatch("zzxxy");
            }
        }

        return new();
    }

    /// <summary>The regex for <paramref name="pattern"/> anchored for <paramref name="mode"/>.</summary>
    /// <exception cref="QueryEvaluationException">The pattern is not a valid regex (<c>re.error</c>).</exception>
    /// <exception cref="QueryLimitException">The pattern is longer than <see cref="MaxPatternLength"/>.</exception>
    public static Regex Get(string pattern, RegexMode mode, TimeSpan timeout)
    {
        var key = (pattern, mode, timeout);
        if (Cache.TryGetValue(key, out Regex? regex))
        {
            return regex;
        }

        regex = Create(pattern, mode, timeout);
        if (Cache.Count >= Capacity)
        {
            Cache.Clear();
        }

        Cache[key] = regex;
        return regex;
    }

    /// <summary>True when <paramref name="regex"/> runs on the backtracking engine, so its input is limited to <see cref="MaxBacktrackingInput"/>.</summary>
    public static bool Backtracks(Regex regex) => (regex.Options & RegexOptions.NonBacktracking) == 0;

    private static Regex Create(string pattern, RegexMode mode, TimeSpan timeout)
    {
        if (pattern.Length > MaxPatternLength)
        {
            throw new QueryLimitException($"a regex pattern is {pattern.Length} characters long; the limit is {MaxPatternLength}");
        }

        string translated = pattern.Replace("(?P<", "(?<", StringComparison.Ordinal);
        translated = Regex.Replace(translated, @"\(\?P=(\w+)\)", @"\k<$1>", RegexOptions.None, TimeSpan.FromSeconds(1));
        try
        {
            // Parse the pattern alone first: only a well-formed pattern may be wrapped, or a stray ')' could escape the group.
            _ = new Regex(translated, RegexOptions.CultureInvariant, timeout);
        }
        catch (ArgumentException e)
        {
            throw PyErrors.Regex(e.Message);
        }

        string anchored = mode switch
        {
            RegexMode.Match => "^(?:" + translated + ")",
            RegexMode.FullMatch => "^(?:" + translated + @")\z",
            _ => translated,
        };
        RegexShape shape = RegexShape.Of(translated);
        if (shape.UnboundedLoops > MaxNonBacktrackingLoops || shape.Size > MaxNonBacktrackingSize)
        {
            return Backtracking(anchored, timeout);
        }

        try
        {
            return new Regex(anchored, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, timeout);
        }
        catch (NotSupportedException)
        {
            return Backtracking(anchored, timeout);
        }
        catch (ArgumentException e)
        {
            throw PyErrors.Regex(e.Message);
        }
    }

    private static Regex Backtracking(string anchored, TimeSpan timeout)
    {
        try
        {
            return new Regex(anchored, RegexOptions.CultureInvariant, timeout);
        }
        catch (ArgumentException e)
        {
            throw PyErrors.Regex(e.Message);
        }
    }
}
