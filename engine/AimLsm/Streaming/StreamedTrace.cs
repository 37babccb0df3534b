using System.Collections;

namespace AimLsm.Streaming;

/// <summary>
/// One trace of a streamed run, decoded (docs/format.md, section 14.3): a sampled trace, a piece of a sequence
/// streamed whole (<see cref="Chunk"/>, <see cref="IsFinal"/>; join the pieces with <see cref="Combine"/>), or a
/// trace of metadata only (<see cref="HasData"/> false). Reads traces of Aim's metric search too (no chunk fields: one
/// final piece), and traces of Aim's run search (metadata under <c>values</c>). Columns are in step order, like
/// <c>SequenceData</c>'s. Not thread-safe; the arrays are the caller's.
/// </summary>
public sealed class StreamedTrace
{
    private static readonly Dictionary<string, object?> NoContext = new(StringComparer.Ordinal);

    private StreamedTrace(string name, IReadOnlyDictionary<string, object?> context, string? dtype, string? sequenceType = null)
    {
        Name = name;
        Context = context;
        Dtype = dtype;
        SequenceType = sequenceType;
    }

    /// <summary>The sequence's name.</summary>
    public string Name { get; }

    /// <summary>The sequence's context.</summary>
    public IReadOnlyDictionary<string, object?> Context { get; }

    /// <summary>The sequence's dtype, or null when the stream did not say (Aim's metric search does not).</summary>
    public string? Dtype { get; }

    /// <summary>
    /// The sequence type the trace was grouped under (<c>metric</c>, <c>images</c>, ...: Aim's run search and version 2
    /// run objects without points), or null when the run's traces came as a list.
    /// </summary>
    public string? SequenceType { get; }

    /// <summary>
    /// The metadata dict exactly as a grouped trace carried it under <c>values</c> (Aim's run search: <c>dtype,
    /// first_step, first, last_step, last, max, min, version</c>; ours has <c>count</c> where Aim has <c>version</c>),
    /// or null. The properties below read from it; this keeps what they do not name.
    /// </summary>
    public IReadOnlyDictionary<string, object?>? Metadata { get; private set; }

    /// <summary>The index of this piece of the trace, from 0.</summary>
    public int Chunk { get; private set; }

    /// <summary>True on the last piece of the trace.</summary>
    public bool IsFinal { get; private set; } = true;

    /// <summary>Whether the trace carries points (else only metadata).</summary>
    public bool HasData { get; private set; }

    /// <summary>The number of points.</summary>
    public int Length => Steps.Length;

    /// <summary>Steps.</summary>
    public long[] Steps { get; private set; } = [];

    /// <summary>Epochs; null where a point has none.</summary>
    public long?[] Epochs { get; private set; } = [];

    /// <summary>Timestamps in Unix seconds.</summary>
    public double[] Timestamps { get; private set; } = [];

    /// <summary>Values of a numeric trace as doubles, or null.</summary>
    public double[]? Numbers { get; private set; }

    /// <summary>Values of a trace of ints, exact, or null.</summary>
    public long[]? Integers { get; private set; }

    /// <summary>Values of a trace of objects, or null; blob fields streamed by reference are <see cref="BlobReference"/>s.</summary>
    public object?[]? Objects { get; private set; }

    /// <summary>Metadata of a trace without data: the number of points, or null (Aim does not send it).</summary>
    public long? Count { get; private set; }

    /// <summary>Metadata: the smallest step, or null.</summary>
    public long? FirstStep { get; private set; }

    /// <summary>Metadata: the largest step, or null.</summary>
    public long? LastStep { get; private set; }

    /// <summary>Metadata: the value at the smallest step (null for objects).</summary>
    public object? First { get; private set; }

    /// <summary>Metadata: the value at the largest step (null for objects).</summary>
    public object? Last { get; private set; }

    /// <summary>Metadata: the smallest value, or null.</summary>
    public object? Min { get; private set; }

    /// <summary>Metadata: the largest value, or null.</summary>
    public object? Max { get; private set; }

