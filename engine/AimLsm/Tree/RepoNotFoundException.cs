namespace AimLsm.Tree;

/// <summary>The folder is not an AimLsm repo (no marker file), or is one written by a newer format.</summary>
public sealed class RepoNotFoundException(string path, string message) : RepoException(message)
{
    /// <summary>The folder.</summary>
    public string Path { get; } = path;
}
