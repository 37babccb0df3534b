using AimLsm.Query;

namespace AimLsm.Tree;

/// <summary>A sequence that matched a query (<see cref="QuerySource.QuerySequences"/> over a <see cref="Repo"/>), with its run.</summary>
public sealed class SequenceMatch
{
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

    /// <inheritdoc/>
    public override string ToString() => $"{Run.Hash} {Info}";
}
