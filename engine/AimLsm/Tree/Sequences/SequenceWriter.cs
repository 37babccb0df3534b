using System.Diagnostics;
using AimLsm.Kv;
using AimLsm.Encoding;
using AimLsm.Kv.Common;
using AimLsm.Tree.Storage;

namespace AimLsm.Tree.Sequences;

/// <summary>
/// The writing side of one sequence of one run, in two halves:
/// <list type="bullet">
/// <item>the front, called in the tracking thread (<see cref="Prepare"/>), checks the dtype and assigns the default
/// step under a lock, so every error reaches the caller of <c>Track</c>;</item>
/// <item>the back, called only by the background writer (<see cref="Apply"/>, <see cref="WriteDirty"/>), keeps the
/// sequence's last chunk (the tail) and metadata in memory and writes them through a <see cref="DrainContext"/>;
/// a sparse sequence's small tail is written at its point and dropped (see <see cref="SparseGap"/>).</item>
/// </list>
/// Invariants of the back: the chunks in the engine, overridden by the chunks in memory, hold every applied point;
/// a chunk in memory is written under the key of its smallest step, and the key it was last written under
/// (<see cref="ChunkSlot.StoredKey"/>) is deleted then; <see cref="_tail"/> is the numerically last chunk (null while
/// <see cref="_tailReleased"/>, the engine holding it then); once
/// <see cref="_index"/> exists it lists every chunk, in memory or not, and is the truth about chunk boundaries.
/// </summary>
internal sealed class SequenceWriter
{
    private readonly Db _db;
    private readonly int _chunkSize;
    // Built at the first blob: most sequences (numbers) never need it, and 100,000 of them would keep 10 MB of it.
    // Both threads may build it at once; they build equal arrays, so either may win.
    private byte[]? _blobPrefix;
    private string? _dtype;
    private long _nextStep;

    /// <summary>Full chunks' worth of records (4,096 x the chunk size: 2^20 records, about 40 MB, by default) that one
    /// sequence keeps in memory for late points; past it the least recently used chunks are written and dropped.
    /// Bounds the memory of any arrival order.</summary>
    internal const int CachedChunks = 4096;

    /// <summary>Unchanged chunks kept in memory besides the tail, for late points that arrive close behind it (Aim's
    /// evaluation every N steps lands a few chunks back).</summary>
    internal const int MaxCleanChunks = 8;

    /// <summary>Changed cached records written per late point, at most, outside a flush (see <see cref="WriteDirty"/>).</summary>
    internal const int LateWriteRatio = 1;

    /// <summary>Late points (below the tail) buffered before they are applied, sorted by step: applied one by one in
    /// arrival order, a random permutation touches a cold chunk per point (cache misses were most of its cost); in step
    /// order, the points of one chunk arrive together. 8,192 points of about 48 bytes: 384 KB at most per sequence,
    /// allocated at its first late point.</summary>
    internal const int LateBatch = 8192;

    /// <summary>Points tracked into the process (every sequence of every repo) between two points of one sequence
    /// above which the sequence counts as sparse: its tail is dropped once written and read back at its next point.
    /// A run with a few hundred metrics never reaches it (ordinary tracking keeps its tails in memory and pays no
    /// reload); 100,000 sequences tracked step by step do, and keep about 400 bytes each instead of their chunk arrays.
    /// Bounds the memory of resident tails: within any window of this many points, at most this many sequences get
    /// a point, so at most about this many sequences that are not sparse keep their tail.</summary>
    internal const long SparseGap = 16_384;

    /// <summary>Records a sparse sequence's tail may hold and still be dropped. A tracking thread descheduled on a busy
    /// machine leaves its run's sequences sparse for a moment; their tails, a chunk's worth of records, are not worth
    /// decoding again (its arrays allocated anew) to save the memory of a few sequences. Many sequences of a few points
    /// each, the case the dropping is for, stay below it.</summary>
    internal const int SparseTailRecords = 32;

