using System.Buffers.Binary;
using AimLsm.Encoding;

namespace AimLsm.Tree.Storage;

/// <summary>
/// Where a run's tree lives in its writer slot's engine (docs/format.md, section 13.1). All keys are Aim-encoded
/// paths, so <c>lsm-dump --format aim</c> shows them as tuples. A run H owns exactly three subtrees:
/// <c>('runs', H)</c> for properties, parameters and sequence metadata (small, scanned by queries),
/// <c>('seqs', H)</c> for sequence chunks and <c>('blobs', H)</c> for large object fields; deleting a run deletes
/// those three ranges.
/// </summary>
internal static class RepoKeys
{
    public const string RunsRoot = "runs";
    public const string SeqsRoot = "seqs";
    public const string BlobsRoot = "blobs";
    public const string PropsNode = "props";
    public const string AttrsNode = "attrs";
    public const string TracesNode = "traces";
    public const string ContextsNode = "contexts";

    /// <summary><c>('runs',)</c>: the run index is the children of this node.</summary>
    public static readonly byte[] Runs = TreePath.Encode([RunsRoot]);

    public static byte[] Run(string hash) => TreePath.Encode([RunsRoot, hash]);

    public static byte[] Props(string hash) => TreePath.Encode([RunsRoot, hash, PropsNode]);

    /// <summary><c>('runs', H, 'props', 'tags')</c>, or with <paramref name="index"/> one tag element under it.</summary>
    public static byte[] PropsTags(string hash, int? index = null) => index is { } i
        ? TreePath.Encode([RunsRoot, hash, PropsNode, RunProps.TagsKey, i])
        : TreePath.Encode([RunsRoot, hash, PropsNode, RunProps.TagsKey]);

    public static byte[] Attrs(string hash) => TreePath.Encode([RunsRoot, hash, AttrsNode]);

    public static byte[] Traces(string hash) => TreePath.Encode([RunsRoot, hash, TracesNode]);

    public static byte[] Trace(string hash, long contextId, string name) => TreePath.Encode([RunsRoot, hash, TracesNode, contextId, name]);

    public static byte[] Context(string hash, long contextId) => TreePath.Encode([RunsRoot, hash, ContextsNode, contextId]);

    public static byte[] RunSeqs(string hash) => TreePath.Encode([SeqsRoot, hash]);

    public static byte[] Sequence(string hash, long contextId, string name) => TreePath.Encode([SeqsRoot, hash, contextId, name]);

    public static byte[] RunBlobs(string hash) => TreePath.Encode([BlobsRoot, hash]);

    public static byte[] SequenceBlobs(string hash, long contextId, string name) => TreePath.Encode([BlobsRoot, hash, contextId, name]);

    /// <summary><paramref name="prefix"/> followed by the int segment <paramref name="value"/>.</summary>
    public static byte[] WithInt(ReadOnlySpan<byte> prefix, long value)
    {
        var key = new byte[prefix.Length + TreePath.IntSegmentLength];
        prefix.CopyTo(key);
        WriteInt(key.AsSpan(prefix.Length), value);
        return key;
    }

    /// <summary>Writes the 10-byte int segment of <paramref name="value"/>.</summary>
    public static void WriteInt(Span<byte> destination, long value)
    {
        destination[0] = TreePath.Separator;
        BinaryPrimitives.WriteInt64BigEndian(destination[1..], value);
        destination[9] = TreePath.Separator;
    }

    /// <summary>Reads the int segment at the start of <paramref name="segment"/>, or false when it is not one.</summary>
    public static bool TryReadInt(ReadOnlySpan<byte> segment, out long value)
    {
        value = 0;
        if (segment.Length < TreePath.IntSegmentLength || segment[0] != TreePath.Separator || segment[9] != TreePath.Separator)
        {
            return false;
        }

        value = BinaryPrimitives.ReadInt64BigEndian(segment[1..]);
        return true;
    }

    /// <summary><paramref name="first"/> followed by <paramref name="second"/>.</summary>
    public static byte[] Concat(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        var key = new byte[first.Length + second.Length];
        first.CopyTo(key);
        second.CopyTo(key.AsSpan(first.Length));
        return key;
    }
}
