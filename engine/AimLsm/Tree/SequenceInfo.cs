using AimLsm.Query;

namespace AimLsm.Tree;

/// <summary>
/// A sequence's identity and metadata as of the moment it was read (docs/format.md, section 13.5); no sequence data
/// is read to build it. Both back ends return it (a local run's and a remote run's <see cref="IRunInfo.Sequences"/>),
/// so it is part of the tree layer's vocabulary: it knows its metadata only through <see cref="ISequenceMetadata"/>. <see cref="First"/> and <see cref="Last"/> are null for composite values (images, lists, dicts),
/// whose metadata keeps no copy; <see cref="Min"/> and <see cref="Max"/> are null unless the sequence holds numbers.
/// </summary>
public sealed class SequenceInfo : IQuerySequence
{
    /// <summary>Creates the info over <paramref name="meta"/>, which it keeps: it must not change afterwards.</summary>
    internal SequenceInfo(string name, Context context, ISequenceMetadata meta)
    {
        Name = name;
        Context = context;
        Dtype = meta.Dtype ?? "none";
        Count = meta.Count;
        FirstStep = meta.FirstStep;
        LastStep = meta.LastStep;
        _values = meta;
    }

    // Kept, not copied out: a local read's metadata keeps the values unboxed, and a metric query reads metadata of
    // every sequence of every run and usually looks at one of them, which is boxed only then.
    private readonly ISequenceMetadata _values;

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
    public object? First => _values.FirstValue;

    /// <inheritdoc/>
    public object? Last => _values.LastValue;

    /// <inheritdoc/>
    public object? Min => _values.MinValue;

    /// <inheritdoc/>
    public object? Max => _values.MaxValue;

    /// <summary>Whether the values are numbers (dtype int, float or number).</summary>
    public bool IsNumeric => Dtype is "int" or "float" or "number";

    /// <inheritdoc/>
    public override string ToString() => $"{Name} {Context} ({Dtype}, {Count} records, steps {FirstStep}..{LastStep})";
}
