namespace AimLsm.Tree;

/// <summary>
/// A run to read, whichever back end holds it: a local <see cref="Run"/>, or a run of a repo served by aim-server
/// (<c>AimLsm.Remote</c>), whose properties and parameters came with the query that found it and whose sequences are
/// read through the server's read API (docs/aim-repo.md, "Many machines"). Code written against this interface reads
/// the same way from either. Members behave as <see cref="Run"/>'s do.
/// </summary>
public interface IRunInfo
{
    /// <summary>The run's hash: 24 lowercase hex characters.</summary>
    string Hash { get; }

    /// <summary>The run's name, or null.</summary>
    string? Name { get; }

    /// <summary>The experiment the run belongs to (<see cref="Run.DefaultExperiment"/> when it was created without one).</summary>
    string Experiment { get; }

    /// <summary>A free-text description, or null.</summary>
    string? Description { get; }

    /// <summary>Tags, in the order they were added.</summary>
    IReadOnlyList<string> Tags { get; }

    /// <summary>Whether the run is archived.</summary>
    bool Archived { get; }

    /// <summary>When the run was created, UTC.</summary>
    DateTime CreatedAt { get; }

    /// <summary>When the run was closed, UTC, or null while it is active.</summary>
    DateTime? EndTime { get; }

    /// <summary>True until the run is closed.</summary>
    bool Active { get; }

    /// <summary>The run's parameters and metadata tree: <c>run.Tree["hparams", "lr"].Get&lt;double&gt;()</c>.</summary>
    ITreeView Tree { get; }

    /// <summary>The value at a top-level key of <see cref="Tree"/>.</summary>
    /// <exception cref="KeyNotFoundException">A key that holds nothing.</exception>
    object? this[string key] { get; }

    /// <summary>Every sequence of the run with its metadata; no sequence data is read.</summary>
    IEnumerable<SequenceInfo> Sequences { get; }

    /// <summary>The sequence with this name and context (null: the empty context), to read.</summary>
    /// <exception cref="KeyNotFoundException">The run has no such sequence.</exception>
    ISequence GetSequence(string name, Context? context = null);
}
