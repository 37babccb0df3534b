using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using AimLsm.Encoding;
using AimLsm.Tree;
using AimLsm.Tree.Sequences;
using AimLsm.Tree.Storage;

namespace AimLsm.Remote;

/// <summary>
/// A run of a <see cref="RemoteRepo"/>, open for tracking: the same members as a local <see cref="Run"/> through
/// <see cref="IRun"/>. Every call checks and encodes its arguments in the caller's thread (the same checks and
/// exceptions as a local run), resolves the step, and queues the operation for the repo's sender; nothing waits on
/// the network but <see cref="Flush"/> and <see cref="Dispose"/>. Thread-safe: many threads may track into one run.
/// <para>
/// What this client does not know it does not invent: a run from <see cref="RemoteRepo.CreateRun"/> answers its
/// props and the attributes set through it from what the client sent; a run from <see cref="RemoteRepo.OpenRun"/>
/// answers only what was set through this object, and its sequences' default steps start at 0 unless a step is
/// given (the server's read API serves the stored state).
/// </para>
/// <para>
/// A failure the server reports for this run (a batch refused: the run is held by another session, does not exist,
/// an operation the repo refuses) is thrown, as a <see cref="TrackingProtocolException"/> whose code says which, by
/// every later <c>Track</c>, <see cref="Flush"/> and <see cref="Dispose"/> of this run.
/// </para>
/// </summary>
public sealed class RemoteRun : IRun
{
    /// <summary>The largest encoded value one point may carry: it must fit one frame of the server's default limit
    /// (16 MiB) beside a batch that is nearly full.</summary>
    internal const int MaxPointBytes = (16 << 20) - RemoteRepoOptions.MaxBatchBytes - (64 << 10);

    private readonly RemoteRepo _repo;
    private readonly Lock _lock = new();
    private readonly ConcurrentDictionary<(long ContextId, string Name), RemoteSequence> _sequences = new();

    /// <summary>Slots of <see cref="_recent"/>, a power of two: more than the sequences a loop usually tracks.</summary>
    private const int RecentSequences = 32;

    // The sequences tracked lately, by the caller's name and context objects (see Sequence); a slot is replaced
    // whole, so a reader sees one entry or another, never a mix.
    private readonly RecentSequence?[] _recent = new RecentSequence?[RecentSequences];
    private readonly Dictionary<string, byte[]> _attrs = new(StringComparer.Ordinal);
    private readonly bool _created;
    private readonly DateTime _createdAt;
    private readonly List<string> _tags;
    private string? _name;
    private string _experiment;
    private string? _description;
    private bool _archived;
    private volatile TrackingProtocolException? _failure;
    private volatile bool _closed;

    internal RemoteRun(RemoteRepo repo, string hash, bool created, double createdAt, string experiment, string? name, string? description, List<string> tags)
    {
        _repo = repo;
        Hash = hash;
        _created = created;
        _createdAt = RunProps.ToDateTime(createdAt);
        _experiment = experiment;
        _name = name;
        _description = description;
        _tags = tags;
    }

    /// <summary>What the server held of each sequence when this run was resumed (<see cref="RemoteRepo.OpenRun"/>):
    /// a sequence first tracked here continues after its last step, with its dtype, as a local resumed run does.</summary>
    internal IReadOnlyDictionary<(long ContextId, string Name), SequenceInfo>? Resumed { get; init; }

    /// <inheritdoc/>
    public string Hash { get; }

    /// <summary>False: a remote run is open for tracking.</summary>
    public bool IsReadOnly => false;

    /// <summary>
    /// Sets a top-level key of the run's tree (replacing that subtree); the value is encoded now, so an unsupported
    /// value is refused here. Getting returns what this object set (a copy), else throws.
    /// </summary>
    /// <exception cref="ArgumentException">An empty key, or a value of an unsupported type.</exception>
    /// <exception cref="KeyNotFoundException">Getting a key this object did not set.</exception>
    public object? this[string key]
    {
        get
        {
            byte[]? records;
            lock (_lock)
            {
                records = _attrs.GetValueOrDefault(key);
            }

            if (records is null)
            {
                throw new KeyNotFoundException($"Run '{Hash}' has no key '{key}' set through this client; the server's read API serves what is stored.");
            }

            var reader = new TreeReader();
            BatchReader.ForEachRecord(records, reader.Add);
            return reader.IsEmpty ? null : reader.Build();
        }

