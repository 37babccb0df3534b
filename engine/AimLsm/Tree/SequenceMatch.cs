using AimLsm.Query;

namespace AimLsm.Tree;

/// <summary>A sequence that matched a query (<see cref="QuerySource.QuerySequences"/> over a <see cref="Repo"/>), with its
/// run. As an <see cref="ISequence"/> (what <see cref="IRepo.QuerySequences"/> yields) it reads its records too.</summary>
public sealed class SequenceMatch : ISequence
{
    private Sequence? _sequence;

    internal SequenceMatch(Run run, SequenceInfo info)
    {
        Run = run;
        Info = info;
    }

    /// <summary>The run the sequence belongs to (a read-only view).</summary>
    public Run Run { get; }

    /// <summary>The sequence's metadata as the query saw it.</summary>
    public SequenceInfo Info { get; }

    /// <summary>The sequence, to read its records.</summary>
    public Sequence Sequence => Run.GetSequence(Info.Name, Info.Context);

    string ISequence.Name => Info.Name;

    Context ISequence.Context => Info.Context;

    IRunInfo ISequence.Run => Run;

    /// <inheritdoc/>
    SequenceData ISequence.Read(long fromStep, long toStep) => Reader().Read(fromStep, toStep);

    /// <inheritdoc/>
    SequenceData ISequence.Sample(int points, long fromStep, long toStep) => Reader().Sample(points, fromStep, toStep);

    /// <inheritdoc/>
    public override string ToString() => $"{Run.Hash} {Info}";

    /// <summary>The sequence to read, made without <see cref="Run.GetSequence"/>'s check that it exists: the query
    /// found it. Racing threads may each make one; they are equal.</summary>
    private Sequence Reader() => _sequence ??= new Sequence(Run, Info.Name, Info.Context);
}
