using AimLsm.Kv;
using AimLsm.Kv.Common;
using AimLsm.Encoding;
using AimLsm.Tree.Storage;

namespace AimLsm.Tree.Sequences;

/// <summary>
/// Everything the background writer would hand the engine, checked against the engine's <see cref="Limits"/> in the
/// caller's thread of <c>Track</c>, so that a bad argument is refused there (an <see cref="ArgumentException"/> naming
/// the sequence, what is too large and the limit) instead of failing the writer later (docs/aim-repo.md, "Errors").
/// Sizes are of the encoded keys and values (docs/format.md, section 13):
/// <list type="bullet">
/// <item>a sequence's keys: its chunk keys (<c>('seqs', H, context id, name, step)</c>), its metadata keys
/// (<c>('runs', H, 'traces', context id, name, field)</c>), its blob keys (<c>('blobs', H, context id, name, step)</c>
/// plus a field path) and its context's keys (<c>('runs', H, 'contexts', context id, key)</c>), each at most
/// <see cref="Limits.MaxKeySize"/>; a context's values at most <see cref="Limits.MaxValueSize"/>;</item>
/// <item>a value's records kept in its chunk: at most <see cref="MaxInlineBytes"/>, so that a chunk of the most
/// records it can hold stays within <see cref="Limits.MaxValueSize"/>;</item>
/// <item>a value's fields stored apart (blobs): each at most <see cref="Limits.MaxValueSize"/>, together at most
/// <see cref="MaxBlobBytesPerPoint"/>, so that a point fits one write batch.</item>
/// </list>
/// </summary>
internal static class TrackLimits
{
    /// <summary>The longest metadata field segment: <c>first_step</c> and its separator.</summary>
    private const int LongestMetaField = 11;

    /// <summary>A chunk's bytes besides its records' values, per record at most: step, epoch and timestamp column
    /// entries (8 bytes each at worst) and the value's length prefix.</summary>
    private const int ChunkBytesPerRecord = (3 * 8) + Varint.MaxLength32;

    /// <summary>A chunk's header and column headers, at most.</summary>
    private const int ChunkHeaderBytes = 64;

    /// <summary>The most bytes of blobs one point may carry: half the engine's batch limit, the other half left to
    /// the chunk and metadata written with them.</summary>
    public const long MaxBlobBytesPerPoint = Limits.MaxBatchSize / 2;

    /// <summary>
    /// The most bytes of records one value may keep in its chunk. A chunk holds up to 2 x <paramref name="chunkSize"/>
    /// + 1 records (a chunk filled below the tail is split only past twice its size), and its encoding is one engine
    /// value. With the default 256 records: 523,236 bytes. Larger str and bytes fields go to blobs
    /// (<see cref="RepoOptions.BlobThreshold"/>), so only a value of very many small fields can reach it.
    /// </summary>
    public static int MaxInlineBytes(int chunkSize) =>
        ((Limits.MaxValueSize - ChunkHeaderBytes) / ((2 * chunkSize) + 1)) - ChunkBytesPerRecord;

    /// <summary>Checks the keys of a new sequence and its context.</summary>
    /// <exception cref="ArgumentException">A key would exceed <see cref="Limits.MaxKeySize"/>, or a context value
    /// <see cref="Limits.MaxValueSize"/>.</exception>
    public static void CheckSequence(string hash, string name, Context context)
    {
        long id = context.Id;
        int chunkKey = RepoKeys.Sequence(hash, id, name).Length + TreePath.IntSegmentLength;
        int metaKey = RepoKeys.Trace(hash, id, name).Length + LongestMetaField;
        int blobKey = RepoKeys.SequenceBlobs(hash, id, name).Length + TreePath.IntSegmentLength;
        int longest = Math.Max(chunkKey, Math.Max(metaKey, blobKey));
        if (longest > Limits.MaxKeySize)
        {
            throw new ArgumentException(
                $"The sequence name is too long: {System.Text.Encoding.UTF8.GetByteCount(name)} bytes of UTF-8 make keys of up to {longest} bytes; " +
                $"the engine's key limit is {Limits.MaxKeySize} bytes.", nameof(name));
        }

        if (context.Count == 0)
        {
            return;
        }

        new TreeWriter().Flatten(new Dictionary<string, object?>(context, StringComparer.Ordinal), RepoKeys.Context(hash, id), (key, value) =>
        {
            if (key.Length > Limits.MaxKeySize)
            {
                throw new ArgumentException(
                    $"A context key is too long: it makes a key of {key.Length} bytes; the engine's key limit is {Limits.MaxKeySize} bytes.", nameof(context));
            }

            if (value.Length > Limits.MaxValueSize)
            {
                throw new ArgumentException(
                    $"A context value is too large: {value.Length} bytes encoded; the engine's value limit is {Limits.MaxValueSize} bytes.", nameof(context));
            }
        });
    }

    /// <summary>Checks a value tracked into <paramref name="sequence"/>.</summary>
    /// <exception cref="ArgumentException">The value is too large for a chunk, a blob or a batch.</exception>
    public static void CheckValue(SequenceWriter sequence, in TrackedValue value, int chunkSize)
    {
        if (value.Encoded is { } inline && inline.Length > MaxInlineBytes(chunkSize))
        {
            throw new ArgumentException(
                $"The value keeps {inline.Length} bytes in its sequence chunk; the limit is {MaxInlineBytes(chunkSize)} bytes " +
                $"(a chunk of up to {(2 * chunkSize) + 1} records is one engine value of at most {Limits.MaxValueSize} bytes). " +
                "Str and bytes fields of at least RepoOptions.BlobThreshold bytes are stored apart; lower it, or RepoOptions.SequenceChunkSize.",
                nameof(value));
        }

        if (value.Blobs is not { } blobs)
        {
            return;
        }

        long total = 0;
        int stepKey = sequence.BlobPrefix.Length + TreePath.IntSegmentLength;
        foreach (BlobField blob in blobs)
        {
            CheckBlob(stepKey + blob.RelativePath.Length, blob.EncodedValue.Length, blob.RelativePath);
            total += blob.EncodedValue.Length + stepKey + blob.RelativePath.Length;
        }

        if (total > MaxBlobBytesPerPoint)
        {
            throw new ArgumentException(
                $"The value's fields stored apart total {total} bytes; the limit is {MaxBlobBytesPerPoint} bytes a point (one write batch).", nameof(value));
        }
    }

    /// <summary>Checks one blob: its full key length and its encoded value length.</summary>
    /// <exception cref="ArgumentException">Either exceeds the engine's limit.</exception>
    public static void CheckBlob(int keyLength, long valueLength, ReadOnlySpan<byte> relativePath)
    {
        string where = relativePath.IsEmpty ? "The value" : $"The field at {PathSegment.Format(TreePath.Decode(relativePath))}";
        if (keyLength > Limits.MaxKeySize)
        {
            throw new ArgumentException($"{where} makes a key of {keyLength} bytes; the engine's key limit is {Limits.MaxKeySize} bytes.", nameof(valueLength));
        }

        if (valueLength > Limits.MaxValueSize)
        {
            throw new ArgumentException($"{where} is {valueLength} bytes encoded; the engine's value limit is {Limits.MaxValueSize} bytes.", nameof(valueLength));
        }
    }
}
