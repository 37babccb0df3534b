using System.Buffers;
using AimLsm.Lsm;
using AimLsm.Tree.Encoding;

namespace AimLsm.Tree.Sequences;

/// <summary>
/// What the background writer carries through one drain: a write batch per engine, the sequences with unwritten
/// changes, and reusable buffers. Owned by the tracking thread.
/// </summary>
internal sealed class DrainContext
{
    private readonly Dictionary<Db, WriteBatch> _batches = [];
    private readonly List<SequenceWriter> _dirty = [];
    private readonly List<SequenceWriter> _deferred = [];
    private readonly ArrayBufferWriter<byte> _chunk = new(16 << 10);
    private readonly ArrayBufferWriter<byte> _chunkScratch = new(4 << 10);

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

    /// <summary>Writes every dirty sequence's tail and metadata into the batches.</summary>
    public void WriteDirty()
    {
        // WriteDirty of one sequence may commit (to rescan min and max); the list stays valid because committing
        // does not touch it.
        for (int i = 0; i < _dirty.Count; i++)
        {
            if (_dirty[i].Dirty)
            {
                _dirty[i].WriteDirty(this);
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

    /// <summary>Commits the batches (not synced: durability is the tracker's flush).</summary>
    public void Commit()
    {
        foreach (KeyValuePair<Db, WriteBatch> entry in _batches)
        {
            if (entry.Value.Count > 0)
            {
                BytesWritten += entry.Value.DataSize;
                entry.Key.Write(entry.Value);
                entry.Value.Clear();
            }
        }
    }

    /// <summary>The engines written since the last call, for a flush to sync.</summary>
    public IEnumerable<Db> Engines => _batches.Keys;
}
