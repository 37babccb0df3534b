using AimLsm.Kv;
using AimLsm.Query;
using AimLsm.Encoding;
using AimLsm.Tree.Sequences;
using AimLsm.Tree.Storage;

namespace AimLsm.Tree;

/// <summary>
/// A container: one training run, identified by its hash, holding one schemaless tree of parameters and metadata
/// (<see cref="Tree"/>, <c>run["hparams"]</c>) and sequences of tracked records (<see cref="Track(object?, string, long?, long?, Context?)"/>).
/// <para>
/// A run from <see cref="Repo.CreateRun"/> or <see cref="Repo.OpenRun"/> is writable: dispose it to mark it
/// finished and make everything durable. A run from <see cref="Repo.GetRun"/> or <see cref="Repo.Runs"/> is a
/// read-only view. Both read lazily: every property and view reads only the keys it needs. Methods are
/// thread-safe; many threads may track into one run.
/// </para>
/// <para>
/// What a read sees: a run from <see cref="Query.QuerySource.QueryRuns{TRun, TMatch}"/> or <see cref="Query.QuerySource.QuerySequences{TRun, TMatch}"/> reads, on every
/// thread, the state of its writer slot as of when the query's enumeration reached that slot, for as long as the
/// enumeration is on that slot's runs; once it moves past them or is disposed, and for every other run, each read
/// sees the latest state (each property read on its own; one sequence read is consistent in itself).
/// </para>
/// </summary>
public sealed partial class Run : IQueryRun, IRun, IRunInfo
{
    private readonly Repo _repo;
    private readonly Slot _slot;
    private readonly Lock _lock = new();
    private readonly Dictionary<(long ContextId, string Name), SequenceWriter>? _writers;
    private RunProps? _props;

    /// <summary>The query scope this view reads in while it is open (see <see cref="ReadSnapshot"/>); null for a run
    /// not yielded by a query, which always reads the latest state. Set once, so it is the same on every thread.</summary>
    private readonly ReadSnapshot? _snapshot;
    private bool _disposed;

    /// <summary>
    /// For a run created by this object (nothing of it stored before), the subtree prefixes written since: a write
    /// to a subtree that overlaps none of them replaces nothing, so it needs no range tombstone. Null for a resumed
    /// or read-only run, whose stored tree is unknown.
    /// </summary>
    private List<byte[]>? _writtenSinceCreate;

    internal Run(Repo repo, Slot slot, string hash, bool writable, RunProps? props = null, bool created = false, ReadSnapshot? snapshot = null)
    {
        _snapshot = snapshot;
        _writtenSinceCreate = created ? [] : null;
        _repo = repo;
        _slot = slot;
        Hash = hash;
        IsReadOnly = !writable;
        _writers = writable ? [] : null;
        _props = props;
    }

    /// <summary>The run's hash: 24 lowercase hex characters, as Aim makes them.</summary>
    public string Hash { get; }

    /// <summary>Whether this object only reads (from <see cref="Repo.GetRun"/>).</summary>
    public bool IsReadOnly { get; }

    /// <summary>The run's parameters and metadata tree; <c>run.Tree["hparams", "lr"]</c> reads only that subtree.</summary>
    public TreeView Tree => new(this, RepoKeys.Attrs(Hash), []);

    /// <summary>The value at a top-level key of <see cref="Tree"/>; setting it replaces that subtree atomically.</summary>
    /// <exception cref="KeyNotFoundException">Getting a key that holds nothing.</exception>
    public object? this[string key]
    {
        get => Tree[key].Value;
        set => Tree[key].Set(value);
    }

    /// <summary>The run's name (Aim's default: "Run: " and the hash).</summary>
    public string? Name
    {
        get => Props.Name;
        set => UpdateProps(p => p.Name = value);
    }

    /// <summary>The experiment a run created without one belongs to, as in Aim (its <c>Run</c> stores
    /// <c>'default'</c> in a new run's props).</summary>
    public const string DefaultExperiment = "default";