    // Points applied in the process, the clock of SparseGap. Only a heuristic reads it: a per-process count, not a
    // per-repo one, so that many repos each with a few sequences count as what they are for memory, many tails.
    private static long s_pointClock;

    /// <summary>Bytes of the drain's batch above which <see cref="WriteDirty"/> commits it before writing this
    /// sequence. A drain that writes tens of thousands of sequences (one point each) would otherwise grow one batch
    /// to tens of MB, doubling through the large-object heap, which only a full GC returns: most of the peak memory
    /// of 100,000 sequences. Below the drain's kept batch size, so the batch's buffer is reused, not reallocated.
    /// Committing between two sequences keeps what one <see cref="WriteDirty"/> writes in one batch; a chunk written
    /// at its point (sealed, or a sparse tail) may be committed a moment before the metadata that counts it, as a
    /// commit for a chunk load could before.</summary>
    internal const int MaxBatchBytes = 4 << 20;

    // Also the front's lock (guarding _dtype and _nextStep, and _meta.Dtype's copy of _dtype): a private object that
    // no other code locks, so a Lock of its own (40 bytes per sequence) would buy nothing.
    private readonly SequenceMeta _meta;
    private ChunkSlot? _tail;
    private bool _tailLoaded;
    private bool _tailReleased;
    private long _releasedMinStep;
    private bool _minMaxStale;
    private bool _contextWritten;

    // The sequence's chunks in numeric step order, read at the first point below the tail; null until then. The tail
    // is its last entry. Only these fields' owner, the background writer, touches them.
    private ChunkIndex? _index;
    private long _cachedRecords;
    private long _dirtyCached;
    private long _lateSince;
    private long _clock;
    private bool _uncommitted;

    // Late points not yet applied, in arrival order, and the scratch that sorts them (the steps and arrival positions).
    // Invariant: every buffered step is below the tail's smallest step (which does not drop while points wait: only
    // a point applied below the tail can lower it), so no point applied meanwhile can have a buffered point's step.
    private SequencePoint[]? _late;
    private long[]? _lateSteps;
    private int[]? _lateOrder;
    private int _lateCount;

    // DrainContext.BytesWritten at the last WriteSlot: when it has grown since, a commit took every chunk written.
    private long _writeMark;

    // The point clock at this sequence's last point (0 before its first), and the gap between its last two points.
    private long _lastPointAt;
    private long _gap;

    public SequenceWriter(Db db, string hash, string name, Context context, int chunkSize)
    {
        _db = db;
        Hash = hash;
        Name = name;
        Context = context;
        _chunkSize = chunkSize;
        _meta = SequenceMeta.Load(db, RepoKeys.Trace(hash, context.Id, name));
        _dtype = _meta.Count > 0 ? _meta.Dtype : null;
        _nextStep = _meta.Count > 0 && _meta.LastStep >= 0 ? _meta.LastStep + 1 : 0; // as Aim: the default step never goes below 0
        _contextWritten = _meta.Count > 0;
    }

    public string Hash { get; }

    public string Name { get; }

    public Context Context { get; }

    /// <summary>The prefix of the sequence's chunk keys, built anew at each call (a cursor over its chunks): 100,000
    /// sequences would keep 8 MB of it, and a chunk key is built directly (<see cref="ChunkKey"/>), its step read
    /// from its end (<see cref="StepOf"/>).</summary>
    private byte[] ChunkPrefix() => RepoKeys.Sequence(Hash, Context.Id, Name);

    /// <summary>The prefix of the sequence's blob keys (each adds a step and a field path).</summary>
    public byte[] BlobPrefix => _blobPrefix ??= RepoKeys.SequenceBlobs(Hash, Context.Id, Name);

    public Db Db => _db;

    /// <summary>Set by the drain while this sequence has unwritten changes.</summary>
    public bool Dirty { get; set; }

