using System.Runtime.CompilerServices;
using AimLsm.Query.Compilation;

namespace AimLsm.Query;

/// <summary>
/// A compiled sequence query (Aim's metric, images, ... explorers): selects (run, sequence) pairs by an expression
/// over <c>run</c> and one sequence variable (<see cref="Kind"/>). The query is split into a run-level prefilter and a
/// sequence-level remainder (as Aim 3.28): the prefilter runs once per run, and a run that fails it skips all its
/// sequences without enumerating them. Only sequences whose dtype belongs to <see cref="Kind"/> are considered.
/// Unless the query reads <c>run.archived</c>, archived runs are left out. Get one from
/// <see cref="AimQuery.CompileSequenceQuery(string, QueryOptions?)"/>.
/// <para>
/// Errors behave as in <see cref="RunQuery"/>: a failed evaluation does not match and is counted in
/// <see cref="Report"/>; a timeout or cancellation throws from the enumeration. Thread-safe.
/// </para>
/// </summary>
public sealed class SequenceQuery
{
    private readonly CompiledQuery _query;
    private readonly QueryOptions _options;

    internal SequenceQuery(CompiledQuery query, QueryOptions options)
    {
        _query = query;
        _options = options;
    }

    /// <summary>The query text.</summary>
    public string Text => _query.Text;

    /// <summary>
    /// The kind of sequence selected: given when compiled, else the variable the query uses, else
    /// <see cref="SequenceKind.Metric"/> (a query that names no sequence variable selects every metric of the runs it matches).
    /// </summary>
    public SequenceKind Kind => _query.SequenceKind!.Value;

    /// <summary>True when the query has a sequence-level part; false when it only filters runs.</summary>
    public bool HasSequenceCondition => _query.Remainder is not null;

    /// <summary>Evaluation errors of this query object, accumulated over its enumerations.</summary>
    public QueryReport Report { get; } = new();

    /// <summary>The compiled form, for tests.</summary>
    internal CompiledQuery Compiled => _query;

    /// <summary>Whether <paramref name="sequence"/> of <paramref name="run"/> matches (prefilter, kind and remainder).</summary>
    /// <exception cref="QueryTimeoutException">The evaluation exceeded the time budget.</exception>
    public bool Matches(IQueryRun run, IQuerySequence sequence)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(sequence);
        var execution = new QueryExecution(_query, _options, Report, CancellationToken.None);
        execution.Resume();
        return execution.RunMatches(run) && execution.SequenceMatches(sequence);
    }

    /// <summary>The matching (run, sequence) pairs, lazily: runs in order, and each run's sequences in the order it lists them.</summary>
    /// <exception cref="QueryTimeoutException">Thrown by the enumeration when the time budget is spent.</exception>
    /// <exception cref="OperationCanceledException">Thrown by the enumeration when <paramref name="cancellationToken"/> is cancelled.</exception>
    public IEnumerable<(T Run, IQuerySequence Sequence)> Filter<T>(IEnumerable<T> runs, CancellationToken cancellationToken = default)
        where T : IQueryRun
    {
        ArgumentNullException.ThrowIfNull(runs);
        return FilterIterator(runs, cancellationToken);
    }

    /// <summary>The matching (run, sequence) pairs from an asynchronous source of runs.</summary>
    /// <exception cref="QueryTimeoutException">Thrown by the enumeration when the time budget is spent.</exception>
    /// <exception cref="OperationCanceledException">Thrown by the enumeration when the token is cancelled.</exception>
    public IAsyncEnumerable<(T Run, IQuerySequence Sequence)> FilterAsync<T>(IAsyncEnumerable<T> runs, CancellationToken cancellationToken = default)
        where T : IQueryRun
    {
        ArgumentNullException.ThrowIfNull(runs);
        return FilterAsyncIterator(runs, cancellationToken);
    }

    private IEnumerable<(T Run, IQuerySequence Sequence)> FilterIterator<T>(IEnumerable<T> runs, CancellationToken cancellationToken)
        where T : IQueryRun
    {
        var execution = new QueryExecution(_query, _options, Report, cancellationToken);
        execution.Resume();
        foreach (T run in runs)
        {
            foreach (IQuerySequence sequence in execution.MatchingSequences(run))
            {
                execution.Pause();
                yield return (run, sequence);
                execution.Resume();
            }
        }
    }

    private async IAsyncEnumerable<(T Run, IQuerySequence Sequence)> FilterAsyncIterator<T>(IAsyncEnumerable<T> runs,
        [EnumeratorCancellation] CancellationToken cancellationToken)
        where T : IQueryRun
    {
        var execution = new QueryExecution(_query, _options, Report, cancellationToken);
        execution.Resume();
        await foreach (T run in runs.WithCancellation(cancellationToken))
        {
            foreach (IQuerySequence sequence in execution.MatchingSequences(run))
            {
                execution.Pause();
                yield return (run, sequence);
                execution.Resume();
            }
        }
    }
}