    /// <summary>The experiment the run belongs to: <see cref="DefaultExperiment"/> when it was created without one
    /// (also for runs stored by builds that kept null there). Setting null puts the run back in the default one.</summary>
    public string Experiment
    {
        get => Props.Experiment ?? DefaultExperiment;
        set => UpdateProps(p => p.Experiment = value ?? DefaultExperiment);
    }

    /// <summary>A free-text description, or null.</summary>
    public string? Description
    {
        get => Props.Description;
        set => UpdateProps(p => p.Description = value);
    }

    /// <summary>Tags, in the order they were added.</summary>
    public IReadOnlyList<string> Tags => Props.Tags;

    /// <summary>Whether the run is archived (queries skip archived runs unless they mention <c>run.archived</c>).</summary>
    public bool Archived
    {
        get => Props.Archived;
        set => UpdateProps(p => p.Archived = value);
    }

    /// <summary>When the run was created, UTC.</summary>
    public DateTime CreatedAt => RunProps.ToDateTime(Props.CreatedAt);

    /// <summary>When the run was closed, UTC, or null while it is active.</summary>
    public DateTime? EndTime => Props.EndTime is { } end ? RunProps.ToDateTime(end) : null;

    /// <summary>True until the run is closed (or its writer found dead and the run finalized).</summary>
    public bool Active => Props.EndTime is null;

    /// <summary>Every sequence of the run with its metadata; no sequence data is read.</summary>
    public IEnumerable<SequenceInfo> Sequences
    {
        get
        {
            // One pass over ('runs', H, 'traces'): keys are context id | name | field, so each sequence's fields
            // are contiguous. Contexts are looked up afterwards, once per context id.
            var found = new List<(long ContextId, string Name, SequenceMeta Meta)>();
            byte[] traces = RepoKeys.Traces(Hash);
            using ReadScope scope = Scope();
            Span<byte> current = stackalloc byte[128]; // the sequence key being read: context id | name
            int currentLength = 0;
            SequenceMeta? meta = null;
            for (bool ok = scope.SeekSubtree(traces); ok; ok = scope.NextInSubtree(traces))
            {
                ReadOnlySpan<byte> relative = scope.Iterator.Key[traces.Length..];
                var path = new TreePathReader(relative);
                if (!path.MoveNext() || !path.IsInt || !path.MoveNext() || path.IsInt)
                {
                    throw new AimFormatException($"Run '{Hash}' has a malformed sequence metadata key {PathSegment.Format(TreePath.Decode(scope.Iterator.Key))}.");
                }

                ReadOnlySpan<byte> sequenceKey = relative[..path.Consumed];
                if (meta is null || !sequenceKey.SequenceEqual(current[..currentLength]))
                {
                    if (sequenceKey.Length <= current.Length)
                    {
                        sequenceKey.CopyTo(current);
                        currentLength = sequenceKey.Length;
                    }
                    else
                    {
                        current = sequenceKey.ToArray(); // a name longer than the stack buffer
                        currentLength = current.Length;
                    }

                    meta = new SequenceMeta();
                    found.Add((RepoKeys.TryReadInt(relative, out long id) ? id : 0, NameCache.Get(path.Utf8), meta));
                }

                if (path.MoveNext() && !path.IsInt)
                {
                    meta.Set(path.Utf8, scope.Iterator.Value);
                }
            }

            var contexts = new Dictionary<long, Context>();
            var result = new List<SequenceInfo>(found.Count);
            foreach ((long contextId, string name, SequenceMeta sequenceMeta) in found)
            {
                if (!contexts.TryGetValue(contextId, out Context? context))
                {
                    context = LoadContext(scope, contextId);
                    contexts[contextId] = context;
                }

                result.Add(new SequenceInfo(name, context, sequenceMeta));
            }

            return result;
        }
    }

    /// <summary>The sequence with this name and context (null: the empty context). Of a writable run, a sequence
    /// may be new; of a read-only run it must exist.</summary>
    /// <exception cref="KeyNotFoundException">A read-only run has no such sequence.</exception>
    public Sequence GetSequence(string name, Context? context = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        context = context is null || context.Count == 0 ? Context.Empty : context.Freeze();
        var sequence = new Sequence(this, name, context);
        if (IsReadOnly && sequence.Info.Count == 0)
        {
            throw new KeyNotFoundException($"Run '{Hash}' has no sequence '{name}' with context {context}.");
        }

        return sequence;
    }

