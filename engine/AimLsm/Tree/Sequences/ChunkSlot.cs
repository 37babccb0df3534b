namespace AimLsm.Tree.Sequences;

/// <summary>
/// One chunk of a sequence as its <see cref="SequenceWriter"/> knows it: its smallest step, the key it is stored under
/// in the engine (null if never written), and its records when in memory (null when only the engine has them; never
/// null for the tail or a changed chunk). Owned by the background writer.
/// </summary>
internal sealed class ChunkSlot(long minStep, byte[]? storedKey, SequenceChunk? chunk)
{
    /// <summary>The chunk's smallest step; change it through <see cref="ChunkIndex.Rekey"/> once the slot is indexed.</summary>
    public long MinStep { get; set; } = minStep;

    public byte[]? StoredKey { get; set; } = storedKey;

    public SequenceChunk? Chunk { get; set; } = chunk;

    /// <summary>The records in memory differ from the engine's.</summary>
    public bool Dirty { get; set; }

    /// <summary>The writer's clock at the last point into this chunk, for least-recently-used eviction.</summary>
    public long LastUse { get; set; }
}
