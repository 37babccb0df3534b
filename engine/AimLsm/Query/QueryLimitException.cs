namespace AimLsm.Query;

/// <summary>
/// The query or one of its operations exceeded a resource limit of <see cref="QueryOptions"/>: the query's length,
/// its nesting depth or node count, the size of a string or list an operator would build, the memory one evaluation
/// allocates (<see cref="QueryOptions.MemoryBudget"/>), a regex pattern's length or a regex match's time or input, or
/// the 64-bit range of AimQL integers (so <c>10**10**10</c> fails at once instead of computing a huge number). Raised
/// while compiling when the operands are constants, otherwise while evaluating (then the run does not match and the
/// error is recorded in <see cref="QueryReport"/>).
/// </summary>
public sealed class QueryLimitException : AimQueryException
{
    /// <summary>Creates the error with a message and no position.</summary>
    public QueryLimitException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the error at <paramref name="offset"/> in <paramref name="query"/>.</summary>
    internal QueryLimitException(string detail, string query, int offset)
        : base(detail, query, offset)
    {
    }
}
