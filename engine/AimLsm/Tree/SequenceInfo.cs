using AimLsm.Query;
using AimLsm.Tree.Sequences;

namespace AimLsm.Tree;

/// <summary>
/// A sequence's identity and metadata as of the moment it was read (docs/format.md, section 13.5); no sequence data
/// is read to build it. <see cref="First"/> and <see cref="Last"/> are null for composite values (images, lists, dicts),
/// whose metadata keeps no copy; <see cref="Min"/> and <see cref="Max"/> are null unless the sequence holds numbers.
/// </summary>
public sealed class SequenceInfo : IQuerySequence
{
    internal SequenceInfo(string name, Context context, SequenceMeta meta)
    {
        Name = name;
        Context = context;
        Dtype = meta.Dtype ?? "none";
        Count = meta.Count;
        FirstStep = meta.FirstStep;
        LastStep = meta.LastStep;
        _first = meta.First;
        _last = meta.Last;
        _min = meta.Min;
        _max = meta.Max;
    }

    // Kept unboxed: a metric query reads metadata of every sequence of every run and usually looks at one of these.
    private readonly TrackedValue? _first;
    private readonly TrackedValue? _last;
    private readonly TrackedValue? _min;
    private readonly TrackedValue? _max;

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>The sequence's context.</summary>
    public Context Context { get; }

    IReadOnlyDictionary<string, object?> IQuerySequence.Context => Context;

    /// <inheritdoc/>
    public string Dtype { get; }

    /// <inheritdoc/>
    public long Count { get; }

    /// <inheritdoc/>
    public long FirstStep { get; }

    /// <inheritdoc/>
    public long LastStep { get; }

    /// <inheritdoc/>
    public object? First => _first?.ToObject(null);

    /// <inheritdoc/>
    public object? Last => _last?.ToObject(null);

    /// <inheritdoc/>
    public object? Min => _min?.ToObject(null);

    /// <inheritdoc/>
    public object? Max => _max?.ToObject(null);

    /// <summary>Whether the values are numbers (dtype int, float or number).</summary>
    public bool IsNumeric => Dtype is "int" or "float" or "number";

    /// <inheritdoc/>
    public override string ToString() => $"{Name} {Context} ({Dtype}, {Count} records, steps {FirstStep}..{LastStep})";
}
