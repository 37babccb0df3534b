namespace AimLsm.Tree;

/// <summary>
/// The run is open for writing elsewhere: in this process, or in another process that holds the run's writer slot.
/// </summary>
public sealed class RunLockedException(string hash, string holder)
    : RepoException($"Run '{hash}' is being written by {holder}; a run has one writer at a time. Read it with repo.GetRun, or wait for that writer to close it.")
{
    /// <summary>The run's hash.</summary>
    public string Hash { get; } = hash;
}
