using AimLsm.Query.Compilation;
using AimLsm.Query.Runtime;

namespace AimLsm.Query;

/// <summary>
/// AimQL, the query language of Aim's explorers: Python boolean expressions over <c>run</c> and a sequence variable,
/// such as <c>run.hparams.lr &gt; 0.0001 and metric.name == "loss"</c>. The entry points compile a query (lexer,
/// parser, binder against an allow-list, compiler to a delegate) and cache the result by text, kind and options.
/// <para>
/// Security: compiled code reaches only the run and sequence views and allow-listed functions; names starting with
/// <c>_</c>, <c>eval</c>, <c>open</c>, <c>import</c>, lambda, comprehensions and calls of anything else do not
/// compile. <see cref="QueryOptions"/> bounds the query's size, its nesting, the strings and lists it may build, regex
/// time, and evaluation time.
/// </para>
/// Thread-safe.
/// </summary>
public static class AimQuery
{
    /// <summary>How many compiled queries the cache keeps.</summary>
    public const int CacheCapacity = 256;

    private static readonly QueryCache Cache = new(CacheCapacity);

    /// <summary>Compiles a run query. An empty query matches every run that is not archived.</summary>
    /// <param name="text">The expression, over <c>run</c>.</param>
    /// <param name="options">Limits and clock; <c>null</c> for the defaults.</param>
    /// <exception cref="QuerySyntaxException">The text is not a valid expression.</exception>
    /// <exception cref="QueryNameException">The query uses a name, attribute, method or call that is not allowed (including a sequence variable).</exception>
    /// <exception cref="QueryLimitException">The query exceeds a limit of <paramref name="options"/>.</exception>
    /// <exception cref="QueryEvaluationException">A constant regex pattern is invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static RunQuery CompileRunQuery(string text, QueryOptions? options = null)
    {
        options = Validated(options);
        return new RunQuery(Compile(text, sequenceQuery: false, kind: null, options), options);
    }

    /// <summary>
    /// Compiles a sequence query over whichever sequence variable it uses (<c>metric</c>, <c>images</c>,
    /// <c>audios</c>, <c>texts</c>, <c>distributions</c>, <c>figures</c>; one at most); a query that uses none
    /// selects metrics.
    /// </summary>
    /// <param name="text">The expression, over <c>run</c> and one sequence variable.</param>
    /// <param name="options">Limits and clock; <c>null</c> for the defaults.</param>
    /// <exception cref="QuerySyntaxException">The text is not a valid expression.</exception>
    /// <exception cref="QueryNameException">The query uses a name that is not allowed, or two different sequence variables.</exception>
    /// <exception cref="QueryLimitException">The query exceeds a limit of <paramref name="options"/>.</exception>
    /// <exception cref="QueryEvaluationException">A constant regex pattern is invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static SequenceQuery CompileSequenceQuery(string text, QueryOptions? options = null)
    {
        options = Validated(options);
        return new SequenceQuery(Compile(text, sequenceQuery: true, kind: null, options), options);
    }

    /// <summary>
    /// Compiles a sequence query for one explorer: it selects sequences of <paramref name="kind"/>, and may use only
    /// that kind's variable (the images explorer refuses <c>metric.name</c>).
    /// </summary>
    /// <param name="text">The expression, over <c>run</c> and the variable of <paramref name="kind"/>.</param>
    /// <param name="kind">The kind of sequence to select.</param>
    /// <param name="options">Limits and clock; <c>null</c> for the defaults.</param>
    /// <exception cref="QuerySyntaxException">The text is not a valid expression.</exception>
    /// <exception cref="QueryNameException">The query uses a name that is not allowed, or another kind's variable.</exception>
    /// <exception cref="QueryLimitException">The query exceeds a limit of <paramref name="options"/>.</exception>
    /// <exception cref="QueryEvaluationException">A constant regex pattern is invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range, or <paramref name="kind"/> is not defined.</exception>
    public static SequenceQuery CompileSequenceQuery(string text, SequenceKind kind, QueryOptions? options = null)
    {
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown sequence kind.");
        }

        options = Validated(options);
        return new SequenceQuery(Compile(text, sequenceQuery: true, kind, options), options);
    }

    /// <summary>The number of compiled queries in the cache (for tests).</summary>
    internal static int CachedCount => Cache.Count;

    /// <summary>Empties the cache (for tests).</summary>
    internal static void ClearCache() => Cache.Clear();

    private static QueryOptions Validated(QueryOptions? options)
    {
        options ??= QueryOptions.Default;
        options.Validate(CompileLimits.Of(options).Evaluation.MemoryReserve);
        return options;
    }

    private static CompiledQuery Compile(string text, bool sequenceQuery, SequenceKind? kind, QueryOptions options)
    {
        ArgumentNullException.ThrowIfNull(text);
        CompileLimits limits = CompileLimits.Of(options);
        if (text.Length > limits.MaxQueryLength)
        {
            // Checked before the cache, so an oversized text is never kept as a key.
            return QueryCompilation.Compile(text, sequenceQuery, kind, limits, QueryBudget.Of(options));
        }

        // The budgets bound this compile's constant folding but are not part of the key: a cached query folded within them.
        return Cache.GetOrAdd(text, sequenceQuery, kind, limits, () => QueryCompilation.Compile(text, sequenceQuery, kind, limits, QueryBudget.Of(options)));
    }
}
