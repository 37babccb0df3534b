namespace AimLsm.Query.Runtime;

/// <summary>Every option that shapes a compiled query: part of the compiled-query cache key.</summary>
/// <param name="MaxQueryLength">See <see cref="QueryOptions.MaxQueryLength"/>.</param>
/// <param name="MaxDepth">See <see cref="QueryOptions.MaxDepth"/>.</param>
/// <param name="MaxNodes">See <see cref="QueryOptions.MaxNodes"/>.</param>
/// <param name="Evaluation">The limits the compiled code enforces at run time.</param>
internal readonly record struct CompileLimits(int MaxQueryLength, int MaxDepth, int MaxNodes, QueryLimits Evaluation)
{
    /// <summary>The part of <paramref name="options"/> that shapes compiled code, and so belongs in the cache key.</summary>
    public static CompileLimits Of(QueryOptions options) => new(options.MaxQueryLength, options.MaxDepth, options.MaxNodes,
        new QueryLimits(options.MaxStringLength, options.MaxListLength, options.RegexTimeout));
}
