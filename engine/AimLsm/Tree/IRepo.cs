using AimLsm.Query;

namespace AimLsm.Tree;

/// <summary>
/// Where runs are tracked and read, whichever back end: a local <see cref="Repo"/>, or a repo served by aim-server
/// through <c>AimLsm.Remote.RemoteRepo</c> (docs/aim-repo.md, "Many machines"). Reads of a remote repo run on the
/// server: a query is evaluated there and only its results cross the network.
/// </summary>
public interface IRepo : IDisposable
{
    /// <summary>Creates a run and returns it open for tracking.</summary>
    IRun CreateRun(string? experiment = null, string? name = null, IEnumerable<string>? tags = null, string? description = null);

    /// <summary>Resumes a run for tracking.</summary>
    /// <exception cref="RunNotFoundException">No such run.</exception>
    /// <exception cref="RunLockedException">Another writer holds it.</exception>
    IRun OpenRun(string hash);

    /// <summary>Blocks until everything tracked so far, in every run, is durable.</summary>
    void Flush();

    /// <summary>A read-only view of a run.</summary>
    /// <exception cref="RunNotFoundException">No such run.</exception>
    IRunInfo GetRun(string hash);

    /// <summary>
    /// The runs matching an AimQL expression (<see cref="QuerySource.QueryRuns{TRun, TMatch}"/>), lazily; archived runs
    /// are left out unless the query mentions <c>run.archived</c>.
    /// </summary>
    /// <exception cref="AimQueryException">The query does not compile; the message says where. A remote repo's server
    /// may also refuse it when the results are enumerated (its own <see cref="QueryOptions"/>).</exception>
    QueryResults<IRunInfo> QueryRuns(string query);

    /// <summary>
    /// The sequences matching an AimQL expression over <c>run</c> and a sequence variable
    /// (<see cref="QuerySource.QuerySequences{TRun, TMatch}"/>), lazily. A remote repo's server answers queries over
    /// <c>metric</c> only (its metric search).
    /// </summary>
    /// <exception cref="AimQueryException">The query does not compile; the message says where.</exception>
    QueryResults<ISequence> QuerySequences(string query);
}
