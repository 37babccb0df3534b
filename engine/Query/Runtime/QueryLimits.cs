namespace AimLsm.Query.Runtime;

/// <summary>The limits evaluation enforces (a copy of the matching <see cref="QueryOptions"/>), fixed when a query is compiled.</summary>
/// <param name="MaxStringLength">The longest string an operator may build.</param>
/// <param name="MaxListLength">The most elements a list or tuple an operator builds may have.</param>
/// <param name="RegexTimeout">The longest one regex match may run (already capped by the time budget: see <see cref="QueryOptions.RegexTimeout"/>).</param>
/// <param name="MemoryBudget">The most bytes one evaluation (or the constant folding of one query) may allocate; <see cref="long.MaxValue"/> for none.</param>
/// <param name="TimeBudget">The time constant folding may take while the query compiles; <see cref="Timeout.InfiniteTimeSpan"/> for none.</param>
internal readonly record struct QueryLimits(int MaxStringLength, int MaxListLength, TimeSpan RegexTimeout, long MemoryBudget, TimeSpan TimeBudget)
{
    /// <summary>
    /// Bytes one evaluation keeps in reserve below <see cref="MemoryBudget"/>: the most one operation may allocate
    /// between two looks at the allocation counter (a string of the longest length and its temporary copy, a list of the
    /// most elements with its boxed items, a regex match's automaton or backtracking stack). Evaluation stops once
    /// its allocations come within this reserve of the budget, so the operation under way cannot carry it past.
    /// </summary>
    public long MemoryReserve => (4L * MaxStringLength) + (32L * MaxListLength) + RegexCache.MatchMemoryReserve;

    /// <summary>Limits with no memory or time budget, for work that no query controls (comparing dict keys).</summary>
    public static QueryLimits Unbounded(int maxStringLength, int maxListLength, TimeSpan regexTimeout) =>
        new(maxStringLength, maxListLength, regexTimeout, long.MaxValue, Timeout.InfiniteTimeSpan);
}
