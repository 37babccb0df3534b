using AimLsm.Query;

namespace AimLsm.Tree;

/// <summary>
/// The reads of <see cref="IRepo"/>, implemented explicitly: a <see cref="Repo"/>'s own members are unchanged
/// (<see cref="GetRun"/> returns a <see cref="Run"/>; <c>repo.QueryRuns</c> stays <see cref="QuerySource"/>'s
/// extension method returning <c>QueryResults&lt;Run&gt;</c>), while code typed against <see cref="IRepo"/> reads a
/// local repo as it reads a remote one. The results are the local ones cast, not copied.
/// </summary>
public sealed partial class Repo
{
    /// <inheritdoc/>
    IRunInfo IRepo.GetRun(string hash) => GetRun(hash);

    /// <inheritdoc/>
    QueryResults<IRunInfo> IRepo.QueryRuns(string query) => this.QueryRuns(query).As<IRunInfo>();

    /// <inheritdoc/>
    QueryResults<ISequence> IRepo.QuerySequences(string query) => this.QuerySequences(query).As<ISequence>();
}
