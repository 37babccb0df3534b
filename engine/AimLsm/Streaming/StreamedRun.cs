using System.Collections;

namespace AimLsm.Streaming;

/// <summary>
/// One run object of a stream, decoded (docs/format.md, section 14.3): a whole run from
/// <see cref="AimStreamWriter.WriteRunAsync"/> (or Aim's metric search), or one chunk of a sequence from
/// <see cref="AimStreamWriter.WriteSequenceAsync"/>, which has no params or props and one trace piece. Its traces
/// come as a list (a metric search, sequence chunks, version 1 run objects) or grouped by sequence type (Aim's run
/// search and version 2 run objects without points); <see cref="Traces"/> holds them in stream order either way, each
/// with its <see cref="StreamedTrace.SequenceType"/>. Not thread-safe; the values are the caller's.
/// </summary>
public sealed class StreamedRun
{
    private StreamedRun(string hash, object? parameters, IReadOnlyDictionary<string, object?>? props, IReadOnlyList<StreamedTrace> traces, long offset)
    {
        Hash = hash;
        Params = parameters;
        Props = props;
        Traces = traces;
        Offset = offset;
    }

    /// <summary>The run's hash (the object's key).</summary>
    public string Hash { get; }

    /// <summary>The run's parameter tree, or null when the chunk has none.</summary>
    public object? Params { get; }

    /// <summary>The run's properties (name, description, experiment, tags, creation_time, end_time, archived,
    /// active), or null when the chunk has none.</summary>
    public IReadOnlyDictionary<string, object?>? Props { get; }

    /// <summary>The traces in the chunk.</summary>
    public IReadOnlyList<StreamedTrace> Traces { get; }

    /// <summary>The offset of the object in the stream.</summary>
    public long Offset { get; }

    /// <summary>Decodes a data object as a run.</summary>
    /// <exception cref="StreamFormatException">The object is not a run: its key is not a str, its value not a dict, or a trace is malformed.</exception>
    public static StreamedRun FromObject(StreamObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        if (!obj.Key.IsString || obj.Value is not Dictionary<string, object?> dict)
        {
            throw new StreamFormatException(obj.Offset, $"object {obj.Key} is not a run (a dict under a str key).");
        }

        var traces = new List<StreamedTrace>();
        switch (dict.GetValueOrDefault(StreamFormat.TracesField))
        {
            case IList list:
                foreach (object? trace in list)
                {
                    traces.Add(StreamedTrace.FromDict(trace, obj.Offset, null));
                }

                break;
            case Dictionary<string, object?> byType:
                // Aim's run search (and version 2 of ours) groups traces by sequence type: {'metric': [...], ...}.
                foreach ((string type, object? group) in byType)
                {
                    if (group is not IList members)
                    {
                        throw new StreamFormatException(obj.Offset, $"the traces of sequence type '{type}' of run {obj.Key} are not a list.");
                    }

                    foreach (object? trace in members)
                    {
                        traces.Add(StreamedTrace.FromDict(trace, obj.Offset, type));
                    }
                }

                break;
            case null:
                break;
            default:
                throw new StreamFormatException(obj.Offset, $"the traces of run {obj.Key} are neither a list nor a dict of lists by sequence type.");
        }

        return new StreamedRun(obj.Key.String, dict.GetValueOrDefault(StreamFormat.ParamsField),
            dict.GetValueOrDefault(StreamFormat.PropsField) as Dictionary<string, object?>, traces, obj.Offset);
    }

    /// <inheritdoc/>
    public override string ToString() => $"Run {Hash} ({Traces.Count} traces)";
}