    /// <summary>Checks <paramref name="dtype"/> against the sequence and resolves the step (the next one when null).</summary>
    /// <exception cref="ArgumentException">The sequence holds values of an incompatible dtype.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The step is <see cref="long.MaxValue"/>.</exception>
    public long Prepare(string dtype, long? step)
    {
        lock (_meta)
        {
            return TrackArguments.ResolveStep(ref _dtype, ref _nextStep, dtype, step, Hash, Name, Context);
        }
    }

    /// <summary>Applies one point (background writer only).</summary>
    public void Apply(in SequencePoint point, DrainContext drain)
    {
        EnsureTail();
        long now = Interlocked.Increment(ref s_pointClock);
        _gap = now - _lastPointAt; // a first point counts its gap from the clock's start: a new sequence in a busy process is sparse until its second point
        _lastPointAt = now;
        if (_tailReleased)
        {
            // A sparse sequence's tail, dropped after it was written (see ReleaseSparseTail): read back.
            _tailReleased = false;
            _tail = new ChunkSlot(_releasedMinStep, ChunkKey(_releasedMinStep), null);
            Load(_tail, drain);
        }

        bool replaced = false, buffered = false;
        TrackedValue old = default;
        if (_tail is null)
        {
            _tail = NewSlot(point);
            _index?.Add(_tail);
            replaced = false;
        }
        else if (point.Step > _tail.Chunk!.MaxStep)
        {
            if (_tail.Chunk.Count >= _chunkSize || !_tail.Chunk.SameSign(point.Step))
            {
                // The tail is sealed: written now. Without late points only the tail is in memory, and its arrays
                // take the next chunk (no allocation); with them the sealed tail stays as a clean cached chunk.
                WriteSlot(_tail, drain);
                if (_index is null)
                {
                    _cachedRecords -= _tail.Chunk.Count;
                    _tail.Chunk.Clear();
                    _tail.Chunk.Append(point);
                    (_tail.MinStep, _tail.StoredKey, _tail.Dirty) = (point.Step, null, true);
                    _cachedRecords++;
                }
                else
                {
                    _tail = NewSlot(point, _chunkSize);
                    _index.Add(_tail);
                    TrimClean(drain);
                }
            }
            else
            {
                _tail.Chunk.Append(point);
                _tail.Dirty = true;
                _cachedRecords++;
            }

            replaced = false;
        }
        else if (point.Step >= _tail.MinStep)
        {
            replaced = Upsert(_tail, point, out old, drain);
        }
        else
        {
            // The metadata follows when the buffer is applied: until then the points are neither in a chunk nor
            // counted, so what is written stays consistent.
            BufferLate(point, drain);
            buffered = true;
        }

        if (!buffered)
        {
            UpdateMeta(point, replaced, old);
        }

        if (point.Value.Blobs is { } blobs)
        {
            byte[] stepPrefix = RepoKeys.WithInt(BlobPrefix, point.Step);
            foreach (BlobField blob in blobs)
            {
                drain.BatchFor(_db).Put(RepoKeys.Concat(stepPrefix, blob.RelativePath), blob.EncodedValue);
            }
        }

        ReleaseSparseTail(drain);
        drain.MarkDirty(this);
    }

