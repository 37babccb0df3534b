namespace AimLsm.Query.Runtime;

/// <summary>The limits evaluation enforces (a copy of the matching <see cref="QueryOptions"/>), fixed when a query is compiled.</summary>
/// <param name="MaxStringLength">The longest string an operator may build.</param>
/// <param name="MaxListLength">The most elements a list or tuple an operator builds may have.</param>
/// <param name="RegexTimeout">The longest one regex match may run (an evaluation may cap it lower: <see cref="EvalContext.RegexTimeout"/>).</param>
internal readonly record struct QueryLimits(int MaxStringLength, int MaxListLength, TimeSpan RegexTimeout)
{
    /// <summary>
    /// Bytes an evaluation keeps in reserve below its memory budget: the most one operation may allocate between two
    /// looks at the allocation counter (a string of the longest length and its temporary copy, a list of the most
    /// elements with its boxed items, a regex match's automaton or backtracking stack). Evaluation stops once its
    /// allocations come within this reserve of the budget, so the operation under way cannot carry it past.
    /// </summary>
    public long MemoryReserve => (4L * MaxStringLength) + (32L * MaxListLength) + RegexCache.MatchMemoryReserve;
}
