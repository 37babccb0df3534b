using System.Buffers;
using AimLsm.Lsm;
using AimLsm.Tree.Encoding;
using AimLsm.Tree.Storage;

namespace AimLsm.Tree.Sequences;

/// <summary>
/// The writing side of one sequence of one run, in two halves:
/// <list type="bullet">
/// <item>the front, called in the tracking thread (<see cref="Prepare"/>), checks the dtype and assigns the default
/// step under a lock, so every error reaches the caller of <c>Track</c>;</item>
/// <item>the back, called only by the background writer (<see cref="Apply"/>, <see cref="WriteDirty"/>), keeps the
/// sequence's last chunk (the tail) and metadata in memory and writes them through a <see cref="DrainContext"/>.</item>
/// </list>
/// Invariant of the back: the chunks in the engine plus <see cref="_tail"/> hold every applied point; a chunk's key
/// is its smallest step; <see cref="_tailKey"/> is the key the tail was last written under (null if never).
/// </summary>
internal sealed class SequenceWriter
{
    private readonly Lock _frontLock = new();
    private readonly Db _db;
    private readonly int _chunkSize;
    private readonly byte[] _tracePrefix;
    private readonly byte[] _blobPrefix;
    private string? _dtype;
    private long _nextStep;

    private readonly SequenceMeta _meta;
    private SequenceChunk? _tail;
    private bool _tailLoaded;
    private byte[]? _tailKey;
    private bool _tailDirty;
    private bool _minMaxStale;
    private bool _contextWritten;

    public SequenceWriter(Db db, string hash, string name, Context context, int chunkSize)
    {
        _db = db;
        Hash = hash;
        Name = name;
        Context = context;
        _chunkSize = chunkSize;
        ChunkPrefix = RepoKeys.Sequence(hash, context.Id, name);
        _tracePrefix = RepoKeys.Trace(hash, context.Id, name);
        _blobPrefix = RepoKeys.SequenceBlobs(hash, context.Id, name);
        _meta = SequenceMeta.Load(db, _tracePrefix);
        _dtype = _meta.Count > 0 ? _meta.Dtype : null;
        _nextStep = _meta.Count > 0 && _meta.LastStep >= 0 ? _meta.LastStep + 1 : 0; // as Aim: the default step never goes below 0
        _contextWritten = _meta.Count > 0;
    }

    public string Hash { get; }

    public string Name { get; }

    public Context Context { get; }

    public byte[] ChunkPrefix { get; }

    /// <summary>The prefix of the sequence's blob keys (each adds a step and a field path).</summary>
    public byte[] BlobPrefix => _blobPrefix;

    public Db Db => _db;

    /// <summary>Set by the drain while this sequence has unwritten changes.</summary>
    public bool Dirty { get; set; }

    /// <summary>Checks <paramref name="dtype"/> against the sequence and resolves the step (the next one when null).</summary>
    /// <exception cref="ArgumentException">The sequence holds values of an incompatible dtype.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The step is <see cref="long.MaxValue"/>.</exception>
    public long Prepare(string dtype, long? step)
    {
        lock (_frontLock)
        {
            string merged = dtype;
            if (_dtype is not null && !ValueCodec.TryMerge(_dtype, dtype, out merged))
            {
                throw new ArgumentException(
                    $"Sequence '{Name}' {Context} of run '{Hash}' holds {_dtype} values; a {dtype} value cannot be tracked into it.");
            }

            long resolved = step ?? _nextStep;
            if (resolved == long.MaxValue)
            {
                throw new ArgumentOutOfRangeException(nameof(step), resolved,
                    $"Sequence '{Name}' {Context} of run '{Hash}': step long.MaxValue is reserved (a read of [from, to) with to = long.MaxValue means 'to the end').");
            }

            _dtype = merged;
            _nextStep = Math.Max(_nextStep, resolved + 1);
            return resolved;
        }
    }

    /// <summary>Applies one point (background writer only).</summary>
    public void Apply(in SequencePoint point, DrainContext drain)
    {
        EnsureTail();
        bool replaced;
        TrackedValue old = default;
        if (_tail is null)
        {
            _tail = new SequenceChunk(_chunkSize);
            _tail.Append(point);
            replaced = false;
        }
        else if (point.Step > _tail.MaxStep)
        {
            if (_tail.Count >= _chunkSize || !_tail.SameSign(point.Step))
            {
                WriteTail(drain);
                _tail = new SequenceChunk(_chunkSize);
                _tailKey = null;
            }

            _tail.Append(point);
            replaced = false;
        }
        else if (point.Step >= _tail.MinStep)
        {
            replaced = _tail.Upsert(point, out old);
        }
        else
        {
            replaced = ApplyBelowTail(point, drain, out old);
        }

        _tailDirty = true;
        UpdateMeta(point, replaced, old);
        if (point.Value.Blobs is { } blobs)
        {
            byte[] stepPrefix = RepoKeys.WithInt(_blobPrefix, point.Step);
            foreach (BlobField blob in blobs)
            {
                drain.BatchFor(_db).Put(RepoKeys.Concat(stepPrefix, blob.RelativePath), blob.EncodedValue);
            }
        }

        drain.MarkDirty(this);
    }

