using System.Buffers;
using AimLsm.Kv;

namespace AimLsm.Tree.Storage;

/// <summary>
/// Reads blob values (<see cref="BlobKey"/>) from the engine a <see cref="StoreLease"/> holds: the one way the layers
/// above the tree (Streaming) read stored bytes, so they never see the engine, a key or a read option. Valid while the
/// lease is; as thread-safe as the engine's reads (any thread).
/// </summary>
internal readonly struct BlobReader
{
    private readonly Db _db;

    internal BlobReader(Db db) => _db = db;

    /// <summary>
    /// Appends the encoded value of <paramref name="key"/> (an Aim value, docs/format.md section 13.1) to
    /// <paramref name="destination"/>; false, appending nothing, when no such blob is stored (its run was deleted, or
    /// the key names a field that never was a blob).
    /// </summary>
    public bool TryRead(in BlobKey key, IBufferWriter<byte> destination) => _db.TryGet(key.Key, destination);
}