    /// <summary>The value of point <paramref name="index"/> whichever column holds it.</summary>
    public object? GetValue(int index) =>
        Integers is not null ? Integers[index] : Numbers is not null ? Numbers[index] : Objects![index];

    /// <summary>The pieces of one trace joined in order, as one final trace.</summary>
    /// <exception cref="ArgumentException">No pieces, or pieces of different traces or kinds.</exception>
    public static StreamedTrace Combine(IReadOnlyList<StreamedTrace> pieces)
    {
        ArgumentNullException.ThrowIfNull(pieces);
        if (pieces.Count == 0)
        {
            throw new ArgumentException("No pieces to combine.", nameof(pieces));
        }

        StreamedTrace first = pieces[0];
        foreach (StreamedTrace piece in pieces)
        {
            if (piece.Name != first.Name || (piece.Numbers is null) != (first.Numbers is null) || (piece.Objects is null) != (first.Objects is null))
            {
                throw new ArgumentException($"Piece of '{piece.Name}' does not continue trace '{first.Name}' (another name or kind of values).", nameof(pieces));
            }
        }

        bool ints = pieces.All(p => p.Integers is not null);
        return new StreamedTrace(first.Name, first.Context, first.Dtype, first.SequenceType)
        {
            HasData = pieces.Any(p => p.HasData),
            Steps = [.. pieces.SelectMany(p => p.Steps)],
            Epochs = [.. pieces.SelectMany(p => p.Epochs)],
            Timestamps = [.. pieces.SelectMany(p => p.Timestamps)],
            Numbers = first.Numbers is null ? null : [.. pieces.SelectMany(p => p.Numbers!)],
            Integers = ints ? [.. pieces.SelectMany(p => p.Integers!)] : null,
            Objects = first.Objects is null ? null : [.. pieces.SelectMany(p => p.Objects!)],
        };
    }

