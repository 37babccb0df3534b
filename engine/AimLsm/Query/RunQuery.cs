using System.Runtime.CompilerServices;
using AimLsm.Query.Compilation;

namespace AimLsm.Query;

/// <summary>
/// A compiled run query (Aim's run search): filters runs by a Python boolean expression over <c>run</c>. Unless the
/// query reads <c>run.archived</c>, archived runs are left out, as in Aim. Get one from
/// <see cref="AimQuery.CompileRunQuery"/>.
/// <para>
/// A run whose evaluation raises (a TypeError, a regex timeout, ...) does not match; <see cref="Report"/> records the
/// first error and a count. Exceeding <see cref="QueryOptions.TimeBudget"/> throws <see cref="QueryTimeoutException"/>
/// from the enumeration, and cancellation throws <see cref="OperationCanceledException"/>. Exceptions thrown by the
/// runs themselves (I/O errors, corruption) propagate.
/// </para>
/// Thread-safe: several enumerations may run at once, each with its own evaluation state.
/// </summary>
public sealed class RunQuery
{
    private readonly CompiledQuery _query;
    private readonly QueryOptions _options;

    internal RunQuery(CompiledQuery query, QueryOptions options)
    {
        _query = query;
        _options = options;
    }

    /// <summary>The query text.</summary>
    public string Text => _query.Text;

    /// <summary>Evaluation errors of this query object, accumulated over its enumerations.</summary>
    public QueryReport Report { get; } = new();

    /// <summary>The compiled form, for tests.</summary>
    internal CompiledQuery Compiled => _query;

    /// <summary>Whether one run matches (with the time budget applied to this one evaluation).</summary>
    /// <exception cref="QueryTimeoutException">The evaluation exceeded the time budget.</exception>
    public bool Matches(IQueryRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var execution = new QueryExecution(_query, _options, Report, CancellationToken.None);
        execution.Resume();
        return execution.RunMatches(run);
    }

    /// <summary>The runs that match, lazily and in order.</summary>
    /// <exception cref="QueryTimeoutException">Thrown by the enumeration when the time budget is spent.</exception>
    /// <exception cref="OperationCanceledException">Thrown by the enumeration when <paramref name="cancellationToken"/> is cancelled.</exception>
    public IEnumerable<T> Filter<T>(IEnumerable<T> runs, CancellationToken cancellationToken = default)
        where T : IQueryRun
    {
        ArgumentNullException.ThrowIfNull(runs);
        return FilterIterator(runs, cancellationToken);
    }

    /// <summary>The runs that match, from an asynchronous source.</summary>
    /// <exception cref="QueryTimeoutException">Thrown by the enumeration when the time budget is spent.</exception>
    /// <exception cref="OperationCanceledException">Thrown by the enumeration when the token is cancelled.</exception>
    public IAsyncEnumerable<T> FilterAsync<T>(IAsyncEnumerable<T> runs, CancellationToken cancellationToken = default)
        where T : IQueryRun
    {
        ArgumentNullException.ThrowIfNull(runs);
        return FilterAsyncIterator(runs, cancellationToken);
    }

    private IEnumerable<T> FilterIterator<T>(IEnumerable<T> runs, CancellationToken cancellationToken)
        where T : IQueryRun
    {
        var execution = new QueryExecution(_query, _options, Report, cancellationToken);
        execution.Resume();
        foreach (T run in runs)
        {
            execution.CheckBudget();
            if (execution.RunMatches(run))
            {
                execution.Pause();
                yield return run;
                execution.Resume();
            }
        }
    }

    private async IAsyncEnumerable<T> FilterAsyncIterator<T>(IAsyncEnumerable<T> runs, [EnumeratorCancellation] CancellationToken cancellationToken)
        where T : IQueryRun
    {
        var execution = new QueryExecution(_query, _options, Report, cancellationToken);
        execution.Resume();
        await foreach (T run in runs.WithCancellation(cancellationToken))
        {
            execution.CheckBudget();
            if (execution.RunMatches(run))
            {
                execution.Pause();
                yield return run;
                execution.Resume();
            }
        }
    }
}
