namespace AimLsm.Tree;

/// <summary>A run was to be created with a hash the repo already holds for another run (a remote client or a sync
/// naming the hash): nothing is written.</summary>
public sealed class RunConflictException(string hash, string message) : RepoException(message)
{
    /// <summary>The run's hash.</summary>
    public string Hash { get; } = hash;
}
