using System.Diagnostics.CodeAnalysis;

namespace AimLsm.Query;

/// <summary>
/// Resource limits and clock of AimQL. The defaults let every query a person types run, and stop a malicious or
/// runaway one quickly: a long query, deep nesting, <c>'a' * 10**9</c>, catastrophic regex backtracking. Options are
/// read when a query is compiled (limits) or when its evaluation starts (time and memory budgets, clock); changing an instance
/// later does not affect a query already compiled or an enumeration already running.
/// </summary>
public sealed class QueryOptions
{
    /// <summary>The hard cap on <see cref="MaxDepth"/>: the parser, binder and compiler recurse once per level.</summary>
    public const int MaxDepthLimit = 256;

    /// <summary>The defaults (do not modify the shared instance; create a new one instead).</summary>
    internal static readonly QueryOptions Default = new();

    /// <summary>The longest query text accepted, in UTF-16 code units (default 8,192, Aim's limit on a URL query is similar).</summary>
    public int MaxQueryLength { get; set; } = 8192;

    /// <summary>
    /// The deepest nesting of the syntax tree and of brackets, unary operators and <c>not</c> (default 64; at most
    /// <see cref="MaxDepthLimit"/>). <c>a + b + c</c> nests one level per operator, so this also bounds long chains of
    /// binary operators; <c>and</c>, <c>or</c> and comparison chains are flat.
    /// </summary>
    public int MaxDepth { get; set; } = 64;

    /// <summary>The most syntax nodes a query may have (default 2,000): bounds compile time and evaluation work per run.</summary>
    public int MaxNodes { get; set; } = 2000;

    /// <summary>
    /// The longest string any operator may build, and the longest string literal, in UTF-16 code units (default 1 MiB).
    /// The check comes before the allocation, so <c>'a' * 10**9</c> fails at once.
    /// </summary>
    public int MaxStringLength { get; set; } = 1 << 20;

    /// <summary>The most elements a list or tuple built by an operator may have (default 100,000); checked before allocating.</summary>
    public int MaxListLength { get; set; } = 100_000;

    /// <summary>
    /// The longest one <c>re.match</c>/<c>re.search</c> may run (default 100 ms); a longer match fails the run. A match
    /// runs at most a twentieth of <see cref="TimeBudget"/> whatever this says, because .NET checks a match's timeout only
    /// inside the match: one match started just before the budget runs out must not carry the query far past it.
    /// </summary>
    public TimeSpan RegexTimeout { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The time one enumeration (<see cref="RunQuery.Filter{T}"/>, <see cref="SequenceQuery.Filter{T}"/>, or one
    /// <see cref="RunQuery.Matches"/>) may spend evaluating (default 10 s). Time the consumer spends between results
    /// does not count; reading runs from the source does. Exceeding it throws <see cref="QueryTimeoutException"/>.
    /// <see cref="Timeout.InfiniteTimeSpan"/> disables it.
    /// </summary>
    public TimeSpan TimeBudget { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The most bytes one evaluation may allocate (default 256 MiB): one run's evaluation of a run query or its
    /// prefilter, one sequence's evaluation of the remainder, and the constant folding of the whole query while it
    /// compiles (which also runs under <see cref="TimeBudget"/>). Counted from the allocations of the evaluating thread
    /// (<see cref="GC.GetAllocatedBytesForCurrentThread"/>), so reading a run's params counts too. Evaluation stops once
    /// it comes within one operation's worst case of the budget (about 4 x <see cref="MaxStringLength"/> +
    /// 32 x <see cref="MaxListLength"/> + 8 MiB), so no operation under way carries it past the budget; the run then
    /// fails with <see cref="QueryLimitException"/> (recorded in <see cref="QueryReport"/>), or the query does not
    /// compile. Must be at least twice that reserve. <see cref="long.MaxValue"/> disables it.
    /// </summary>
    public long MemoryBudget { get; set; } = 256L << 20;

    /// <summary>
    /// The current time (UTC) that <c>datetime.now()</c> and the duration of an active run use; null (the default) reads
    /// the clock once when an evaluation starts. Tests set it to get stable results.
    /// </summary>
    public DateTime? Now { get; set; }

    /// <summary>
    /// Throws when an option is out of range. <paramref name="memoryReserve"/> is what one operation may allocate under
    /// these options' string and list limits (the runtime's <c>QueryLimits.MemoryReserve</c>): the caller computes it,
    /// so that the options, part of Query's shared vocabulary, reference none of the stages that read them.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    [SuppressMessage("Usage", "CA2208:Instantiate argument exceptions correctly",
        Justification = "The exception names the option the user set (ParamName == nameof(MaxDepth), ...), not this method's parameter.")]
    internal void Validate(long memoryReserve)
    {
        if (MaxQueryLength < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxQueryLength), MaxQueryLength, "MaxQueryLength must be at least 1.");
        }
        if (MaxDepth is < 4 or > MaxDepthLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDepth), MaxDepth, $"MaxDepth must be between 4 and {MaxDepthLimit}.");
        }
        if (MaxNodes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxNodes), MaxNodes, "MaxNodes must be at least 1.");
        }
        if (MaxStringLength < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxStringLength), MaxStringLength, "MaxStringLength must be at least 1.");
        }
        if (MaxListLength < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxListLength), MaxListLength, "MaxListLength must be at least 1.");
        }
        if (RegexTimeout <= TimeSpan.Zero || RegexTimeout > TimeSpan.FromMinutes(1))
        {
            throw new ArgumentOutOfRangeException(nameof(RegexTimeout), RegexTimeout, "RegexTimeout must be positive and at most one minute.");
        }
        if (TimeBudget <= TimeSpan.Zero && TimeBudget != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(TimeBudget), TimeBudget, "TimeBudget must be positive, or Timeout.InfiniteTimeSpan.");
        }
        if (MemoryBudget < 2 * memoryReserve)
        {
            throw new ArgumentOutOfRangeException(nameof(MemoryBudget), MemoryBudget,
                $"MemoryBudget must be at least {2 * memoryReserve} bytes: twice what one operation may allocate under MaxStringLength and MaxListLength.");
        }
        if (Now is { Kind: DateTimeKind.Local })
        {
            throw new ArgumentOutOfRangeException(nameof(Now), Now, "Now must be UTC (or Unspecified, read as UTC).");
        }
    }
}