    /// <summary>
    /// Writes the tail and the metadata into the drain's batch (background writer only). Other changed chunks (late
    /// points) are written too when <see cref="DrainContext.WriteAll"/> says so (a flush, a stop, or the flush interval
    /// passed), else they stay in memory and the sequence asks to be written again: a queue that merely ran empty does
    /// not rewrite every chunk a scatter of late points touched.
    /// </summary>
    public void WriteDirty(DrainContext drain)
    {
        // Rewriting every changed chunk costs about their records; it waits until the late points since the last
        // time are at least 1/LateWriteRatio of them (so a point costs at most that many record encodings), except
        // for a flush, a stop or a min/max rescan.
        if (_lateCount > 0 && (drain.Flushing || drain.WriteAll))
        {
            ApplyLate(drain);
        }

        bool all = drain.Flushing || _minMaxStale || (drain.WriteAll && _lateSince * LateWriteRatio >= _dirtyCached);
        if (drain.BatchFor(_db).DataSize >= MaxBatchBytes)
        {
            drain.Commit();
        }

        if (_tail is not null && _tail.Dirty)
        {
            WriteSlot(_tail, drain);
        }

        if (all && _index is not null)
        {
            WriteChanged(drain);
        }


        if (_minMaxStale)
        {
            drain.Commit();
            RecomputeMinMax();
        }

        WriteBatch batch = drain.BatchFor(_db);
        lock (_meta)
        {
            _meta.Dtype = _dtype;
        }

        // The trace prefix is encoded here, not kept: 100,000 sequences would keep 9 MB of it, to save an encoding of
        // the hash and name per sequence written.
        ReadOnlySpan<PathSegment> trace = [RepoKeys.RunsRoot, Hash, RepoKeys.TracesNode, Context.Id, Name];
        int prefixLength = TreePath.GetEncodedLength(trace);
        byte[] key = drain.KeyBuffer(prefixLength + SequenceMeta.FieldRoom);
        TreePath.Write(key, trace);
        Debug.Assert(key.AsSpan(0, prefixLength).SequenceEqual(RepoKeys.Trace(Hash, Context.Id, Name)), "the trace prefix is RepoKeys.Trace");
        _meta.Write(batch, key, prefixLength, drain.Scratch);
        if (!_contextWritten)
        {
            drain.TreeWriter.Flatten(new Dictionary<string, object?>(Context, StringComparer.Ordinal), RepoKeys.Context(Hash, Context.Id),
                (path, value) => batch.Put(path, value));
            _contextWritten = true;
        }

        Dirty = false;
        if (_dirtyCached > 0 || _lateCount > 0)
        {
            drain.Defer(this);
        }
    }

    /// <summary>
    /// Writes and drops the tail of a sparse sequence (see <see cref="SparseGap"/>) as soon as its point is in,
    /// slot and key included, keeping only its smallest step so that <see cref="Apply"/> reads it back with one
    /// <see cref="Db.Get(ReadOnlySpan{byte}, ReadOptions)"/>. Written at once rather than at the drain's
    /// <see cref="WriteDirty"/> so that the decoded arrays die young: held until the end of a drain of tens of
    /// thousands of sequences, they would be promoted and fill the old generation with garbage. Only without late
    /// points (no <see cref="_index"/>), where the tail is the only chunk in memory and no index holds its slot (the
    /// late-point cache has its own bounds). Invariant: while <see cref="_tailReleased"/>, <see cref="_tail"/> is null
    /// and the engine (or the drain's batch) holds the tail under the key of <see cref="_releasedMinStep"/>.
    /// </summary>
    private void ReleaseSparseTail(DrainContext drain)
    {
        // Never while late points wait in the buffer: they are applied relative to the tail in memory.
        if (_gap > SparseGap && _index is null && _lateCount == 0 && _tail is { Chunk: { Count: <= SparseTailRecords } chunk })
        {
            WriteSlot(_tail, drain);
            _cachedRecords -= chunk.Count;
            _releasedMinStep = _tail.MinStep;
            _tailReleased = true;
            _tail = null;
        }
    }

    private void EnsureTail()
    {
        if (_tailLoaded)
        {
            return;
        }

        _tailLoaded = true;
        using var cursor = new ChunkCursor(_db, ChunkPrefix());
        cursor.StartAtLast();
        if (cursor.Valid)
        {
            _tail = new ChunkSlot(cursor.MinStep, cursor.Key.ToArray(), SequenceChunk.Decode(cursor.Value));
            _cachedRecords += _tail.Chunk!.Count;
        }
    }

    private ChunkSlot NewSlot(in SequencePoint point, int capacity = SequenceChunk.InitialCapacity)
    {
        var chunk = new SequenceChunk(capacity);
        chunk.Append(point);
        _cachedRecords++;
        return new ChunkSlot(point.Step, null, chunk) { Dirty = true };
    }

