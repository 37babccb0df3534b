namespace AimLsm.Tree;

/// <summary>
/// Where runs are tracked, whichever back end: a local <see cref="Repo"/>, or a repo served by aim-server through
/// <c>AimLsm.Remote.RemoteRepo</c> (docs/aim-repo.md, "Many machines").
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
}
