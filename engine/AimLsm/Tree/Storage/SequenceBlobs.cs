namespace AimLsm.Tree.Storage;

/// <summary>
/// The blob keys of one sequence (docs/format.md, section 13.1): <see cref="At"/> names the blob field at a step and
/// field path. Encodes the sequence's <c>('blobs', H, context id, name)</c> prefix once, so a caller walking many
/// records pays one key allocation per blob. Immutable, thread-safe.
/// </summary>
internal sealed class SequenceBlobs
{
    private readonly string _runHash;
    private readonly byte[] _prefix;
    private readonly int _relativeStart;

    /// <summary>The blobs of the sequence <paramref name="name"/> in context <paramref name="contextId"/> of run <paramref name="runHash"/>.</summary>
    public SequenceBlobs(string runHash, long contextId, string name)
    {
        _runHash = runHash;
        _prefix = RepoKeys.SequenceBlobs(runHash, contextId, name);
        _relativeStart = RepoKeys.RunBlobs(runHash).Length;
    }

    /// <summary>The blob field <paramref name="fieldPath"/> (encoded, relative to the record's value) of the record at <paramref name="step"/>.</summary>
    public BlobKey At(long step, ReadOnlySpan<byte> fieldPath)
    {
        var key = new byte[_prefix.Length + Encoding.TreePath.IntSegmentLength + fieldPath.Length];
        _prefix.CopyTo(key, 0);
        RepoKeys.WriteInt(key.AsSpan(_prefix.Length), step);
        fieldPath.CopyTo(key.AsSpan(_prefix.Length + Encoding.TreePath.IntSegmentLength));
        return new BlobKey(_runHash, key, _relativeStart);
    }
}