    /// <summary>Puts the slot's chunk under its key (deleting the key it had, unless another chunk now starts there).</summary>
    private void WriteSlot(ChunkSlot slot, DrainContext drain)
    {
        // The key it had when its smallest step did not change (the usual case: points append to the tail): a new
        // array per write would be kept until the next one, old enough by then to be garbage in the old generation.
        byte[] key = slot.StoredKey is { } had && StepOf(had, out long hadStep) && hadStep == slot.MinStep
            ? had
            : ChunkKey(slot.MinStep);
        WriteBatch batch = drain.BatchFor(_db);
        if (slot.StoredKey is { } stored && !stored.AsSpan().SequenceEqual(key) && !StartsAChunk(stored))
        {
            batch.Delete(stored);
        }

        batch.Put(key, drain.Encode(slot.Chunk!));
        slot.StoredKey = key;
        _uncommitted = true;
        _writeMark = drain.BytesWritten;
        if (slot.Dirty && slot != _tail)
        {
            _dirtyCached -= slot.Chunk!.Count;
        }

        slot.Dirty = false;
    }

    /// <summary>The key of the sequence's chunk whose smallest step is <paramref name="step"/>: the chunk prefix and
    /// the step's int segment (docs/format.md, section 13.1).</summary>
    private byte[] ChunkKey(long step)
    {
        byte[] key = TreePath.Encode([RepoKeys.SeqsRoot, Hash, Context.Id, Name, step]);
        Debug.Assert(key.AsSpan().SequenceEqual(RepoKeys.WithInt(ChunkPrefix(), step)), "a chunk key is the chunk prefix and the step");
        return key;
    }

    /// <summary>Reads the step at the end of one of the sequence's chunk keys (its last segment).</summary>
    private static bool StepOf(byte[] chunkKey, out long step) =>
        RepoKeys.TryReadInt(chunkKey.AsSpan(chunkKey.Length - TreePath.IntSegmentLength), out step);

    /// <summary>Whether a chunk in memory now starts at the step of <paramref name="key"/>: it will put that key (or did,
    /// earlier in the batch), so deleting it would lose that chunk.</summary>
    private bool StartsAChunk(byte[] key)
    {
        if (_index is null || !StepOf(key, out long step))
        {
            return false;
        }

        int i = _index.Floor(step);
        return i >= 0 && _index[i].MinStep == step;
    }

    private void BufferLate(in SequencePoint point, DrainContext drain)
    {
        if (_late is null)
        {
            _late = new SequencePoint[LateBatch];
            _lateSteps = new long[LateBatch];
            _lateOrder = new int[LateBatch];
        }

        _late[_lateCount++] = point;
        if (_lateCount == LateBatch)
        {
            ApplyLate(drain);
        }
    }

    /// <summary>Applies the buffered late points in step order; points of one step keep their arrival order, so the
    /// last one tracked wins, as it would applied at once.</summary>
    private void ApplyLate(DrainContext drain)
    {
        int n = _lateCount;
        long[] steps = _lateSteps!;
        int[] order = _lateOrder!;
        for (int i = 0; i < n; i++)
        {
            steps[i] = _late![i].Step;
            order[i] = i;
        }

        Array.Sort(steps, order, 0, n);
        for (int i = 1; i < n; i++)
        {
            if (steps[i] == steps[i - 1])
            {
                // A repeated step: the sort is not stable, so its run is put back in arrival order.
                int start = i - 1;
                while (i < n && steps[i] == steps[start])
                {
                    i++;
                }

                Array.Sort(order, start, i - start);
            }
        }

        _lateCount = 0;
        for (int i = 0; i < n; i++)
        {
            ref SequencePoint point = ref _late![order[i]];
            Invariant.Holds(point.Step < _tail!.Chunk!.MaxStep, "a buffered late point is below the tail's last step");
            bool replaced = ApplyBelowTail(point, drain, out TrackedValue old);
            UpdateMeta(point, replaced, old);
            point = default; // drops references to large values
        }
    }

