namespace AimLsm.Query;

/// <summary>
/// Evaluating a query over its runs took longer than <see cref="QueryOptions.TimeBudget"/>. Unlike an evaluation
/// error, this stops the whole query: the enumeration that was running throws it.
/// </summary>
public sealed class QueryTimeoutException : AimQueryException
{
    /// <summary>Creates the error for a query that exceeded <paramref name="budget"/>.</summary>
    public QueryTimeoutException(TimeSpan budget)
        : base($"The query exceeded its time budget of {budget.TotalSeconds:0.###} s (QueryOptions.TimeBudget).")
    {
        Budget = budget;
    }

    /// <summary>The budget that was exceeded.</summary>
    public TimeSpan Budget { get; }
}
