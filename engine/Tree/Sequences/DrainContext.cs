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
    private readonly ArrayBufferWriter<byte> _chunk = new(16 << 10);
    private readonly ArrayBufferWriter<byte> _chunkScratch = new(4 << 10);

    public ArrayBufferWriter<byte> Scratch { get; } = new(256);

    public TreeWriter TreeWriter { get; } = new();

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

    /// <summary>Writes every dirty sequence into the batches, then commits them.</summary>
    public void CommitAll()
    {
        WriteDirty();
        Commit();
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
