namespace AimLsm.Query.Runtime;

/// <summary>
/// The budgets of one enumeration (time) and of each evaluation in it (memory), or of the constant folding of one
/// compile (both): <see cref="QueryOptions.TimeBudget"/> and <see cref="QueryOptions.MemoryBudget"/>. Read when the work
/// starts, so they are not part of a compiled query (queries that differ only in budgets share one compiled form).
/// </summary>
/// <param name="Time">The time budget, or <see cref="Timeout.InfiniteTimeSpan"/> for none.</param>
/// <param name="Memory">The bytes one evaluation may allocate, or <see cref="long.MaxValue"/> for no limit.</param>
internal readonly record struct QueryBudget(TimeSpan Time, long Memory)
{
    /// <summary>No budget at all.</summary>
    public static QueryBudget None => new(Timeout.InfiniteTimeSpan, long.MaxValue);

    /// <summary>The budgets of <paramref name="options"/>, read now (when an enumeration or a compile's constant folding starts).</summary>
    public static QueryBudget Of(QueryOptions options) => new(options.TimeBudget, options.MemoryBudget);
}