    /// <summary>Writes the tail and the metadata into the drain's batch (background writer only).</summary>
    public void WriteDirty(DrainContext drain)
    {
        if (_minMaxStale)
        {
            drain.Commit();
            RecomputeMinMax();
        }

        if (_tailDirty)
        {
            WriteTail(drain);
        }

        WriteBatch batch = drain.BatchFor(_db);
        lock (_frontLock)
        {
            _meta.Dtype = _dtype;
        }

        _meta.Write(batch, _tracePrefix, drain.Scratch);
        if (!_contextWritten)
        {
            drain.TreeWriter.Flatten(new Dictionary<string, object?>(Context, StringComparer.Ordinal), RepoKeys.Context(Hash, Context.Id),
                (path, value) => batch.Put(path, value));
            _contextWritten = true;
        }

        Dirty = false;
    }

    private void EnsureTail()
    {
        if (_tailLoaded)
        {
            return;
        }

        _tailLoaded = true;
        using var cursor = new ChunkCursor(_db, ChunkPrefix);
        cursor.StartAtLast();
        if (cursor.Valid)
        {
            _tail = SequenceChunk.Decode(cursor.Value, _chunkSize);
            _tailKey = cursor.Key.ToArray();
        }
    }

    private void WriteTail(DrainContext drain)
    {
        if (_tail is null || !_tailDirty)
        {
            return;
        }

        byte[] key = RepoKeys.WithInt(ChunkPrefix, _tail.MinStep);
        WriteBatch batch = drain.BatchFor(_db);
        if (_tailKey is not null && !_tailKey.AsSpan().SequenceEqual(key))
        {
            batch.Delete(_tailKey);
        }

        batch.Put(key, drain.Encode(_tail));
        _tailKey = key;
        _tailDirty = false;
    }

    /// <summary>
    /// A point below the tail: a read-modify-write of the chunk that holds its step. Rare (steps mostly increase),
    /// so it trades speed for simplicity: everything pending is committed first, the engine is then the whole truth,
    /// and the changed chunks are committed at once, before any other point can read them.
    /// </summary>
    private bool ApplyBelowTail(in SequencePoint point, DrainContext drain, out TrackedValue old)
    {
        drain.CommitAll();
        old = default;
        bool replaced = false;
        SequenceChunk chunk;
        byte[]? oldKey = null;
        using (var cursor = new ChunkCursor(_db, ChunkPrefix))
        {
            cursor.Start(point.Step, long.MaxValue);
            if (cursor.Valid && (cursor.MinStep < 0) == (point.Step < 0))
            {
                chunk = SequenceChunk.Decode(cursor.Value, _chunkSize);
                oldKey = cursor.Key.ToArray();
            }
            else
            {
                chunk = new SequenceChunk(_chunkSize);
            }
        }

        if (oldKey is not null && _tailKey is not null && oldKey.AsSpan().SequenceEqual(_tailKey))
        {
            // The step sorts before the tail's first one and no other chunk of its sign precedes it: the tail takes it.
            replaced = _tail!.Upsert(point, out old);
            return replaced;
        }

        if (chunk.Count == 0)
        {
            chunk.Append(point);
        }
        else
        {
            replaced = chunk.Upsert(point, out old);
        }

        WriteBatch batch = drain.BatchFor(_db);
        byte[] key = RepoKeys.WithInt(ChunkPrefix, chunk.MinStep);
        if (oldKey is not null && !oldKey.AsSpan().SequenceEqual(key))
        {
            batch.Delete(oldKey);
        }

        if (chunk.Count > 2 * _chunkSize)
        {
            SequenceChunk upper = chunk.SplitUpperHalf();
            batch.Put(RepoKeys.WithInt(ChunkPrefix, upper.MinStep), drain.Encode(upper));
        }

        batch.Put(key, drain.Encode(chunk));
        Dirty = true;
        WriteDirty(drain);
        drain.Commit();
        return replaced;
    }

    private void UpdateMeta(in SequencePoint point, bool replaced, in TrackedValue old)
    {
        TrackedValue? scalar = point.Value.Type is AimType.List or AimType.Dict or AimType.CustomObject ? null : point.Value;
        if (_meta.Count == 0)
        {
            _meta.FirstStep = _meta.LastStep = point.Step;
            _meta.First = _meta.Last = scalar;
        }
        else
        {
            if (point.Step >= _meta.LastStep)
            {
                _meta.LastStep = point.Step;
                _meta.Last = scalar;
            }

            if (point.Step <= _meta.FirstStep)
            {
                _meta.FirstStep = point.Step;
                _meta.First = scalar;
            }
        }

        if (!replaced)
        {
            _meta.Count++;
        }
        else if (old.IsNumber && (IsExtreme(old, _meta.Min) || IsExtreme(old, _meta.Max)))
        {
            // The overwritten value may have been the minimum or maximum: only a rescan knows the new one.
            _minMaxStale = true;
        }

        _meta.Widen(point.Value);
    }

    private static bool IsExtreme(in TrackedValue value, TrackedValue? extreme) =>
        extreme is { } e && e.AsDouble.Equals(value.AsDouble);

    private void RecomputeMinMax()
    {
        _meta.Min = _meta.Max = null;
        using (var cursor = new ChunkCursor(_db, ChunkPrefix))
        {
            for (cursor.Start(long.MinValue, long.MaxValue); cursor.Valid; cursor.Next())
            {
                if (_tailKey is not null && cursor.Key.SequenceEqual(_tailKey))
                {
                    continue;
                }

                var view = new ChunkView(cursor.Value);
                for (int i = 0; i < view.Count; i++)
                {
                    _meta.Widen(view.Value(i));
                }
            }
        }

        for (int i = 0; _tail is not null && i < _tail.Count; i++)
        {
            _meta.Widen(_tail.ValueAt(i));
        }

        _minMaxStale = false;
    }
}