    /// <summary>
    /// A point below the tail: into the chunk that holds its step, found through the index of chunk keys (read once,
    /// at the first late point) and loaded into memory if it is not there. The changed chunk stays in memory until
    /// the next full write (<see cref="WriteDirty"/>), so late points arriving in any order cost an insert into an
    /// array, not a rewrite of their chunk each.
    /// </summary>
    private bool ApplyBelowTail(in SequencePoint point, DrainContext drain, out TrackedValue old)
    {
        EnsureIndex(drain);
        ChunkIndex index = _index!;
        int i = index.Floor(point.Step);
        if (i < 0 || (index[i].MinStep < 0) != (point.Step < 0))
        {
            // No chunk of the step's sign at or below it: the next chunk of its sign takes it (and is re-keyed), else a new one.
            i++;
            if (i >= index.Count || (index[i].MinStep < 0) != (point.Step < 0))
            {
                old = default;
                index.Insert(i, NewSlot(point));
                _dirtyCached++;
                _lateSince++;
                return false;
            }
        }

        return Upsert(index[i], point, out old, drain);
    }

    /// <summary>Upserts into a slot's chunk (loading it first), splits it when it grew past twice the chunk size,
    /// and keeps the cache within its bounds.</summary>
    private bool Upsert(ChunkSlot slot, in SequencePoint point, out TrackedValue old, DrainContext drain)
    {
        Load(slot, drain);
        int before = slot.Chunk!.Count;
        bool replaced = slot.Chunk.Upsert(point, out old);
        if (slot.Chunk.MinStep != slot.MinStep)
        {
            // A step below the chunk's first (only when no chunk of its sign precedes): the chunk changes key.
            _index!.Rekey(slot, slot.Chunk.MinStep);
        }

        slot.LastUse = ++_clock;
        _cachedRecords += slot.Chunk.Count - before;
        if (slot != _tail)
        {
            _lateSince++;
            _dirtyCached += slot.Dirty ? slot.Chunk.Count - before : slot.Chunk.Count;
        }

        slot.Dirty = true;
        if (slot.Chunk.Count > 2 * _chunkSize)
        {
            EnsureIndex(drain);
            var upper = new ChunkSlot(0, null, slot.Chunk.SplitUpperHalf()) { Dirty = true, LastUse = _clock };
            upper.MinStep = upper.Chunk!.MinStep;
            _index!.Insert(_index.IndexOf(slot) + 1, upper);
            slot.Chunk.TrimExcess();
            if (slot == _tail)
            {
                // The upper half is the new tail, written at every drain, so both halves go into the batch now,
                // together: a reader must never find the old chunk beside its upper half (the chunks of a sequence
                // do not overlap in any committed state). The lower half joins the cached chunks.
                WriteSlot(slot, drain); // still the tail here: not counted among the changed cached records
                _tail = upper;
                WriteSlot(upper, drain);
            }

            // Otherwise both halves stay changed in memory and are written together by the next full write; until
            // then the engine holds the old chunk, whose records do not overlap any other. (Both halves are
            // counted in the changed records already: a split does not change that count.)
        }

        if (_cachedRecords > (long)CachedChunks * _chunkSize)
        {
            Evict(drain);
        }

        return replaced;
    }

    /// <summary>
    /// Reads the keys of the sequence's chunks once, in numeric step order, after committing the tail so that the
    /// engine holds every chunk under its current key. From then on the index is the truth about chunk boundaries.
    /// </summary>
    private void EnsureIndex(DrainContext drain)
    {
        if (_index is not null)
        {
            return;
        }

        if (_tail is not null && (_tail.Dirty || _tail.StoredKey is null))
        {
            WriteSlot(_tail, drain);
        }

        drain.Commit();
        var index = new ChunkIndex();
        using (var cursor = new ChunkCursor(_db, ChunkPrefix()))
        {
            for (cursor.Start(long.MinValue, long.MaxValue); cursor.Valid; cursor.Next())
            {
                index.Add(_tail is not null && cursor.Key.SequenceEqual(_tail.StoredKey!)
                    ? _tail
                    : new ChunkSlot(cursor.MinStep, cursor.Key.ToArray(), null));
            }
        }

        Invariant.Holds(_tail is null || (index.Count > 0 && index[index.Count - 1] == _tail), "the tail is the last chunk of the index");
        _index = index;
    }

