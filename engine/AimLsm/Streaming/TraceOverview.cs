using AimLsm.Query;
using AimLsm.Tree;

namespace AimLsm.Streaming;

/// <summary>
/// A run's traces without their points, in the shape of Aim's <c>Run.collect_sequence_info</c> (docs/format.md,
/// section 14.3): a dict from sequence type to a list of <c>{context, name, values}</c>, where <c>values</c> is the
/// trace's metadata (<see cref="Values"/>). The run search's run objects carry it, and the run document of the HTTP
/// API (<c>/api/runs/{hash}</c>) uses the same shape, so a client reads <c>traces.metric[i].values.last</c> in both,
/// as Aim's UI does. Stateless.
/// </summary>
public static class TraceOverview
{
    /// <summary>The group of sequences of no query kind (str, bool, ...), for which Aim has no sequence type.</summary>
    public const string OtherGroup = "other";

    /// <summary>
    /// Groups <paramref name="sequences"/> by sequence type (<see cref="SequenceKinds"/>), in kind order: <c>metric</c>
    /// always (the type Aim's run search asks for, present even when empty, as Aim lists every type it was asked for),
    /// every other kind when <paramref name="everyKind"/> or when it has sequences, then <see cref="OtherGroup"/> when
    /// it has sequences. Each group keeps the order of <paramref name="sequences"/>.
    /// </summary>
    public static List<KeyValuePair<string, List<SequenceInfo>>> Group(IEnumerable<SequenceInfo> sequences, bool everyKind)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        var groups = new List<KeyValuePair<string, List<SequenceInfo>>>(SequenceKinds.VariableNames.Count + 1);
        foreach (string kind in SequenceKinds.VariableNames)
        {
            groups.Add(new(kind, []));
        }

        groups.Add(new(OtherGroup, []));
        foreach (SequenceInfo info in sequences)
        {
            int index = SequenceKinds.FromDtype(info.Dtype) is { } kind ? (int)kind : groups.Count - 1;
            groups[index].Value.Add(info);
        }

        // The metric group is index 0 (SequenceKind.Metric) and always stays.
        groups.RemoveAll(g => g.Value.Count == 0 && g.Key != SequenceKinds.VariableName(SequenceKind.Metric) && (!everyKind || g.Key == OtherGroup));
        return groups;
    }

    /// <summary>
    /// A trace's <c>values</c> dict: its metadata (docs/format.md, 13.5) in the order Aim's folded meta tree gives its
    /// own (<c>dtype, first_step, first, last_step, last, max, min</c>: encoded-path order, in which <c>first_step</c>
    /// sorts before <c>first</c>), then <c>count</c> (an AimLsm extension). <c>min</c> and <c>max</c> are left out when
    /// the sequence holds no number other than NaN, as Aim's tracker never writes them then. Aim also sends its
    /// storage <c>version</c> here, which has no meaning in this repo and is not sent.
    /// </summary>
    public static Dictionary<string, object?> Values(SequenceInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var values = new Dictionary<string, object?>(8, StringComparer.Ordinal)
        {
            [StreamFormat.DtypeField] = info.Dtype,
            [StreamFormat.FirstStepField] = info.FirstStep,
            [StreamFormat.FirstField] = info.First,
            [StreamFormat.LastStepField] = info.LastStep,
            [StreamFormat.LastField] = info.Last,
        };
        if (info.Max is { } max)
        {
            values[StreamFormat.MaxField] = max;
        }

        if (info.Min is { } min)
        {
            values[StreamFormat.MinField] = min;
        }

        values[StreamFormat.CountField] = info.Count;
        return values;
    }

    /// <summary>One trace of a group, <c>{context, name, values}</c> in the order of Aim's <c>trace_data</c>.</summary>
    public static Dictionary<string, object?> Trace(SequenceInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return new Dictionary<string, object?>(3, StringComparer.Ordinal)
        {
            [StreamFormat.ContextField] = ContextDict(info.Context),
            [StreamFormat.NameField] = info.Name,
            [StreamFormat.ValuesField] = Values(info),
        };
    }

    /// <summary>A context as a plain dict, which the tree encoding accepts (a <see cref="Context"/> is read-only).</summary>
    internal static Dictionary<string, object?> ContextDict(Context context) => new(context, StringComparer.Ordinal);
}