        set
        {
            ArgumentException.ThrowIfNullOrEmpty(key);
            byte[] path = TreePath.Encode([key]);
            byte[] records;
            try
            {
                records = BatchWriter.EncodeRecords(value);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"Cannot store a value at {PathSegment.Format([key])} of run '{Hash}': {e.Message}", nameof(value), e);
            }

            CheckSize(records.Length, $"the value at {PathSegment.Format([key])}");
            lock (_lock)
            {
                _attrs[key] = records;
            }

            Send(b => b.SetAttrRecords(Hash, path, records));
        }
    }

    /// <summary>The run's name: what the client created it with or set, Aim's default "Run: " and the hash otherwise.</summary>
    public string? Name
    {
        get => _name ?? (_created ? "Run: " + Hash : Unknown<string?>(nameof(Name)));
        set
        {
            _name = value;
            Send(b => b.SetProp(Hash, RunProp.Name, value));
        }
    }

    /// <summary>The experiment the run belongs to (<see cref="Run.DefaultExperiment"/> when created without one).</summary>
    public string Experiment
    {
        get => _created || _experiment.Length > 0 ? _experiment : Unknown<string>(nameof(Experiment));
        set
        {
            string experiment = value ?? Run.DefaultExperiment;
            _experiment = experiment;
            Send(b => b.SetProp(Hash, RunProp.Experiment, experiment));
        }
    }

    /// <summary>A free-text description, or null.</summary>
    public string? Description
    {
        get => _created || _description is not null ? _description : Unknown<string?>(nameof(Description));
        set
        {
            _description = value;
            Send(b => b.SetProp(Hash, RunProp.Description, value));
        }
    }

    /// <summary>Tags, in the order they were added (of a resumed run: those added through this object).</summary>
    public IReadOnlyList<string> Tags
    {
        get
        {
            lock (_lock)
            {
                return [.. _tags];
            }
        }
    }

    /// <summary>Whether the run is archived.</summary>
    public bool Archived
    {
        get => _archived;
        set
        {
            _archived = value;
            Send(b => b.SetArchived(Hash, value));
        }
    }

    /// <summary>When the run was created, UTC: decided by this client for a run it created.</summary>
    /// <exception cref="NotSupportedException">A resumed run: the server's read API serves it.</exception>
    public DateTime CreatedAt => _created ? _createdAt : Unknown<DateTime>(nameof(CreatedAt));

    /// <summary>Tracks a value, as <see cref="Run.Track(object?, string, long?, long?, Context?)"/> does: checked and
    /// encoded now, sent in the background.</summary>
    /// <exception cref="ArgumentException">An empty name, an unsupported value type, a dtype the sequence cannot
    /// hold, a name or context too large for the engine, or a value larger than a frame holds.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Step <see cref="long.MaxValue"/> or epoch <see cref="long.MinValue"/>.</exception>
    /// <exception cref="TrackingProtocolException">The server refused an earlier batch of this run.</exception>
    /// <exception cref="ObjectDisposedException">The run or its repo is disposed.</exception>
    public void Track(object? value, string name, long? step = null, long? epoch = null, Context? context = null)
    {
        switch (value)
        {
            case double d:
                Track(d, name, step, epoch, context);
                return;
            case float f:
                Track((double)f, name, step, epoch, context);
                return;
            case long l:
                Track(l, name, step, epoch, context);
                return;
            case int i:
                Track((long)i, name, step, epoch, context);
                return;
        }

        ArgumentException.ThrowIfNullOrEmpty(name);
        TrackArguments.CheckEpoch(epoch);
        RemoteSequence sequence = Sequence(name, context);
        byte[] records;
        try
        {
            records = BatchWriter.EncodeRecords(value);
            CheckSize(records.Length, "the value");
        }
        catch (ArgumentException e)
        {
            throw TrackArguments.InSequence(e, Hash, name, sequence.Context, nameof(value));
        }

        long resolved = sequence.Prepare(ValueCodec.Dtype(value), step);
        _repo.Enqueue(new PendingOp(PendingKind.Object, sequence, resolved, epoch ?? long.MinValue, RemoteRepo.NowMicros(), 0, records));
    }

    /// <summary>Tracks a float without boxing it or allocating.</summary>
    /// <exception cref="ArgumentException">As <see cref="Track(object?, string, long?, long?, Context?)"/>.</exception>
    public void Track(double value, string name, long? step = null, long? epoch = null, Context? context = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        TrackArguments.CheckEpoch(epoch);
        RemoteSequence sequence = Sequence(name, context);
        long resolved = sequence.Prepare("float", step);
        _repo.Enqueue(new PendingOp(PendingKind.Float, sequence, resolved, epoch ?? long.MinValue, RemoteRepo.NowMicros(), BitConverter.DoubleToInt64Bits(value), null));
    }

    /// <summary>Tracks an int without boxing it or allocating.</summary>
    /// <exception cref="ArgumentException">As <see cref="Track(object?, string, long?, long?, Context?)"/>.</exception>
    public void Track(long value, string name, long? step = null, long? epoch = null, Context? context = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        TrackArguments.CheckEpoch(epoch);
        RemoteSequence sequence = Sequence(name, context);
        long resolved = sequence.Prepare("int", step);
        _repo.Enqueue(new PendingOp(PendingKind.Int, sequence, resolved, epoch ?? long.MinValue, RemoteRepo.NowMicros(), value, null));
    }

    /// <summary>Tracks each entry of <paramref name="values"/> into the sequence named by its key.</summary>
    public void Track(IReadOnlyDictionary<string, object?> values, long? step = null, long? epoch = null, Context? context = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (KeyValuePair<string, object?> entry in values)
        {
            Track(entry.Value, entry.Key, step, epoch, context);
        }
    }

    /// <summary>Blocks until everything tracked so far (by every run of the repo) is acknowledged durable by the
    /// server, at most <see cref="RemoteRepoOptions.FlushTimeout"/>.</summary>
    /// <exception cref="TimeoutException">The server did not acknowledge in time; the message says since when it is
    /// away and how many batches and points wait where. Nothing is dropped.</exception>
    /// <exception cref="TrackingProtocolException">The server refused a batch of this run.</exception>
    public void Flush()
    {
        ThrowIfFailed();
        _repo.FlushQueued();
        ThrowIfFailed();
    }

    /// <summary>Adds a tag (once).</summary>
    public void AddTag(string tag)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        lock (_lock)
        {
            if (!_tags.Contains(tag))
            {
                _tags.Add(tag);
            }
        }

        Send(b => b.AddTag(Hash, tag));
    }

    /// <summary>Removes a tag.</summary>
    public void RemoveTag(string tag)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        lock (_lock)
        {
            _tags.Remove(tag);
        }

        Send(b => b.RemoveTag(Hash, tag));
    }

    /// <summary>Records the end time (now, the client's clock), sends it and flushes as <see cref="Flush"/> does.</summary>
    /// <exception cref="TimeoutException">As <see cref="Flush"/>: the run's end and its points stay queued.</exception>
    /// <exception cref="TrackingProtocolException">The server refused a batch of this run.</exception>
    public void Dispose()
    {
        if (_closed)
        {
            return;
        }

        double end = RunProps.Now();
        if (_failure is null && !_repo.IsClosing)
        {
            _repo.Enqueue(new PendingOp(PendingKind.Run, null, 0, 0, 0, 0, (RunOperation)(b => b.CloseRun(Hash, end))));
        }

        _closed = true;
        _repo.Forget(this);
        if (!_repo.IsClosing)
        {
            _repo.FlushQueued();
        }

        ThrowIfFailed();
    }

    /// <summary>Queues the run's end without waiting (the repo's Dispose closes its runs, then flushes once).</summary>
    internal void CloseQueued()
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        if (_failure is null)
        {
            double end = RunProps.Now();
            _repo.Enqueue(new PendingOp(PendingKind.Run, null, 0, 0, 0, 0, (RunOperation)(b => b.CloseRun(Hash, end))));
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"RemoteRun {Hash} ({_name})";

    /// <summary>Records what the server refused for this run; every later call throws it.</summary>
    internal void Fail(TrackingProtocolException failure) => _failure ??= failure;

    /// <summary>The failure not yet thrown to this run's caller, for the repo's Flush.</summary>
    internal TrackingProtocolException? Failure => _failure;

    internal bool FailureReported { get; private set; }

    /// <summary>Queues the create or open operation that starts the run on the server.</summary>
    internal void Start(RunOperation operation) => _repo.Enqueue(new PendingOp(PendingKind.Run, null, 0, 0, 0, 0, operation));

    private void Send(RunOperation operation)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        ThrowIfFailed();
        _repo.Enqueue(new PendingOp(PendingKind.Run, null, 0, 0, 0, 0, operation));
    }

    private RemoteSequence Sequence(string name, Context? context)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        ThrowIfFailed();

        // A training loop passes the same name and context objects at every step: found by reference, without
        // hashing the name (a string hash per Track was a tenth of the client's CPU on the remote bench). The
        // context's id is compared too, so a context changed since is looked up again.
        int slot = (RuntimeHelpers.GetHashCode(name) ^ (context is null ? 0 : RuntimeHelpers.GetHashCode(context) * 31)) & (RecentSequences - 1);
        if (Volatile.Read(ref _recent[slot]) is { } recent && ReferenceEquals(recent.Name, name) && ReferenceEquals(recent.Context, context)
            && (context is null || recent.ContextId == context.Id))
        {
            return recent.Sequence;
        }

        RemoteSequence found = LookUp(name, context);
        Volatile.Write(ref _recent[slot], new RecentSequence(name, context, context?.Id ?? 0, found));
        return found;
    }

    private RemoteSequence LookUp(string name, Context? context)
    {
        context = context is null || context.Count == 0 ? Context.Empty : context;
        if (_sequences.TryGetValue((context.Id, name), out RemoteSequence? known))
        {
            return known;
        }

        TrackArguments.CheckSequence(Hash, name, context);
        Context frozen = context.Freeze();
        return _sequences.GetOrAdd((frozen.Id, name), static (key, state) =>
        {
            var sequence = new RemoteSequence(state.Run, key.Name, state.Context);
            if (state.Run.Resumed is { } resumed && resumed.TryGetValue((state.Context.Id, key.Name), out SequenceInfo? held))
            {
                sequence.Resume(held.Dtype, held.LastStep);
            }

            return sequence;
        }, (Run: this, Context: frozen));
    }

    private void ThrowIfFailed()
    {
        _repo.ThrowIfBroken();
        if (_failure is { } failure)
        {
            FailureReported = true;
            throw failure;
        }
    }

    private static void CheckSize(int bytes, string what)
    {
        if (bytes > MaxPointBytes)
        {
            throw new ArgumentException($"{char.ToUpperInvariant(what[0])}{what[1..]} is {bytes} bytes encoded; a remote run sends at most {MaxPointBytes} bytes a value (one tracking frame).");
        }
    }

    /// <summary>A sequence found for the caller's <paramref name="Name"/> and <paramref name="Context"/> objects,
    /// with the context's id then.</summary>
    private sealed record RecentSequence(string Name, Context? Context, long ContextId, RemoteSequence Sequence);

    private T Unknown<T>(string what) =>
        throw new NotSupportedException($"Run '{Hash}' was resumed through RemoteRepo.OpenRun: its {what} is stored on the server, and this client knows only what it set.");
}
