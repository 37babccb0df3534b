using System.Collections.Concurrent;

namespace AimLsm.Kv.Memtable;

/// <summary>
/// Arena chunks kept for reuse by the next memtable, so that a steady stream of writes allocates no managed memory
/// once the first memtables have been filled: a flushed memtable's chunks come back here when the last reader
/// releases it. Bounded: beyond <see cref="_maxChunks"/> returned chunks are left to the GC. Thread-safe.
/// </summary>
internal sealed class ChunkPool(int chunkSize, int maxChunks)
{
    private readonly ConcurrentBag<byte[]> _chunks = [];
    private readonly int _maxChunks = maxChunks;

    public int ChunkSize { get; } = chunkSize;

    /// <summary>A chunk of <see cref="ChunkSize"/> bytes, pinned. Its contents are stale: the arena overwrites what it hands out.</summary>
    public byte[] Rent() => _chunks.TryTake(out byte[]? c) ? c : GC.AllocateUninitializedArray<byte>(ChunkSize, pinned: true);

    public void Return(byte[] chunk)
    {
        if (chunk.Length == ChunkSize && _chunks.Count < _maxChunks)
        {
            _chunks.Add(chunk);
        }
    }
}
