namespace AimLsm.Tree;

/// <summary>
/// Where a <see cref="SequenceInfo"/> reads a sequence's metadata (docs/format.md, section 13.5) from: the metadata a
/// local read loaded (<c>Sequences.SequenceMeta</c>, which keeps the values unboxed and boxes one only when it is
/// asked for), or the metadata a remote repo's server sent. Invariant: an instance handed to a
/// <see cref="SequenceInfo"/> no longer changes, so the info stays the metadata as of the moment it was read.
/// </summary>
internal interface ISequenceMetadata
{
    /// <summary>The dtype, or null when none is stored yet.</summary>
    string? Dtype { get; }

    /// <summary>The number of records.</summary>
    long Count { get; }

    /// <summary>The smallest step.</summary>
    long FirstStep { get; }

    /// <summary>The largest step.</summary>
    long LastStep { get; }

    /// <summary>The value at <see cref="FirstStep"/> when it is a scalar, else null.</summary>
    object? FirstValue { get; }

    /// <summary>The value at <see cref="LastStep"/> when it is a scalar, else null.</summary>
    object? LastValue { get; }

    /// <summary>The smallest number (NaN ignored), or null.</summary>
    object? MinValue { get; }

    /// <summary>The largest number (NaN ignored), or null.</summary>
    object? MaxValue { get; }
}
