namespace AimLsm.Tree;

/// <summary>No run with this hash exists in the repo (or it was deleted).</summary>
public sealed class RunNotFoundException(string hash)
    : RepoException($"No run with hash '{hash}' in the repo; repo.Runs lists the runs there are (call repo.Refresh() to see runs other processes created since this repo was opened).")
{
    /// <summary>The hash asked for.</summary>
    public string Hash { get; } = hash;
}
