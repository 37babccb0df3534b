namespace AimLsm.Tree;

/// <summary>
/// A run open for tracking, whichever back end holds it: a local <see cref="Repo"/>'s <see cref="Run"/>, or a run of
/// a repo served by aim-server through <c>AimLsm.Remote.RemoteRepo</c>. Code written against this interface tracks
/// the same way into either (docs/aim-repo.md, "Many machines"). Members behave as <see cref="Run"/>'s do.
/// </summary>
public interface IRun : IDisposable
{
    /// <summary>The run's hash: 24 lowercase hex characters.</summary>
    string Hash { get; }

    /// <summary>Whether this object only reads.</summary>
    bool IsReadOnly { get; }

    /// <summary>The value at a top-level key of the run's tree; setting it replaces that subtree.</summary>
    /// <exception cref="KeyNotFoundException">Getting a key that holds nothing.</exception>
    object? this[string key] { get; set; }

    /// <summary>The run's name.</summary>
    string? Name { get; set; }

    /// <summary>The experiment the run belongs to.</summary>
    string Experiment { get; set; }

    /// <summary>A free-text description, or null.</summary>
    string? Description { get; set; }

    /// <summary>Tags, in the order they were added.</summary>
    IReadOnlyList<string> Tags { get; }

    /// <summary>Whether the run is archived.</summary>
    bool Archived { get; set; }

    /// <summary>When the run was created, UTC.</summary>
    DateTime CreatedAt { get; }

    /// <summary>Tracks a value (see <see cref="Run.Track(object?, string, long?, long?, Context?)"/>).</summary>
    void Track(object? value, string name, long? step = null, long? epoch = null, Context? context = null);

    /// <summary>Tracks a float without boxing it.</summary>
    void Track(double value, string name, long? step = null, long? epoch = null, Context? context = null);

    /// <summary>Tracks an int without boxing it.</summary>
    void Track(long value, string name, long? step = null, long? epoch = null, Context? context = null);

    /// <summary>Tracks each entry of <paramref name="values"/> into the sequence named by its key.</summary>
    void Track(IReadOnlyDictionary<string, object?> values, long? step = null, long? epoch = null, Context? context = null);

    /// <summary>Blocks until everything tracked so far is durable.</summary>
    void Flush();

    /// <summary>Adds a tag (once).</summary>
    void AddTag(string tag);

    /// <summary>Removes a tag.</summary>
    void RemoveTag(string tag);
}
