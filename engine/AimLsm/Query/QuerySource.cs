namespace AimLsm.Query;

/// <summary>
/// The queries users run over a source (<c>repo.QueryRuns(...)</c>, <c>repo.QuerySequences(...)</c>): they live
/// with Query as extension methods over <see cref="IQuerySource{TRun, TMatch}"/>, so Query needs nothing of the
/// tree layer that implements the source. Thread-safe as far as the source's <see cref="IQuerySource{TRun, TMatch}.QueryCandidates"/> is.
/// </summary>
public static class QuerySource
{
    /// <summary>
    /// The runs matching an AimQL expression such as <c>run.hparams.lr &gt; 0.001 and run.experiment == "baseline"</c>
    /// (see <see cref="AimQuery"/>), lazily. As in Aim, archived runs are skipped unless the query mentions
    /// <c>run.archived</c>. Evaluation reads only the parameters and metadata the query touches.
    /// </summary>
    /// <exception cref="AimQueryException">The query does not compile (syntax, a name not allowed, a limit); the message says where.</exception>
    public static QueryResults<TRun> QueryRuns<TRun, TMatch>(this IQuerySource<TRun, TMatch> source, string query,
        QueryOptions? options = null, CancellationToken cancellationToken = default)
        where TRun : IQueryRun
    {
        ArgumentNullException.ThrowIfNull(source);
        RunQuery compiled = AimQuery.CompileRunQuery(query, options);
        return new QueryResults<TRun>(query, compiled.Report, ct => compiled.Filter(source.QueryCandidates(), ct), cancellationToken);
    }

    /// <summary>
    /// The sequences matching an AimQL expression over <c>run</c> and one sequence variable (<c>metric</c>,
    /// <c>images</c>, ...), such as <c>metric.name == "loss" and metric.context.subset == "train" and metric.last &lt; 0.2</c>.
    /// The run-level part of the query is evaluated first, so a run that fails it skips all its sequences; no
    /// sequence data is read, only metadata.
    /// </summary>
    /// <exception cref="AimQueryException">The query does not compile.</exception>
    public static QueryResults<TMatch> QuerySequences<TRun, TMatch>(this IQuerySource<TRun, TMatch> source, string query,
        QueryOptions? options = null, CancellationToken cancellationToken = default)
        where TRun : IQueryRun
    {
        ArgumentNullException.ThrowIfNull(source);
        SequenceQuery compiled = AimQuery.CompileSequenceQuery(query, options);
        return new QueryResults<TMatch>(query, compiled.Report,
            ct => compiled.Filter(source.QueryCandidates(), ct).Select(pair => source.ToMatch(pair.Run, pair.Sequence)), cancellationToken);
    }
}