    private void Load(ChunkSlot slot, DrainContext drain)
    {
        if (slot.Chunk is not null)
        {
            return;
        }

        if (_uncommitted && drain.BytesWritten == _writeMark)
        {
            // A chunk written since the last load may be waiting in the batch: the engine must have it before anything
            // is read back. A commit since (BytesWritten grew) took it already: committing again here would split the
            // drain's batch, once per point of a sparse sequence.
            drain.Commit();
        }

        _uncommitted = false;

        byte[] data = _db.Get(slot.StoredKey!) ?? throw new AimFormatException("sequence chunk", 0,
            $"the chunk of sequence '{Name}' {Context} of run '{Hash}' at step {slot.MinStep} is missing");
        slot.Chunk = SequenceChunk.Decode(data);
        _cachedRecords += slot.Chunk.Count;
    }

    /// <summary>
    /// Drops the least recently used chunks until the cache is at 3/4 of its bound. Every changed chunk is written
    /// first, in one batch, so that no committed state holds one half of a split without the other.
    /// </summary>
    private void Evict(DrainContext drain)
    {
        WriteChanged(drain);
        var loaded = new List<ChunkSlot>();
        foreach (ChunkSlot slot in _index!)
        {
            if (slot.Chunk is not null && slot != _tail)
            {
                loaded.Add(slot);
            }
        }

        loaded.Sort(static (a, b) => a.LastUse.CompareTo(b.LastUse));
        foreach (ChunkSlot slot in loaded)
        {
            if (_cachedRecords <= (long)CachedChunks * _chunkSize / 4 * 3)
            {
                break;
            }

            Unload(slot, drain);
        }
    }

    /// <summary>Writes every changed chunk besides the tail into the batch.</summary>
    private void WriteChanged(DrainContext drain)
    {
        foreach (ChunkSlot slot in _index!)
        {
            if (slot.Dirty && slot != _tail)
            {
                WriteSlot(slot, drain);
            }
        }

        Debug.Assert(_dirtyCached == 0, "every changed chunk was written");
        _lateSince = 0;
    }

    /// <summary>Keeps at most <see cref="MaxCleanChunks"/> unchanged chunks in memory besides the tail.</summary>
    private void TrimClean(DrainContext drain)
    {
        if (_index is null)
        {
            return;
        }

        int clean = 0;
        for (int i = _index.Count - 1; i >= 0; i--)
        {
            ChunkSlot slot = _index[i];
            if (slot.Chunk is not null && !slot.Dirty && slot != _tail && ++clean > MaxCleanChunks)
            {
                Unload(slot, drain);
            }
        }
    }

    private void Unload(ChunkSlot slot, DrainContext drain)
    {
        if (slot.Dirty)
        {
            WriteSlot(slot, drain);
        }

        _cachedRecords -= slot.Chunk!.Count;
        slot.Chunk = null;
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

    /// <summary>Rescans every chunk for min and max; called after every chunk in memory was written and committed.</summary>
    private void RecomputeMinMax()
    {
        _meta.Min = _meta.Max = null;
        using (var cursor = new ChunkCursor(_db, ChunkPrefix()))
        {
            for (cursor.Start(long.MinValue, long.MaxValue); cursor.Valid; cursor.Next())
            {
                var view = new ChunkView(cursor.Value);
                for (int i = 0; i < view.Count; i++)
                {
                    _meta.Widen(view.Value(i));
                }
            }
        }

        _minMaxStale = false;
    }
}