    /// <summary>
    /// Tracks <paramref name="value"/> at <paramref name="step"/> (default: the sequence's last step plus one) into
    /// the sequence <paramref name="name"/> with <paramref name="context"/>. The value is encoded now and written in
    /// the background; this returns without I/O unless the tracking queue is full, or the value is (or holds fields
    /// that are) a str or bytes of at least <see cref="RepoOptions.BlobThreshold"/> bytes, stored apart and written
    /// to the engine now (docs/aim-repo.md, "Tracking"). Tracking a step again overwrites it. <see cref="Flush"/> or
    /// <see cref="Dispose"/> makes it durable.
    /// </summary>
    /// <exception cref="ArgumentException">An empty name, an unsupported value type (the message names the
    /// sequence, the path inside the value and the type), a dtype the sequence cannot hold (e.g. a str into a
    /// sequence of floats), or a name, context or value whose encoding the engine would refuse (the message says
    /// what is too large and the limit; docs/aim-repo.md, "Errors").</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epoch"/> is <see cref="long.MinValue"/>.</exception>
    /// <exception cref="InvalidOperationException">The run is read-only or disposed.</exception>
    /// <exception cref="TrackingException">The background writer failed for this run or its writer slot.</exception>
    public void Track(object? value, string name, long? step = null, long? epoch = null, Context? context = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Track(Writer(name, context), value, step, epoch);
    }

    /// <summary>Tracks a float without boxing it; otherwise as <see cref="Track(object?, string, long?, long?, Context?)"/>.</summary>
    /// <exception cref="ArgumentException">As <see cref="Track(object?, string, long?, long?, Context?)"/>.</exception>
    public void Track(double value, string name, long? step = null, long? epoch = null, Context? context = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Track(Writer(name, context), TrackedValue.Float(value), "float", step, epoch);
    }

    /// <summary>Tracks an int without boxing it; otherwise as <see cref="Track(object?, string, long?, long?, Context?)"/>.</summary>
    /// <exception cref="ArgumentException">As <see cref="Track(object?, string, long?, long?, Context?)"/>.</exception>
    public void Track(long value, string name, long? step = null, long? epoch = null, Context? context = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Track(Writer(name, context), TrackedValue.Int(value), "int", step, epoch);
    }

    /// <summary>Tracks each entry of <paramref name="values"/> into the sequence named by its key (Aim's dict form).</summary>
    /// <exception cref="ArgumentException">As <see cref="Track(object?, string, long?, long?, Context?)"/>.</exception>
    public void Track(IReadOnlyDictionary<string, object?> values, long? step = null, long? epoch = null, Context? context = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (KeyValuePair<string, object?> entry in values)
        {
            Track(entry.Value, entry.Key, step, epoch, context);
        }
    }

    /// <summary>Blocks until everything tracked so far is written and the WAL synced.</summary>
    /// <exception cref="TrackingException">The background writer failed for this run or its writer slot (the
    /// message and the inner exception give the cause).</exception>
    public void Flush() => _repo.FlushTracking(Hash, _slot.Writable);

