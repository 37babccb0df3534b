namespace AimLsm.Tree;

/// <summary>
/// One sequence of a run, to read, whichever back end holds it: a local <see cref="Sequence"/> or
/// <see cref="SequenceMatch"/>, or a sequence of a repo served by aim-server (<c>AimLsm.Remote</c>), whose reads go
/// through the server's read API (docs/aim-repo.md, "Many machines"). Aim's <c>Metric</c> object: a query over
/// sequences yields these, and <see cref="IRunInfo.GetSequence"/> returns one.
/// </summary>
public interface ISequence
{
    /// <summary>The sequence's name.</summary>
    string Name { get; }

    /// <summary>The sequence's context.</summary>
    Context Context { get; }

    /// <summary>The run the sequence belongs to.</summary>
    IRunInfo Run { get; }

    /// <summary>The sequence's metadata: as the query saw it for a query's result, else as of this read.</summary>
    SequenceInfo Info { get; }

    /// <summary>Records with <paramref name="fromStep"/> ≤ step &lt; <paramref name="toStep"/>, in step order.</summary>
    /// <exception cref="NotSupportedException">A remote sequence that does not hold numbers (the server streams metrics only).</exception>
    SequenceData Read(long fromStep = long.MinValue, long toStep = long.MaxValue);

    /// <summary>
    /// At most <paramref name="points"/> records of the step range, evenly spaced by position, always including the
    /// range's first and last records.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="points"/> is less than 1.</exception>
    /// <exception cref="NotSupportedException">A remote sequence that does not hold numbers.</exception>
    SequenceData Sample(int points, long fromStep = long.MinValue, long toStep = long.MaxValue);
}
