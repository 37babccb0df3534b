namespace AimLsm.Tree;

/// <summary>A repo-level error: the folder is not a repo, a run is missing or held by another process.</summary>
public class RepoException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RepoException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public RepoException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