    /// <summary>Adds a tag (once).</summary>
    public void AddTag(string tag)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        UpdateProps(p =>
        {
            if (!p.Tags.Contains(tag))
            {
                p.Tags.Add(tag);
            }
        });
    }

    /// <summary>Removes a tag.</summary>
    public void RemoveTag(string tag) => UpdateProps(p => p.Tags.Remove(tag));

    /// <summary>For a writable run: flushes, records the end time and releases the run. A read-only view has nothing to release.</summary>
    public void Dispose() => Close(null);

    /// <summary>As <see cref="Dispose"/>, recording <paramref name="endTime"/> (unix seconds; null for now): a remote
    /// client's run ends when the client closed it.</summary>
    internal void Close(double? endTime)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        if (!IsReadOnly)
        {
            TrackingException? failure = null;
            try
            {
                try
                {
                    _repo.FlushTracking(Hash, _slot.Writable);
                }
                catch (TrackingException e)
                {
                    failure = e;
                }

                try
                {
                    // The end time is recorded even when this run's tracking failed: the run is over either way.
                    _props ??= RunProps.Load(_slot.Writable!, Hash);
                    _props.EndTime = endTime ?? RunProps.Now();
                    WriteProps(_props, sync: true);
                }
                catch (Exception e) when (failure is not null && e is DbException or IOException)
                {
                    // The slot's engine refuses writes after its failure; the tracking failure says why.
                }
            }
            finally
            {
                _repo.Release(this);
            }

            if (failure is not null)
            {
                throw failure;
            }
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"Run {Hash} ({Name})";

    /// <summary>What the background writer failed with for this run or its engine and has not reported yet, or null.</summary>
    internal TrackingException? TrackingFailure => _repo.Tracker.Failures.For(Hash, _slot.Writable);

    internal StoreLease Lease() =>
        _slot.TryLease() ?? throw new RepoException($"Run '{Hash}': its writer slot '{_slot.Name}' holds no engine any more.");

    internal void WriteSubtree(byte[] prefix, PathSegment[] path, object? value)
    {
        Db db = WritableDb();
        var batch = new WriteBatch();
        if (MayHoldData(prefix))
        {
            batch.DeleteRange(prefix, TreePath.SubtreeUpperBound(prefix));
        }

        try
        {
            new TreeWriter().Flatten(value, prefix, (key, encoded) => batch.Put(key, encoded));
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Cannot store a value at {PathSegment.Format(path)} of run '{Hash}': {e.Message}", nameof(value), e);
        }

        db.Write(batch);
    }

    /// <summary>
    /// Whether the subtree at <paramref name="prefix"/> may hold stored keys (and so needs deleting before a
    /// rewrite); records the prefix as written. A subtree and a written one overlap when either prefix starts the other.
    /// </summary>
    private bool MayHoldData(byte[] prefix)
    {
        lock (_lock)
        {
            if (_writtenSinceCreate is not { } written)
            {
                return true;
            }

            foreach (byte[] w in written)
            {
                if (prefix.AsSpan().StartsWith(w) || w.AsSpan().StartsWith(prefix))
                {
                    return true;
                }
            }

            written.Add(prefix);
            return false;
        }
    }

    internal void DeleteSubtree(byte[] prefix)
    {
        var batch = new WriteBatch();
        batch.DeleteRange(prefix, TreePath.SubtreeUpperBound(prefix));
        WritableDb().Write(batch);
    }

    /// <summary>
    /// Writes every property, replacing the stored ones, in one batch. Every field is a scalar that a put overwrites
    /// except the tags list, whose elements past the new count are point-deleted: a range tombstone per run create
    /// and close would pile up in the memtable and tables until a bottom-level compaction, and every iterator and
    /// read would pay for them.
    /// </summary>
    internal void WriteProps(RunProps props, bool sync = false)
    {
        Db db = _slot.Writable ?? throw ReadOnly();
        byte[] prefix = RepoKeys.Props(Hash);
        var batch = new WriteBatch();
        if (props.StoredTagCount < 0)
        {
            byte[] tags = RepoKeys.PropsTags(Hash);
            batch.DeleteRange(tags, TreePath.SubtreeUpperBound(tags));
        }
        else
        {
            for (int i = props.Tags.Count; i < props.StoredTagCount; i++)
            {
                batch.Delete(RepoKeys.PropsTags(Hash, i));
            }
        }

        new TreeWriter().Flatten(props.ToDictionary(), prefix, (key, encoded) => batch.Put(key, encoded));
        db.Write(batch, sync ? new WriteOptions { Sync = true } : null);
        props.StoredTagCount = props.Tags.Count;
        _props = props;
    }

    /// <summary>Encodes, checks and queues a value; <paramref name="micros"/>: the point's time (unix µs), null for now
    /// (a remote client's points carry the client's time).</summary>
    internal void Track(SequenceWriter writer, object? value, long? step, long? epoch, long? micros = null)
    {
        TrackedValue tracked;
        byte[]? apart;
        try
        {
            apart = LargeValue.TryEncode(value, _repo.Settings.BlobThreshold, out tracked);
            if (apart is null)
            {
                tracked = ValueCodec.FromObject(value, _repo.Settings.BlobThreshold);
                TrackLimits.CheckValue(writer, tracked, _repo.Settings.SequenceChunkSize);
            }
            else
            {
                TrackLimits.CheckBlob(writer.BlobPrefix.Length + TreePath.IntSegmentLength, 1L + apart.Length, []);
            }
        }
        catch (ArgumentException e)
        {
            throw TrackArguments.InSequence(e, Hash, writer.Name, writer.Context, nameof(value));
        }

        Track(writer, tracked, ValueCodec.Dtype(value), step, epoch, apart, micros);
    }

    /// <summary>
    /// Checks the epoch, resolves the step and returns the point of a value that has nothing stored apart (a float or
    /// an int), for the caller to queue with others (<see cref="Tracker.EnqueueMany"/>) in the
    /// order prepared; <paramref name="micros"/> is the point's time (unix µs).
    /// </summary>
    internal QueuedPoint Prepare(SequenceWriter writer, in TrackedValue tracked, string dtype, long? step, long? epoch, long micros)
    {
        System.Diagnostics.Debug.Assert(tracked.Blobs is null, "a value with blobs is tracked through Track, which writes them");
        long resolved = ResolveStep(writer, dtype, step, epoch);
        return new QueuedPoint(writer, new SequencePoint(resolved, epoch ?? ChunkFormat.NoEpoch, micros, tracked));
    }

    /// <summary>The checks every tracked point passes before it is queued (its epoch, an earlier failure of the
    /// writer, its dtype), and its step, resolved.</summary>
    private long ResolveStep(SequenceWriter writer, string dtype, long? step, long? epoch)
    {
        TrackArguments.CheckEpoch(epoch);
        _repo.Tracker.ThrowIfFailed(writer);
        return writer.Prepare(dtype, step);
    }

    /// <summary>Checks the epoch, resolves the step and queues the point. <paramref name="apart"/>: for a str or
    /// bytes value stored apart (<see cref="LargeValue"/>), its payload, written to the engine here, in the caller's
    /// thread, before the point is queued.</summary>
    internal void Track(SequenceWriter writer, in TrackedValue tracked, string dtype, long? step, long? epoch, byte[]? apart = null, long? micros = null)
    {
        long resolved = ResolveStep(writer, dtype, step, epoch);
        TrackedValue queued = tracked;
        if (apart is not null)
        {
            // Straight from the caller's array into the engine (no copy kept, nothing queued that could change under
            // the writer), before the point that refers to it: a reader never meets a record whose blob is missing.
            writer.Db.Put(RepoKeys.WithInt(writer.BlobPrefix, resolved), [(byte)tracked.Type], apart);
        }
        else if (tracked.Blobs is { } blobs)
        {
            WriteBlobs(writer, resolved, blobs);
            queued = new TrackedValue(tracked.Type, tracked.Bits, tracked.Encoded);
        }

        long time = micros ?? (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / 10;
        _repo.Tracker.Enqueue(writer, new SequencePoint(resolved, epoch ?? ChunkFormat.NoEpoch, time, queued));
    }

    /// <summary>
    /// Writes an object's fields stored apart now, in the caller's thread, before the point that refers to them is
    /// queued: in the order of the calls, so that of two values tracked at one step the blobs of the later one are
    /// the ones stored, as its record is. Fields of <see cref="Db.LargeValueBytes"/> and more go to the engine without
    /// a batch copy; the others share one batch.
    /// </summary>
    private static void WriteBlobs(SequenceWriter writer, long step, BlobField[] blobs)
    {
        byte[] stepPrefix = RepoKeys.WithInt(writer.BlobPrefix, step);
        WriteBatch? batch = null;
        foreach (BlobField blob in blobs)
        {
            byte[] key = RepoKeys.Concat(stepPrefix, blob.RelativePath);
            if (blob.EncodedValue.Length >= Db.LargeValueBytes)
            {
                writer.Db.Put(key, blob.EncodedValue);
            }
            else
            {
                (batch ??= new WriteBatch()).Put(key, blob.EncodedValue);
            }
        }

        if (batch is not null)
        {
            writer.Db.Write(batch);
        }
    }

    internal SequenceWriter Writer(string name, Context? context)
    {
        if (_writers is null)
        {
            throw ReadOnly();
        }

        context ??= Context.Empty;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_writers.TryGetValue((context.Id, name), out SequenceWriter? writer))
            {
                TrackArguments.CheckSequence(Hash, name, context);

                writer = new SequenceWriter(_slot.Writable!, Hash, name, context.Freeze(), _repo.Settings.SequenceChunkSize);
                _writers[(context.Id, name)] = writer;
            }

            return writer;
        }
    }

    /// <summary>
    /// The context stored under <paramref name="contextId"/>. Ids are content hashes (<see cref="Context.Id"/>), so
    /// a context seen before, in any run, is the same object (<see cref="ContextCache"/>): a query over 10,000 runs
    /// decodes each distinct context once. Contexts read here are read-only for that reason.
    /// </summary>
    internal Context LoadContext(ReadScope scope, long contextId)
    {
        if (ContextCache.TryGet(contextId, out Context? known))
        {
            return known;
        }

        var reader = new TreeReader();
        Context context = !scope.ReadSubtree(RepoKeys.Context(Hash, contextId), reader) || reader.Build() is not Dictionary<string, object?> entries || entries.Count == 0
            ? Context.Empty
            : new Context(entries).AsReadOnly();
        if (context.Count > 0 && context.Id == contextId)
        {
            ContextCache.Add(context);
        }

        return context;
    }

    /// <summary>The scalar stored exactly at <paramref name="path"/> (see <see cref="PointReader"/>), at the query's
    /// snapshot while its scope is open, else at the latest state.</summary>
    internal bool TryGetScalar(ReadOnlySpan<byte> path, out object? value)
    {
        if (_snapshot is { } snapshot && snapshot.TryEnter())
        {
            try
            {
                return PointReader.TryGetScalar(snapshot.Db, snapshot.Reads, path, out value);
            }
            finally
            {
                snapshot.Exit();
            }
        }

        using StoreLease lease = Lease();
        return PointReader.TryGetScalar(lease.Db, null, path, out value);
    }

    /// <summary>A read of this run's keys: at the query's snapshot while its scope is open (an iterator rented from
    /// it), else at the latest state (an iterator of its own). Dispose it.</summary>
    internal ReadScope Scope()
    {
        if (_snapshot is { } snapshot && snapshot.TryEnter())
        {
            return new ReadScope(snapshot);
        }

        StoreLease lease = Lease();
        try
        {
            return new ReadScope(lease.Db.NewIterator(), lease);
        }
        catch
        {
            lease.Dispose();
            throw;
        }
    }

    private RunProps Props
    {
        get
        {
            if (_props is { } props)
            {
                return props;
            }

            using ReadScope scope = Scope();
            return _props = RunProps.Load(scope, Hash);
        }
    }

    private void UpdateProps(Action<RunProps> change)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            RunProps props = RunProps.Load(WritableDb(), Hash);
            change(props);
            WriteProps(props);
        }
    }

    private Db WritableDb()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return IsReadOnly ? throw ReadOnly() : _slot.Writable!;
    }

    private InvalidOperationException ReadOnly() =>
        new($"Run '{Hash}' was opened read-only; use repo.OpenRun(\"{Hash}\") in a writable repo to change it.");

    bool IQueryRun.TryGetParam(ReadOnlySpan<PathSegment> path, out object? value) =>
        Tree[path.ToArray()].TryRead(out value);

    IQuerySequence? IQueryRun.GetSequence(string name, IReadOnlyDictionary<string, object?>? context)
    {
        Context ctx = Context.From(context);
        var sequence = new Sequence(this, name, ctx.Count == 0 ? Context.Empty : ctx);
        SequenceInfo info = sequence.Info;
        return info.Count == 0 ? null : info;
    }

    IEnumerable<IQuerySequence> IQueryRun.Sequences => Sequences;
}
