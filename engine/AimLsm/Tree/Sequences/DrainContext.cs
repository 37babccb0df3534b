using System.Buffers;
using AimLsm.Kv;
using AimLsm.Encoding;

namespace AimLsm.Tree.Sequences;

/// <summary>
/// What the background writer carries through one drain: a write batch per engine, the sequences with unwritten
/// changes, and reusable buffers. Owned by the tracking thread.
/// <para>
/// Failures stay in their scope (<see cref="TrackingFailures"/>): an exception while applying or writing one sequence
/// fails its run, an exception from an engine's write or sync fails that engine; nothing here throws them on, so
/// one run or slot never stops the others. A batch is committed before it outgrows <see cref="MaxBatchBytes"/>,
/// between points (never inside one, whose chunk delete and put must stay together), so the engine's batch limit
/// is never reached however large the points.
/// </para>
/// </summary>
internal sealed class DrainContext(TrackingFailures failures)
{
    /// <summary>A batch this big is committed before the next point is added: 64 MiB, so that with one more point of
    /// the largest size a caller may track (a 256 MiB chunk and 512 MiB of blobs, <see cref="TrackLimits"/>) it stays
    /// below <see cref="Limits.MaxBatchSize"/>.</summary>
    public const int MaxBatchBytes = 64 << 20;

    /// <summary>A batch buffer that grew past this (a drain of large points) is not kept for the next drain, where
    /// it would stay for the repo's lifetime: 16 MiB, above what a drain of 8,192 ordinary points needs.</summary>
    private const int KeptBatchBytes = 16 << 20;

    /// <summary>The chunk encoding buffers are kept up to 1 MiB, 16 times a chunk of 256 records of short strings.</summary>
    private const int KeptChunkBytes = 1 << 20;

    private readonly Dictionary<Db, WriteBatch> _batches = [];
    private readonly List<SequenceWriter> _dirty = [];
    private readonly List<SequenceWriter> _deferred = [];
    private ArrayBufferWriter<byte> _chunk = new(16 << 10);
    private ArrayBufferWriter<byte> _chunkScratch = new(4 << 10);
    private byte[] _key = new byte[256];

    public ArrayBufferWriter<byte> Scratch { get; } = new(256);

    public TreeWriter TreeWriter { get; } = new();

    /// <summary>
    /// Set by the tracker before <see cref="WriteDirty"/>: true for a flush, a stop or when the flush interval has
    /// passed, where every change must reach the batches; false when the queue merely ran empty, where a sequence may
    /// keep changed chunks other than its last in memory (<see cref="Defer"/>).
    /// </summary>
    public bool WriteAll { get; set; } = true;

    /// <summary>Set by the tracker with <see cref="WriteAll"/>: true for a flush or a stop, where nothing may stay
    /// in memory; false for the flush interval, where a sequence may still wait while writing would cost more than
    /// its late points are worth.</summary>
    public bool Flushing { get; set; } = true;

    /// <summary>Sequences that kept changes in memory at the last <see cref="WriteDirty"/>: the tracker calls it
    /// again, with <see cref="WriteAll"/>, at the next flush interval.</summary>
    public bool HasDeferred => _dirty.Count > 0;

    /// <summary>Bytes handed to the engine since the tracker started.</summary>
    public long BytesWritten { get; private set; }

    public WriteBatch BatchFor(Db db)
    {
        if (!_batches.TryGetValue(db, out WriteBatch? batch))
        {
            batch = new WriteBatch();
            _batches[db] = batch;
        }

        return batch;
    }

    /// <summary>Applies one point, unless its run or engine failed; a failure here fails the point's run.</summary>
    public void Apply(SequenceWriter sequence, in SequencePoint point)
    {
        if (failures.Covers(sequence))
        {
            failures.DroppedPoint(sequence);
            return;
        }

        try
        {
            sequence.Apply(point, this);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            failures.FailRun(sequence, e); // counts the point as dropped
        }

        if (_batches.TryGetValue(sequence.Db, out WriteBatch? batch) && batch.DataSize > MaxBatchBytes)
        {
            Commit();
        }
    }

    public void MarkDirty(SequenceWriter sequence)
    {
        if (!sequence.Dirty)
        {
            sequence.Dirty = true;
            _dirty.Add(sequence);
        }
    }

    /// <summary>Encodes a chunk into a buffer valid until the next call (the batch copies it).</summary>
    public ReadOnlySpan<byte> Encode(SequenceChunk chunk)
    {
        _chunk.ResetWrittenCount();
        chunk.Encode(_chunk, _chunkScratch);
        return _chunk.WrittenSpan;
    }

    /// <summary>A buffer of at least <paramref name="length"/> bytes to build a key in, valid until the next call (the
    /// batch copies keys). Kept across drains up to the size of the chunk buffers.</summary>
    public byte[] KeyBuffer(int length)
    {
        if (_key.Length < length)
        {
            _key = new byte[Math.Max(length, 2 * _key.Length)];
        }

        return _key;
    }

    /// <summary>Writes every dirty sequence's tail and metadata into the batches.</summary>
    public void WriteDirty()
    {
        // WriteDirty of one sequence may commit (to rescan min and max); the list stays valid because committing
        // does not touch it.
        for (int i = 0; i < _dirty.Count; i++)
        {
            SequenceWriter sequence = _dirty[i];
            if (!sequence.Dirty || failures.Covers(sequence))
            {
                continue;
            }

            try
            {
                sequence.WriteDirty(this);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                failures.FailRun(sequence, e); // its applied points are not written: counted as dropped
            }
        }

        _dirty.Clear();
        _dirty.AddRange(_deferred);
        _deferred.Clear();
    }

    /// <summary>Called by a sequence's <see cref="SequenceWriter.WriteDirty"/> that kept changes in memory (it stays
    /// <see cref="SequenceWriter.Dirty"/>): it is written again at the next <see cref="WriteDirty"/>.</summary>
    public void Defer(SequenceWriter sequence)
    {
        sequence.Dirty = true;
        _deferred.Add(sequence);
    }

    /// <summary>Commits the batches (not synced: durability is the tracker's flush). A failed write fails its engine.</summary>
    public void Commit()
    {
        foreach (KeyValuePair<Db, WriteBatch> entry in _batches)
        {
            if (entry.Value.Count == 0)
            {
                continue;
            }

            if (!failures.Covers(entry.Key))
            {
                try
                {
                    entry.Key.Write(entry.Value);
                    BytesWritten += entry.Value.DataSize;
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    failures.FailEngine(entry.Key, e);
                }
            }

            entry.Value.Clear();
            entry.Value.TrimExcess(KeptBatchBytes);
        }

        // The batches copied the encoded chunks: a chunk buffer grown by an unusually large chunk is not kept.
        if (_chunk.Capacity > KeptChunkBytes)
        {
            _chunk = new ArrayBufferWriter<byte>(16 << 10);
        }

        if (_chunkScratch.Capacity > KeptChunkBytes)
        {
            _chunkScratch = new ArrayBufferWriter<byte>(4 << 10);
        }

        if (_key.Length > KeptChunkBytes)
        {
            _key = new byte[256];
        }
    }

    /// <summary>Syncs the WAL of every engine written through this drain; a failed sync fails its engine.</summary>
    public void SyncEngines()
    {
        foreach (Db db in _batches.Keys)
        {
            if (failures.Covers(db))
            {
                continue;
            }

            try
            {
                db.SyncWal();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                failures.FailEngine(db, e);
            }
        }
    }
}
