using AimLsm.Streaming;
using AimLsm.Tree;
using AimLsm.Tree.Storage;

namespace AimLsm.Remote;

/// <summary>
/// A run of a served repo, read-only (<see cref="IRunInfo"/>): its properties and its whole parameter tree came in
/// the run object of the query that found it (docs/format.md 14.3), so reading them costs no request; its
/// sequences' metadata is asked for once, when <see cref="Sequences"/> is first read, and its records when a
/// sequence is read (<see cref="RemoteReader"/>). Like a local run a query yielded, it shows the run as the query saw
/// it. Thread-safe.
/// </summary>
internal sealed class RemoteRunView : IRunInfo
{
    private static readonly Dictionary<string, object?> NoParams = new(StringComparer.Ordinal);

    private readonly object? _params;
    private List<SequenceInfo>? _sequences;

    private RemoteRunView(RemoteReader reader, string hash, IReadOnlyDictionary<string, object?>? props, object? parameters)
    {
        Reader = reader;
        Hash = hash;
        _params = parameters ?? NoParams;
        props ??= NoParams;
        Name = props.GetValueOrDefault("name") as string;
        Description = props.GetValueOrDefault("description") as string;
        Experiment = (props.GetValueOrDefault("experiment") as IReadOnlyDictionary<string, object?>)?.GetValueOrDefault("name") as string
            ?? Run.DefaultExperiment;
        Tags = props.GetValueOrDefault("tags") is List<object?> tags
            ? [.. tags.Select(t => (t as IReadOnlyDictionary<string, object?>)?.GetValueOrDefault("name") as string).OfType<string>()]
            : [];
        Archived = props.GetValueOrDefault("archived") is true;
        CreatedAt = props.GetValueOrDefault("creation_time") is double created ? RunProps.ToDateTime(created) : DateTime.UnixEpoch;
        EndTime = props.GetValueOrDefault("end_time") is double end ? RunProps.ToDateTime(end) : null;
        Active = props.GetValueOrDefault("active") is true;
    }

    /// <summary>The reader this run's sequences are read through.</summary>
    internal RemoteReader Reader { get; }

    /// <inheritdoc/>
    public string Hash { get; }

    /// <inheritdoc/>
    public string? Name { get; }

    /// <inheritdoc/>
    public string Experiment { get; }

    /// <inheritdoc/>
    public string? Description { get; }

    /// <inheritdoc/>
    public IReadOnlyList<string> Tags { get; }

    /// <inheritdoc/>
    public bool Archived { get; }

    /// <inheritdoc/>
    public DateTime CreatedAt { get; }

    /// <inheritdoc/>
    public DateTime? EndTime { get; }

    /// <inheritdoc/>
    public bool Active { get; }

    /// <inheritdoc/>
    public ITreeView Tree => new RemoteTreeView(Hash, _params, []);

    /// <inheritdoc/>
    public object? this[string key] => Tree[key].Value;

    /// <inheritdoc/>
    /// <remarks>From the server's run document, in its order (by sequence type), which is not a local run's order.</remarks>
    public IEnumerable<SequenceInfo> Sequences => LoadSequences().AsReadOnly();

    /// <inheritdoc/>
    public ISequence GetSequence(string name, Context? context = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        context = context is null || context.Count == 0 ? Context.From(null) : context.Freeze();
        SequenceInfo info = Find(name, context)
            ?? throw new KeyNotFoundException($"Run '{Hash}' has no sequence '{name}' with context {context}.");
        return new RemoteSequenceView(this, name, context, info);
    }

    /// <inheritdoc/>
    public override string ToString() => $"Run {Hash} ({Name}) at {Reader.BaseAddress}";

    /// <summary>Decodes a run object of a run or metric search.</summary>
    internal static RemoteRunView From(RemoteReader reader, StreamedRun run) => new(reader, run.Hash, run.Props, run.Params);

    /// <summary>The metadata of the sequence <paramref name="name"/> with <paramref name="context"/>, or null.</summary>
    internal SequenceInfo? Find(string name, Context context)
    {
        foreach (SequenceInfo info in LoadSequences())
        {
            if (info.Name == name && info.Context.Equals(context))
            {
                return info;
            }
        }

        return null;
    }

    private List<SequenceInfo> LoadSequences() =>
        // Racing threads may each load the document; the first list stored wins and they are equal.
        Volatile.Read(ref _sequences) ?? Interlocked.CompareExchange(ref _sequences, Reader.LoadSequences(Hash), null) ?? _sequences!;
}