    /// <summary>
    /// Decodes a folded trace dict: a trace with points (a numpy encodable or a list under <c>values</c>), a trace of
    /// metadata in Aim's run-search shape (a dict of metadata under <c>values</c>), or a version 1 metadata trace (the
    /// metadata beside the name, no <c>values</c>).
    /// </summary>
    /// <param name="node">The folded trace.</param>
    /// <param name="offset">The offset of the run object, for errors.</param>
    /// <param name="sequenceType">The sequence type the trace was grouped under, or null.</param>
    /// <exception cref="StreamFormatException">A field has the wrong type or the columns differ in length.</exception>
    internal static StreamedTrace FromDict(object? node, long offset, string? sequenceType)
    {
        if (node is not Dictionary<string, object?> dict || dict.GetValueOrDefault(StreamFormat.NameField) is not string name)
        {
            throw new StreamFormatException(offset, "a trace is not a dict with a str 'name'.");
        }

        dict.TryGetValue(StreamFormat.ValuesField, out object? values);
        Dictionary<string, object?>? metadata = values is Dictionary<string, object?> fields && !IsNumpyEncodable(fields) ? fields : null;
        Dictionary<string, object?> info = metadata ?? dict;
        var trace = new StreamedTrace(name, dict.GetValueOrDefault(StreamFormat.ContextField) as Dictionary<string, object?> ?? NoContext,
            dict.GetValueOrDefault(StreamFormat.DtypeField) as string ?? metadata?.GetValueOrDefault(StreamFormat.DtypeField) as string, sequenceType)
        {
            Chunk = dict.GetValueOrDefault(StreamFormat.ChunkField) is long chunk ? checked((int)chunk) : 0,
            IsFinal = dict.GetValueOrDefault(StreamFormat.FinalField) is not false,
            Metadata = metadata,
            Count = info.GetValueOrDefault(StreamFormat.CountField) as long?,
            FirstStep = info.GetValueOrDefault(StreamFormat.FirstStepField) as long?,
            LastStep = info.GetValueOrDefault(StreamFormat.LastStepField) as long?,
            First = info.GetValueOrDefault(StreamFormat.FirstField),
            Last = info.GetValueOrDefault(StreamFormat.LastField),
            Min = info.GetValueOrDefault(StreamFormat.MinField),
            Max = info.GetValueOrDefault(StreamFormat.MaxField),
        };

        if (metadata is not null || !dict.ContainsKey(StreamFormat.ValuesField))
        {
            return trace;
        }

        trace.HasData = true;
        int length;
        if (values is IList list and not Array)
        {
            var objects = new object?[list.Count];
            for (int i = 0; i < objects.Length; i++)
            {
                objects[i] = ResolveReferences(list[i]);
            }

            trace.Objects = objects;
            length = objects.Length;
        }
        else
        {
            switch (NumpyColumn.Decode(values, offset, StreamFormat.ValuesField))
            {
                case long[] longs:
                    trace.Integers = longs;
                    trace.Numbers = Array.ConvertAll(longs, v => (double)v);
                    break;
                case double[] doubles:
                    trace.Numbers = doubles;
                    trace.Integers = trace.Dtype == "int" ? Array.ConvertAll(doubles, v => (long)v) : null;
                    break;
                default:
                    trace.Numbers = [];
                    break;
            }

            length = trace.Numbers.Length;
        }

        trace.Steps = Column(dict, StreamFormat.ItersField, offset, length) switch
        {
            long[] longs => longs,
            double[] doubles => Array.ConvertAll(doubles, v => (long)v),
            _ => throw new StreamFormatException(offset, $"trace '{name}' has values but no {StreamFormat.ItersField}."),
        };
        trace.Epochs = Column(dict, StreamFormat.EpochsField, offset, length) switch
        {
            long[] longs => Array.ConvertAll(longs, v => v == long.MinValue ? null : (long?)v),
            double[] doubles => Array.ConvertAll(doubles, v => double.IsNaN(v) ? null : (long?)v),
            _ => new long?[length],
        };
        trace.Timestamps = Column(dict, StreamFormat.TimestampsField, offset, length) switch
        {
            long[] longs => Array.ConvertAll(longs, v => (double)v),
            double[] doubles => doubles,
            _ => new double[length],
        };
        return trace;
    }

    /// <summary>Whether a dict under <c>values</c> is a numpy encodable (its <c>type</c> is <c>numpy</c>) rather than metadata.</summary>
    private static bool IsNumpyEncodable(Dictionary<string, object?> dict) =>
        dict.GetValueOrDefault(StreamFormat.TypeField) is StreamFormat.NumpyType;

    private static Array? Column(Dictionary<string, object?> dict, string field, long offset, int length)
    {
        Array? column = NumpyColumn.Decode(dict.GetValueOrDefault(field), offset, field);
        if (column is not null && column.Length != length)
        {
            throw new StreamFormatException(offset, $"the trace column '{field}' has {column.Length} elements, the values {length}.");
        }

        return column;
    }

    /// <summary>Replaces blob reference dicts by <see cref="BlobReference"/>s, in place.</summary>
    private static object? ResolveReferences(object? value)
    {
        if (BlobReference.TryFrom(value, out BlobReference? reference))
        {
            return reference;
        }

        switch (value)
        {
            case Encoding.AimObject obj:
                ReplaceEntries(obj.Fields);
                break;
            case IDictionary dict:
                ReplaceEntries(dict);
                break;
            case IList list:
                for (int i = 0; i < list.Count; i++)
                {
                    list[i] = ResolveReferences(list[i]);
                }

                break;
        }

        return value;
    }

    private static void ReplaceEntries(IDictionary dict)
    {
        List<(object Key, object? Value)>? changes = null;
        foreach (DictionaryEntry entry in dict)
        {
            object? resolved = ResolveReferences(entry.Value);
            if (!ReferenceEquals(resolved, entry.Value))
            {
                (changes ??= []).Add((entry.Key, resolved));
            }
        }

        foreach ((object key, object? value) in changes ?? [])
        {
            dict[key] = value;
        }
    }
}
