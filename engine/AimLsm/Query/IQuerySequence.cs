namespace AimLsm.Query;

/// <summary>
/// What a query can see of one sequence (Aim's <c>metric</c>, <c>images</c>, ... objects): its identity and the
/// metadata kept current on every write. Nothing here reads sequence data.
/// </summary>
public interface IQuerySequence
{
    /// <summary>The sequence's name, such as <c>loss</c>.</summary>
    string Name { get; }

    /// <summary>The context dict, such as <c>{"subset": "train"}</c>; empty for the empty context.</summary>
    IReadOnlyDictionary<string, object?> Context { get; }

    /// <summary>
    /// Aim's dtype string: <c>int</c>, <c>float</c> or <c>number</c> for metrics; <c>aim.image</c>,
    /// <c>aim.audio</c>, <c>aim.text</c>, <c>aim.distribution</c>, <c>aim.figure</c> for objects, or
    /// <c>list(aim.image)</c> and the like for lists of them; <c>str</c>, <c>bool</c>, ... for other values.
    /// </summary>
    string Dtype { get; }

    /// <summary>Number of records (distinct steps).</summary>
    long Count { get; }

    /// <summary>Smallest step.</summary>
    long FirstStep { get; }

    /// <summary>Largest step.</summary>
    long LastStep { get; }

    /// <summary>The value at <see cref="FirstStep"/> (long, double, string, ... as in <see cref="IQueryRun.TryGetParam"/>).</summary>
    object? First { get; }

    /// <summary>The value at <see cref="LastStep"/>.</summary>
    object? Last { get; }

    /// <summary>The smallest numeric value (NaN ignored), or null for non-numeric sequences.</summary>
    object? Min { get; }

    /// <summary>The largest numeric value (NaN ignored), or null for non-numeric sequences.</summary>
    object? Max { get; }
}
