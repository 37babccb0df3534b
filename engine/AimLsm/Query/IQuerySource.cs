namespace AimLsm.Query;

/// <summary>
/// Something queries run over, such as a repo: the runs a query considers, and how a sequence that matched becomes
/// the source's own result type. Query defines it and the tree layer implements it (<c>Repo</c>), so the arrow runs
/// from the tree to Query only; <see cref="QuerySource.QueryRuns"/> and <see cref="QuerySource.QuerySequences"/> are
/// the calls users make on it.
/// </summary>
/// <typeparam name="TRun">The source's run type, what <see cref="QuerySource.QueryRuns"/> yields.</typeparam>
/// <typeparam name="TMatch">What <see cref="QuerySource.QuerySequences"/> yields for one matching sequence.</typeparam>
public interface IQuerySource<TRun, TMatch>
    where TRun : IQueryRun
{
    /// <summary>
    /// Every run a query considers, archived ones included (the compiled query leaves those out unless it reads
    /// <c>run.archived</c>), lazily and in a stable order; called once per enumeration of the results. Throws
    /// <see cref="ObjectDisposedException"/> when the source is closed.
    /// </summary>
    IEnumerable<TRun> QueryCandidates();

    /// <summary>The result for <paramref name="sequence"/> of <paramref name="run"/>, one of the run's own
    /// <see cref="IQueryRun.Sequences"/>, which matched a sequence query.</summary>
    TMatch ToMatch(TRun run, IQuerySequence sequence);
}
