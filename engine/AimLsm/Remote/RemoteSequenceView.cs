using AimLsm.Tree;

namespace AimLsm.Remote;

/// <summary>
/// A sequence of a served repo's run (<see cref="ISequence"/>): identity here, records read through the server when
/// asked for (<see cref="RemoteReader.ReadPoints"/>, <see cref="RemoteReader.SamplePoints"/>). The server streams
/// the points of metrics only (int, float and number sequences); reading another kind throws
/// <see cref="NotSupportedException"/>. Thread-safe.
/// </summary>
internal sealed class RemoteSequenceView : ISequence
{
    private readonly RemoteRunView _run;
    private SequenceInfo? _info;

    /// <summary>A sequence of <paramref name="run"/>; <paramref name="info"/> null to look its metadata up when asked for.</summary>
    internal RemoteSequenceView(RemoteRunView run, string name, Context context, SequenceInfo? info)
    {
        _run = run;
        Name = name;
        Context = context;
        _info = info;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public Context Context { get; }

    /// <inheritdoc/>
    public IRunInfo Run => _run;

    /// <inheritdoc/>
    /// <exception cref="KeyNotFoundException">The run no longer has the sequence.</exception>
    public SequenceInfo Info => _info ??= _run.Find(Name, Context)
        ?? throw new KeyNotFoundException($"Run '{_run.Hash}' has no sequence '{Name}' with context {Context} (any more).");

    /// <inheritdoc/>
    public SequenceData Read(long fromStep = long.MinValue, long toStep = long.MaxValue)
    {
        ThrowIfNotNumeric();
        return _run.Reader.ReadPoints(this, fromStep, toStep);
    }

    /// <inheritdoc/>
    public SequenceData Sample(int points, long fromStep = long.MinValue, long toStep = long.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(points, 1);
        ThrowIfNotNumeric();
        if (points <= RemoteReader.MaxDensity)
        {
            return _run.Reader.SamplePoints(this, points, fromStep, toStep);
        }

        // Beyond the metric search's cap: every point of the range is the sample when there are no more than asked for.
        SequenceData all = _run.Reader.ReadPoints(this, fromStep, toStep);
        return all.Count <= points
            ? all
            : throw new ArgumentOutOfRangeException(nameof(points), points,
                $"aim-server samples at most {RemoteReader.MaxDensity:N0} points per request and the range holds {all.Count:N0}; sample fewer points or read a narrower range.");
    }

    /// <inheritdoc/>
    public override string ToString() => $"{_run.Hash} {Name} {Context}";

    /// <summary>No records, in the columns a local read of a numeric sequence fills when it finds none (no
    /// <see cref="SequenceData.Integers"/>, even for ints: no value says they are all ints).</summary>
    internal static SequenceData Empty() => new([], [], [], [], null, null);

    private void ThrowIfNotNumeric()
    {
        if (!Info.IsNumeric)
        {
            throw new NotSupportedException(
                $"Sequence '{Name}' {Context} of run '{_run.Hash}' holds {Info.Dtype} values: aim-server streams the points of metrics (int, float) only.");
        }
    }
}
