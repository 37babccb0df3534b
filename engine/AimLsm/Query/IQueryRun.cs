using AimLsm.Encoding;

namespace AimLsm.Query;

/// <summary>
/// What a query can see of one run (Aim's <c>run</c> object). The tree layer implements it over the repo; tests
/// implement it in memory. Every member is lazy in the implementation: a query pays only for what it touches.
/// Implementations must be safe to call from the thread that evaluates the query; they need not be thread-safe.
/// </summary>
public interface IQueryRun
{
    /// <summary>The run's hash (24 lowercase hex characters for runs made by this library).</summary>
    string Hash { get; }

    /// <summary>The run's name, or null when it has none.</summary>
    string? Name { get; }

    /// <summary>The experiment's name, or null.</summary>
    string? Experiment { get; }

    /// <summary>The run's description, or null.</summary>
    string? Description { get; }

    /// <summary>Tag names, in the order they were added.</summary>
    IReadOnlyList<string> Tags { get; }

    /// <summary>Whether the run is archived.</summary>
    bool Archived { get; }

    /// <summary>Whether the run is still being written (no end time).</summary>
    bool Active { get; }

    /// <summary>Creation time, UTC.</summary>
    DateTime CreatedAt { get; }

    /// <summary>End time, UTC, or null while the run is active.</summary>
    DateTime? EndTime { get; }

    /// <summary>
    /// Reads the value stored at <paramref name="path"/> under the run's parameters (<c>run["hparams"]</c> is path
    /// <c>["hparams"]</c>), materialized the way <see cref="TreeReader"/> builds it: null (None), bool, long, double,
    /// string, byte[], <c>List&lt;object?&gt;</c>, <c>Dictionary&lt;string, object?&gt;</c>,
    /// <c>Dictionary&lt;long, object?&gt;</c> or <see cref="AimObject"/>. Returns false, never throws, when nothing is
    /// stored there: queries tell a missing key (Aim's <c>SafeNone</c> or <c>Undefined</c>) from a stored None.
    /// </summary>
    bool TryGetParam(ReadOnlySpan<PathSegment> path, out object? value);

    /// <summary>
    /// The sequence with this name and context (null context means the empty context <c>{}</c>), or null when the
    /// run has no such sequence.
    /// </summary>
    IQuerySequence? GetSequence(string name, IReadOnlyDictionary<string, object?>? context);

    /// <summary>Every sequence of the run, metadata only (no sequence data is read).</summary>
    IEnumerable<IQuerySequence> Sequences { get; }
}
